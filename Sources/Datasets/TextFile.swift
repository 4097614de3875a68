// swift-bert — Datasets: plain texts for language modeling, one a line or JSON Lines.

import Foundation

/// The format of a file of texts.
public enum TextFileFormat: String, Sendable, CaseIterable {
    /// One text a line: 🤗 datasets' `text` loader.
    case lines
    /// One JSON object a line with the text in a string field (`"text"` by default).
    case jsonl

    /// The format a file name's extension names (`.txt`, `.text`, `.raw`; `.jsonl`, `.json`,
    /// `.ndjson`), if any.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "txt", "text", "raw": self = .lines
        case "jsonl", "json", "ndjson": self = .jsonl
        default: return nil
        }
    }
}

/// The texts of a file, as transformers' `run_mlm.py --line_by_line` reads a training or
/// validation file.
///
/// **Lines**: as 🤗 datasets' `text` loader (`load_dataset("text")`): the file is UTF-8 read
/// with Python's universal newlines, so LF, CR LF and a lone CR each end a line, and no other
/// character does (U+2028 or U+0085 stay inside their line); a byte-order mark is kept, as the
/// loader keeps it (the tokenizer drops U+FEFF). **JSON Lines**: every non-empty line is an
/// object whose `textField` holds a string.
///
/// Then `run_mlm.py`'s filter: texts that are empty or whitespace only, by Python's
/// `str.isspace` (which also counts U+001C…U+001F, unlike Swift's `Character.isWhitespace`),
/// are dropped; ``skipped`` counts them.
public struct TextFile: Sendable {
    /// The file's name, for errors.
    public let file: String
    /// The kept texts, in file order.
    public let texts: [String]
    /// The 1-based line of each kept text.
    public let lines: [Int]
    /// The number of empty or whitespace-only texts dropped.
    public let skipped: Int

    /// Reads a file.
    /// - Parameters:
    ///   - url: A regular file (see ``DatasetError``'s size limit).
    ///   - format: Lines or JSON Lines.
    ///   - textField: The key of the text in JSON Lines (`run_mlm.py` uses `"text"`).
    /// - Throws: ``DatasetError``: a missing or unreadable file, invalid UTF-8 (naming the
    ///   line), invalid JSON, a missing or non-string text field, or a file without texts.
    public init(contentsOf url: URL, format: TextFileFormat, textField: String = "text") throws {
        let data = try DatasetError.readFile(url)
        try self.init(data: data, file: url.path, format: format, textField: textField)
    }

    /// Parses a file's bytes, as ``init(contentsOf:format:textField:)`` does.
    public init(data: Data, file: String, format: TextFileFormat, textField: String = "text")
        throws
    {
        self.file = file
        let rows: [(line: Int, text: String)]
        switch format {
        case .lines: rows = try Self.universalNewlineLines(in: data, file: file)
        case .jsonl: rows = try Self.jsonTexts(in: data, file: file, field: textField)
        }
        let kept = rows.filter { !Self.isBlank($0.text) }
        guard !kept.isEmpty else { throw DatasetError.noExamples(file: file) }
        texts = kept.map(\.text)
        lines = kept.map(\.line)
        skipped = rows.count - kept.count
    }

    /// Whether `run_mlm.py` drops `text`: `len(text) == 0 or text.isspace()`.
    public static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy(\.isPythonWhitespace)
    }

    /// Every line of `data` with its number, split at LF, CR LF and lone CR; a final line end
    /// does not start another line.
    private static func universalNewlineLines(in data: Data, file: String) throws
        -> [(line: Int, text: String)]
    {
        var rows: [(line: Int, text: String)] = []
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var number = 0
            while start < bytes.count {
                number += 1
                var end = start
                while end < bytes.count, bytes[end] != 0x0A, bytes[end] != 0x0D { end += 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
                guard let text = validUTF8(line) else {
                    throw DatasetError.invalidUTF8(file: file, line: number)
                }
                rows.append((number, text))
                var next = end + 1
                if end < bytes.count, bytes[end] == 0x0D, next < bytes.count, bytes[next] == 0x0A {
                    next += 1
                }
                start = next
            }
        }
        return rows
    }

    /// `bytes` as a string, or nil when they are not valid UTF-8.
    private static func validUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // `String(validating:as:)` would do, but needs macOS 15.
        let invalid = transcode(
            bytes.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: true,
            into: { _ in })
        return invalid ? nil : String(decoding: bytes, as: UTF8.self)
    }

    private static func jsonTexts(in data: Data, file: String, field: String) throws
        -> [(line: Int, text: String)]
    {
        try JSONLines.objects(in: data, file: file).map { object in
            switch object.fields[field] {
            case .string(let text)?:
                return (object.line, text)
            case nil:
                throw DatasetError.invalidValue(
                    file: file, line: object.line, field: field, value: "",
                    expected: "a string (the key is missing)")
            case let other?:
                throw DatasetError.invalidValue(
                    file: file, line: object.line, field: field, value: other.kindName,
                    expected: "a string")
            }
        }
    }
}
