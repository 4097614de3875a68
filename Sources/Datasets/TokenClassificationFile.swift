// swift-bert — Datasets: token-classification (NER) files: CoNLL columns or JSON Lines.

import Foundation

/// The format of a token-classification file.
public enum TokenClassificationFormat: String, Sendable, CaseIterable {
    /// CoNLL columns: one token per line, whitespace-separated columns with the token first
    /// and the tag last, a blank line after each sentence (``TokenClassificationFile``).
    case conll
    /// One JSON object per line: `{"tokens": [...], "tags": [...]}`.
    case jsonl

    /// The format a file name's extension names (`.conll`, `.iob`, `.txt`; `.jsonl`,
    /// `.json`, `.ndjson`), if any.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "conll", "iob", "txt": self = .conll
        case "jsonl", "json", "ndjson": self = .jsonl
        default: return nil
        }
    }
}

/// One sentence of a token-classification file: its words and one tag per word.
public struct TaggedSentence: Sendable, Hashable {
    /// The 1-based line the sentence starts on (its first token's line in a CoNLL file).
    public var line: Int
    /// The words, as in the file.
    public var words: [String]
    /// One tag per word (`B-PER`, `O`, …).
    public var tags: [String]

    /// Creates a sentence.
    public init(line: Int, words: [String], tags: [String]) {
        self.line = line
        self.words = words
        self.tags = tags
    }
}

/// A token-classification file read whole: its sentences and its label set.
///
/// **CoNLL** (CoNLL-2003's `word POS chunk NER`, or two-column `word tag` files): every
/// non-blank line is one token, its columns separated by runs of spaces or tabs; the token
/// is the first column and the tag the last, and every line of the file must have the same
/// number of columns (so a token with a space in it is caught). Blank lines end sentences;
/// a line whose first column is `-DOCSTART-` ends one too and is skipped, as the `conll2003`
/// loading script of 🤗 datasets does. Runs of blank lines and trailing blank lines are
/// fine; LF, CR LF or CR line ends and a UTF-8 byte-order mark are accepted.
///
/// **JSON Lines**: each non-empty line is an object with a `tokens` array of strings and a
/// `tags` array of as many tags. Tags are strings, or integer indices into `labelNames`
/// when the caller gives them (as 🤗 datasets stores a `ClassLabel` feature).
///
/// The label set follows `run_ner.py` (transformers' token-classification example): the
/// given `labelNames` in their order (its `ClassLabel` case), otherwise the distinct tags
/// sorted (its `get_label_list`: `list(set(...)).sort()`, Python's code-point order).
public struct TokenClassificationFile: Sendable {
    /// The file's name, for errors and locations.
    public let file: String
    /// The sentences, in file order.
    public let sentences: [TaggedSentence]
    /// The labels: `labelNames` when given, else the distinct tags in code-point order.
    public let labels: [String]

    /// Reads a file.
    ///
    /// - Parameters:
    ///   - url: The file (a regular file; see ``DatasetError``'s size limit).
    ///   - format: CoNLL columns or JSON Lines.
    ///   - labelNames: The label set in id order, when it is fixed in advance; every tag must
    ///     then be one of them, and JSON Lines tags may be their integer indices.
    /// - Throws: ``DatasetError``: a missing or unreadable file, invalid UTF-8 or JSON, a
    ///   line with one column, a row with another column count than the first, a missing
    ///   or non-string token, a tags array of another length than its tokens, an unknown
    ///   tag, or a file without sentences.
    public init(contentsOf url: URL, format: TokenClassificationFormat, labelNames: [String]? = nil)
        throws
    {
        let data = try DatasetError.readFile(url)
        try self.init(data: data, file: url.path, format: format, labelNames: labelNames)
    }

