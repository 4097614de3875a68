// swift-bert — Datasets: splitting raw bytes into lines and tab-separated fields.

import Foundation

/// Splits tab-separated text into rows of fields, with no quoting.
///
/// The CoLA files are plain TSV: one row per line, fields separated by `\t`, and no quoting
/// or escaping at all (sentences contain `"` and `'`, which are ordinary characters here;
/// pandas would treat a leading `"` as a quote). Lines end in LF or CR LF; the last line may
/// lack its newline. Empty lines are skipped, as pandas' `skip_blank_lines` does, but still
/// counted, so line numbers match what an editor shows. A UTF-8 byte-order mark at the start
/// of the file is dropped.
enum TabSeparatedText {
    /// One row: its 1-based line number and its fields.
    struct Row {
        var line: Int
        var fields: [Substring]
    }

    /// Decodes `data` and splits it into rows.
    ///
    /// - Parameters:
    ///   - data: The file's bytes.
    ///   - file: The file's name for error messages.
    /// - Returns: The non-empty rows, in file order.
    /// - Throws: ``DatasetError/invalidUTF8(file:line:)`` naming the first line that is not
    ///   valid UTF-8.
    /// - Complexity: O(*n*) in the number of bytes.
    static func rows(in data: Data, file: String) throws -> [Row] {
        var rows: [Row] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                start = 3
            }
            var lineNumber = 0
            while start < bytes.count {
                lineNumber += 1
                var end = start
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                let next = end + 1
                if end > start, bytes[end - 1] == 0x0D { end -= 1 }
                if end > start {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<end])
                    // `String(validating:as:)` would do, but needs macOS 15.
                    let invalid = transcode(
                        slice.makeIterator(), from: UTF8.self, to: UTF32.self,
                        stoppingOnError: true, into: { _ in })
                    if invalid { throw DatasetError.invalidUTF8(file: file, line: lineNumber) }
                    let text = String(decoding: slice, as: UTF8.self)
                    let fields = text.split(separator: "\t", omittingEmptySubsequences: false)
                    rows.append(Row(line: lineNumber, fields: fields))
                }
                start = next
            }
        }
        return rows
    }
}
