// swift-bert — Datasets: CSV (RFC 4180) and TSV (GLUE style, unquoted) records.

import Foundation

/// Splits comma- or tab-separated text into records of fields.
///
/// - **CSV** follows RFC 4180: fields are separated by `,` and records by LF or CR LF; a field
///   that starts with `"` is quoted, may hold commas, line breaks and doubled quotes (`""`
///   for one `"`), and must end with a `"` followed by a comma, a line break or the end of
///   the file. An unterminated quoted field, or text after a closing quote, is an error. A
///   `"` inside an unquoted field is kept as an ordinary character (as Python's `csv`
///   does; RFC 4180 leaves it undefined).
/// - **TSV** is the GLUE files' format: fields separated by `\t`, one record per line, and
///   no quoting or escaping at all, so `"` is an ordinary character and a field cannot hold
///   a tab or a line break.
///
/// Both accept LF or CR LF line ends, a missing final line end and a UTF-8 byte-order mark;
/// empty lines between records are skipped but still counted, so every record carries the
/// 1-based line number an editor shows for its first line.
public enum DelimitedText {
    /// The two delimited formats.
    public enum Dialect: String, Sendable, CaseIterable {
        /// Comma-separated values with RFC 4180 quoting.
        case csv
        /// Tab-separated values without quoting.
        case tsv
    }

    /// One record: the 1-based line it starts on, and its fields.
    public struct Record: Sendable, Hashable {
        /// The line number of the record's first line.
        public var line: Int
        /// The fields, unquoted.
        public var fields: [String]

        /// Creates a record.
        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    /// Decodes `data` and splits it into records.
    ///
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - dialect: CSV or TSV.
    ///   - file: The file's name for error messages.
    /// - Returns: The non-empty records, in file order.
    /// - Throws: ``DatasetError/invalidUTF8(file:line:)`` or
    ///   ``DatasetError/invalidCSV(file:line:reason:)``.
    /// - Complexity: O(*n*) in the number of bytes.
    public static func records(in data: Data, dialect: Dialect, file: String) throws -> [Record] {
        let data = classicLineEndingsConverted(data)
        switch dialect {
        case .tsv:
            return try TabSeparatedText.rows(in: data, file: file).map {
                Record(line: $0.line, fields: $0.fields.map(String.init))
            }
        case .csv:
            return try csvRecords(in: data, file: file)
        }
    }

    /// One record as a line of text in `dialect`, without the line end.
    ///
    /// CSV quotes a field only when it holds a comma, a quote, CR or LF (Python's
    /// `csv.QUOTE_MINIMAL`). TSV writes fields as they are.
    /// - Precondition: For TSV, no field holds a tab or a line break.
    public static func line(_ fields: [String], dialect: Dialect) -> String {
        switch dialect {
        case .tsv:
            precondition(
                !fields.contains { $0.contains { $0 == "\t" || $0 == "\n" || $0 == "\r" } },
                "DelimitedText: a TSV field cannot hold a tab or a line break")
            return fields.joined(separator: "\t")
        case .csv:
            return fields.map { field in
                guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                else { return field }
                return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }.joined(separator: ",")
        }
    }

    private static func csvRecords(in data: Data, file: String) throws -> [Record] {
        var bytes = [UInt8](data)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes.removeFirst(3)
        }
        if let line = firstInvalidUTF8Line(bytes) {
            throw DatasetError.invalidUTF8(file: file, line: line)
        }
        let comma: UInt8 = 0x2C
        let quote: UInt8 = 0x22
        let newline: UInt8 = 0x0A
        let carriageReturn: UInt8 = 0x0D
        var records: [Record] = []
        var position = 0
        var line = 1
        let count = bytes.count
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        while position < count {
            // An empty line (LF or CR LF) between records is skipped.
            if bytes[position] == newline {
                position += 1
                line += 1
                continue
            }
            if bytes[position] == carriageReturn, position + 1 < count,
                bytes[position + 1] == newline
            {
                position += 2
                line += 1
                continue
            }
            let recordLine = line
            var fields: [String] = []
            var recordDone = false
            while !recordDone {
                let field: String
                if position < count, bytes[position] == quote {
                    let fieldNumber = fields.count + 1
                    let openedOn = line
                    position += 1
                    var buffer: [UInt8] = []
                    var closed = false
                    while position < count {
                        let byte = bytes[position]
                        if byte == quote {
                            if position + 1 < count, bytes[position + 1] == quote {
                                buffer.append(quote)
                                position += 2
                                continue
                            }
                            position += 1
                            closed = true
                            break
                        }
                        if byte == newline { line += 1 }
                        buffer.append(byte)
                        position += 1
                    }
                    guard closed else {
                        throw DatasetError.invalidCSV(
                            file: file, line: openedOn,
                            reason: "field \(fieldNumber): quoted field is never closed")
                    }
                    field = String(decoding: buffer, as: UTF8.self)
                    let atEnd =
                        position == count || bytes[position] == comma
                        || bytes[position] == newline
                        || (bytes[position] == carriageReturn && position + 1 < count
                            && bytes[position + 1] == newline)
                    guard atEnd else {
                        throw DatasetError.invalidCSV(
                            file: file, line: line,
                            reason: "field \(fieldNumber): text after the closing quote")
                    }
                } else {
                    let start = position
                    while position < count, bytes[position] != comma, bytes[position] != newline {
                        position += 1
                    }
                    var end = position
                    let atLineEnd = position == count || bytes[position] == newline
                    if atLineEnd, end > start, bytes[end - 1] == carriageReturn { end -= 1 }
                    field = text(start..<end)
                }
                fields.append(field)
                if position < count, bytes[position] == comma {
                    position += 1
                    continue
                }
                // End of record: skip CR LF or LF.
                if position < count, bytes[position] == carriageReturn { position += 1 }
                if position < count, bytes[position] == newline {
                    position += 1
                    line += 1
                }
                recordDone = true
            }
            records.append(Record(line: recordLine, fields: fields))
        }
        return records
    }

    /// The 1-based line of the first invalid UTF-8 sequence, or `nil`.
    static func firstInvalidUTF8Line(_ bytes: [UInt8]) -> Int? {
        // `String(validating:as:)` would do, but needs macOS 15.
        func isValid(_ slice: ArraySlice<UInt8>) -> Bool {
            !transcode(
                slice.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: true,
                into: { _ in })
        }
        if isValid(bytes[...]) { return nil }
        var line = 1
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            if !isValid(bytes[start..<end]) { return line }
            line += 1
            start = end + 1
        }
        return line
    }
}

/// `data` with every CR made an LF when it holds CRs and no LF at all: a file with classic
/// Mac line endings, which Python's universal newlines (and pandas) read line by line. Any
/// other file is returned as it is, so a CR inside a quoted field of a CR LF or LF file stays.
func classicLineEndingsConverted(_ data: Data) -> Data {
    guard !data.contains(0x0A), data.contains(0x0D) else { return data }
    return Data(data.map { $0 == 0x0D ? 0x0A : $0 })
}
