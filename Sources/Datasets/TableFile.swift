// swift-bert — Datasets: a user's data file (TSV, CSV or JSON Lines) as rows of named cells.

import Foundation

/// The format of a data file.
public enum TableFormat: String, Sendable, CaseIterable {
    /// Tab-separated, unquoted (``DelimitedText/Dialect/tsv``).
    case tsv
    /// Comma-separated with RFC 4180 quoting (``DelimitedText/Dialect/csv``).
    case csv
    /// One JSON object per line (``JSONLines``).
    case jsonl

    /// The format a file name's extension names (`.tsv`, `.csv`, `.jsonl`, `.json`), if any.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "tsv": self = .tsv
        case "csv": self = .csv
        case "jsonl", "json", "ndjson": self = .jsonl
        default: return nil
        }
    }
}

/// A column, by name (a header field or JSON key) or by 0-based index.
///
/// Text made only of ASCII digits is an index (`"2"` is the third column); anything else is
/// a name. In a JSON Lines file every column is a key, so `"2"` means the key `"2"`.
public enum ColumnReference: Sendable, Hashable, CustomStringConvertible {
    case name(String)
    case index(Int)

    /// Parses a column given on the command line.
    public init(_ text: String) {
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(text) {
            self = .index(index)
        } else {
            self = .name(text)
        }
    }

    /// The name or the index as text.
    public var description: String {
        switch self {
        case .name(let name): return name
        case .index(let index): return String(index)
        }
    }
}

/// Whether the first row of a CSV or TSV file is a header.
public enum HeaderMode: Sendable, Hashable {
    /// A header when any column given by name is among the first row's fields (so a
    /// misspelled column is reported against the header's names); no header when all
    /// columns are given by index.
    case detect
    /// The first row is a header.
    case present
    /// Every row is data.
    case absent
}

/// A data file read whole: its header (if any) and its rows, with their line numbers.
public struct TableFile: Sendable {
    /// One data row.
    public struct Row: Sendable, Hashable {
        /// The 1-based line the row starts on.
        public var line: Int
        /// The fields of a CSV or TSV row (empty for JSON Lines).
        public var fields: [String]
        /// The object of a JSON Lines row (`nil` for CSV and TSV).
        public var object: JSONLines.Object?
    }

    /// The file's name, for errors and locations.
    public let file: String
    /// The format it was read as.
    public let format: TableFormat
    /// The header's fields (CSV or TSV with a header), else `nil`.
    public let header: [String]?
    /// The line the header is on (`nil` without a header).
    public let headerLine: Int?
    /// The data rows, in file order.
    public let rows: [Row]

    /// Reads a file.
    ///
    /// CSV and TSV rows must all have as many fields as the first row.
    /// - Parameters:
    ///   - url: The file.
    ///   - format: Its format.
    ///   - header: Whether its first row is a header (ignored for JSON Lines).
    ///   - columns: The columns that will be asked for, for header detection.
    /// - Throws: ``DatasetError``: a missing or unreadable file, invalid UTF-8, invalid CSV
    ///   or JSON, or a ragged row.
    public init(
        contentsOf url: URL, format: TableFormat, header: HeaderMode = .detect,
        columns: [ColumnReference] = []
    ) throws {
        let path = url.path
        let data = try DatasetError.readFile(url)
        try self.init(data: data, file: path, format: format, header: header, columns: columns)
    }

    /// Parses a file's bytes, as ``init(contentsOf:format:header:columns:)`` does.
    public init(
        data: Data, file: String, format: TableFormat, header: HeaderMode = .detect,
        columns: [ColumnReference] = []
    ) throws {
        self.file = file
        self.format = format
        let dialect: DelimitedText.Dialect
        switch format {
        case .jsonl:
            self.header = nil
            self.headerLine = nil
            self.rows = try JSONLines.objects(in: data, file: file).map {
                Row(line: $0.line, fields: [], object: $0)
            }
            return
        case .csv: dialect = .csv
        case .tsv: dialect = .tsv
        }
        var records = try DelimitedText.records(in: data, dialect: dialect, file: file)
        if let first = records.first {
            for record in records.dropFirst() where record.fields.count != first.fields.count {
                throw DatasetError.raggedRow(
                    file: file, line: record.line, expected: first.fields.count,
                    actual: record.fields.count)
            }
        }
        let names = columns.compactMap { column -> String? in
            if case .name(let name) = column { return name }
            return nil
        }
        let hasHeader: Bool
        switch header {
        case .present: hasHeader = !records.isEmpty
        case .absent: hasHeader = false
        case .detect:
            let firstFields = Set(records.first?.fields ?? [])
            hasHeader = names.contains(where: firstFields.contains)
        }
        if hasHeader {
            let first = records.removeFirst()
            // As JSON keys: a name given twice would make a column silently ambiguous.
            var seen = Set<String>()
            for name in first.fields where !seen.insert(name).inserted {
                throw DatasetError.invalidValue(
                    file: file, line: first.line, field: name, value: name,
                    expected: "a header name used once (it names two columns)")
            }
            self.header = first.fields
            self.headerLine = first.line
        } else {
            self.header = nil
            self.headerLine = nil
        }
        rows = records.map { Row(line: $0.line, fields: $0.fields, object: nil) }
    }

    /// A column's position in CSV or TSV rows, checked against the header (or first row).
    ///
    /// - Throws: ``DatasetError/missingColumn(file:line:column:available:)``.
    public func index(of column: ColumnReference) throws -> Int {
        let width = header?.count ?? rows.first?.fields.count ?? 0
        switch column {
        case .index(let index):
            guard index < width else {
                throw DatasetError.missingColumn(
                    file: file, line: headerLine ?? rows.first?.line ?? 1,
                    column: column.description,
                    available: header ?? [])
            }
            return index
        case .name(let name):
            guard let header, let index = header.firstIndex(of: name) else {
                throw DatasetError.missingColumn(
                    file: file, line: headerLine ?? rows.first?.line ?? 1, column: name,
                    available: header ?? [])
            }
            return index
        }
    }

    /// The names of the columns, for output: the header, or `nil` without one.
    public var columnNames: [String]? { header }
}