    /// Parses a file's bytes, as ``init(contentsOf:format:labelNames:)`` does.
    public init(
        data: Data, file: String, format: TokenClassificationFormat, labelNames: [String]? = nil
    ) throws {
        self.file = file
        let sentences: [TaggedSentence]
        switch format {
        case .conll: sentences = try Self.conllSentences(in: data, file: file)
        case .jsonl:
            sentences = try Self.jsonSentences(in: data, file: file, labelNames: labelNames)
        }
        guard !sentences.isEmpty else { throw DatasetError.noExamples(file: file) }
        if let labelNames {
            let known = Set(labelNames)
            for sentence in sentences {
                for tag in sentence.tags where !known.contains(tag) {
                    throw DatasetError.invalidValue(
                        file: file, line: sentence.line, field: "tags", value: tag,
                        expected: "one of the labels " + labelNames.joined(separator: ", "))
                }
            }
            labels = labelNames
        } else {
            labels = Self.sortedDistinctTags(sentences)
        }
        self.sentences = sentences
    }

    /// The distinct tags in Python's string order (by code point; Swift's `<` compares
    /// canonical equivalents as equal, which Python does not).
    private static func sortedDistinctTags(_ sentences: [TaggedSentence]) -> [String] {
        let distinct = Set(sentences.flatMap(\.tags))
        return distinct.sorted {
            $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) { $0.value < $1.value }
        }
    }

    private static func conllSentences(in data: Data, file: String) throws -> [TaggedSentence] {
        let lines = try JSONLines.lines(
            in: classicLineEndingsConverted(data), file: file, keepingBlank: true)
        var sentences: [TaggedSentence] = []
        var current = TaggedSentence(line: 0, words: [], tags: [])
        var width: (columns: Int, line: Int)?
        func finishSentence() {
            if !current.words.isEmpty { sentences.append(current) }
            current = TaggedSentence(line: 0, words: [], tags: [])
        }
        for line in lines {
            let columns = line.text.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let token = columns.first else {
                finishSentence()
                continue
            }
            if token == "-DOCSTART-" {
                finishSentence()
                continue
            }
            guard columns.count >= 2 else {
                throw DatasetError.invalidValue(
                    file: file, line: line.number, field: "tag", value: line.text,
                    expected: "a token and a tag separated by spaces or tabs")
            }
            if let width, width.columns != columns.count {
                throw DatasetError.raggedRow(
                    file: file, line: line.number, expected: width.columns, actual: columns.count)
            }
            if width == nil { width = (columns.count, line.number) }
            if current.words.isEmpty { current.line = line.number }
            current.words.append(String(token))
            current.tags.append(String(columns[columns.count - 1]))
        }
        finishSentence()
        return sentences
    }

    private static func jsonSentences(in data: Data, file: String, labelNames: [String]?) throws
        -> [TaggedSentence]
    {
        try JSONLines.dictionaries(in: data, file: file).map { object in
            func invalid(_ field: String, _ value: String, _ expected: String) -> DatasetError {
                .invalidValue(
                    file: file, line: object.number, field: field, value: value, expected: expected)
            }
            func array(_ key: String) throws -> [Any] {
                guard let value = object.dictionary[key] else {
                    throw invalid(key, "", "an array (the key is missing)")
                }
                guard let array = value as? [Any] else {
                    throw invalid(key, JSONLines.value(value).kindName, "an array")
                }
                return array
            }
            let tokens = try array("tokens")
            let tags = try array("tags")
            guard !tokens.isEmpty else { throw invalid("tokens", "[]", "at least one token") }
            guard tags.count == tokens.count else {
                throw invalid(
                    "tags", "\(tags.count) tags", "\(tokens.count) tags, one per token")
            }
            let words = try tokens.enumerated().map { index, token in
                guard case .string(let word) = JSONLines.value(token) else {
                    throw invalid("tokens[\(index)]", JSONLines.value(token).kindName, "a string")
                }
                return word
            }
            let names = try tags.enumerated().map { index, tag in
                switch JSONLines.value(tag) {
                case .string(let name) where !name.isEmpty:
                    return name
                case .integer(let digits):
                    guard let labelNames else {
                        throw invalid(
                            "tags[\(index)]", digits,
                            "a string tag (integer tags need the label names)")
                    }
                    guard let id = Int(digits), labelNames.indices.contains(id) else {
                        throw invalid(
                            "tags[\(index)]", digits, "a label id in 0..<\(labelNames.count)")
                    }
                    return labelNames[id]
                case let other:
                    let found = other == .string("") ? "" : other.kindName
                    throw invalid("tags[\(index)]", found, "a non-empty string tag")
                }
            }
            return TaggedSentence(line: object.number, words: words, tags: names)
        }
    }
}
