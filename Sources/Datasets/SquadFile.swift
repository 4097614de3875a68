// swift-bert — Datasets: SQuAD files (the official JSON, or 🤗 datasets' rows as JSON lines).

import Checkpoints
import Foundation
import _RegularFile

/// The format of a SQuAD file.
public enum SquadFormat: String, Sendable, CaseIterable {
    /// A JSON document with a `data` array: SQuAD's own nested layout (v1.1 or v2.0,
    /// `{"version", "data": [{"title", "paragraphs": [{"context", "qas": [{"id",
    /// "question", "answers": [{"text", "answer_start"}], "is_impossible"?,
    /// "plausible_answers"?}]}]}]}`), or the flat rows `run_qa.py` reads from a
    /// `--train_file` JSON (`load_dataset("json", field="data")`: `{"data": [row, …]}`).
    case json
    /// One row per line, as 🤗 datasets writes its `squad` / `squad_v2` rows: `{"id",
    /// "title"?, "question", "context", "answers": {"text": [...], "answer_start": [...]}}`.
    case jsonl

    /// The format a file name's extension names (`.json`; `.jsonl`, `.ndjson`), if any.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "json": self = .json
        case "jsonl", "ndjson": self = .jsonl
        default: return nil
        }
    }
}

/// A SQuAD file read whole into ``QuestionAnsweringExample``s, in file order.
///
/// The examples are what 🤗 datasets' `squad` and `squad_v2` loading scripts yield (the
/// input of `run_qa.py`): one per question, the article's title (`""` when missing), the
/// paragraph's context as it is (no stripping), the question, and every answer's text and
/// `answer_start`; an unanswerable SQuAD 2.0 question has no answers, and its
/// `plausible_answers` are ignored, as the loader ignores them. Keys the format does not
/// name are ignored.
///
/// The file is untrusted, so unlike the loader this reader checks what later steps rely on
/// and reports the first problem in one line naming the file and the value — its JSON path
/// (`data[3].paragraphs[0].qas[2].answers[0].answer_start`) in a JSON document, its line and
/// field in JSON lines: every value has its type (strings, an integer `answer_start`); ids
/// are non-empty and unique (predictions are keyed by id; compared by Unicode scalars); an
/// answer's text is non-empty, and its span `answer_start ..< answer_start + len(text)`
/// (Unicode scalars, as Python counts) lies inside the context; `is_impossible`, where
/// given, agrees with the answers. An answer whose text differs from the context at its span
/// is accepted as it is: `run_qa.py` uses only `answer_start` and the text's length, and the
/// SQuAD metric compares predictions with the text.
///
/// Files above ``maximumFileSize`` are refused before anything is read. JSON goes through
/// the project's strict parser (`Checkpoints.JSONValue`: RFC 8259, no duplicate keys,
/// nesting at most 512 deep); a syntax error names its line and byte. A UTF-8 byte-order
/// mark at the start is skipped.
public struct SquadFile: Sendable {
    /// The largest file read (1 GiB; SQuAD 2.0's training set is 40 MiB).
    public static let maximumFileSize = 1 << 30

    /// The file's name, for errors.
    public let file: String
    /// The document's `version` (`"1.1"`, `"v2.0"`), or nil for JSON lines and documents
    /// without one.
    public let version: String?
    /// The questions, in file order.
    public let examples: [QuestionAnsweringExample]

    /// Reads a file.
    /// - Throws: ``DatasetError``: a missing, unreadable or too large file, invalid UTF-8 or
    ///   JSON, a missing or wrong value (``DatasetError/invalidField(file:path:value:expected:)``
    ///   in a document, ``DatasetError/invalidValue(file:line:field:value:expected:)`` in
    ///   JSON lines), or a file without questions.
    public init(contentsOf url: URL, format: SquadFormat) throws {
        let data: Data
        do {
            data = try RegularFile.read(url, limit: Self.maximumFileSize)
        } catch {
            if error.isMissing { throw DatasetError.fileNotFound(file: url.path) }
            throw DatasetError.unreadableFile(file: url.path, reason: error.reason)
        }
        try self.init(data: data, file: url.path, format: format)
    }

    /// Parses a file's bytes, as ``init(contentsOf:format:)`` does.
    public init(data: Data, file: String, format: SquadFormat) throws {
        guard data.count <= Self.maximumFileSize else {
            throw DatasetError.unreadableFile(
                file: file,
                reason: "\(data.count) bytes, more than the \(Self.maximumFileSize) this file "
                    + "may have")
        }
        self.file = file
        var ids = IDRegister()
        switch format {
        case .json:
            (version, examples) = try Self.document(data, file: file, ids: &ids)
        case .jsonl:
            version = nil
            examples = try JSONLines.lines(in: classicLineEndingsConverted(data), file: file).map {
                line in
                let value = try Self.parse(
                    Array(line.text.utf8), file: file, firstLine: line.number)
                let fields = Fields(file: file, line: line.number, path: "")
                return try fields.row(value, ids: &ids, where: "line \(line.number)")
            }
        }
        guard !examples.isEmpty else { throw DatasetError.noExamples(file: file) }
    }

    /// Parses JSON text, mapping a syntax error to ``DatasetError/invalidJSON(file:line:reason:)``
    /// with the line it is on (`firstLine` being the text's first).
    private static func parse(_ bytes: [UInt8], file: String, firstLine: Int) throws -> JSONValue {
        do {
            return try JSONValue(parsing: bytes, file: file)
        } catch let error as CheckpointError {
            guard case .invalidJSON(_, let offset, let reason) = error else { throw error }
            let newlines = bytes.prefix(offset).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw DatasetError.invalidJSON(
                file: file, line: firstLine + newlines, reason: "\(reason) (at byte \(offset + 1))")
        }
    }

    // MARK: A JSON document

    private static func document(_ data: Data, file: String, ids: inout IDRegister) throws
        -> (String?, [QuestionAnsweringExample])
    {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let root = Fields(file: file, line: nil, path: "")
        let top = try root.object(try parse(bytes, file: file, firstLine: 1))
        let version = try top.optionalString("version")
        var examples: [QuestionAnsweringExample] = []
        for (a, item) in try top.array("data").enumerated() {
            let article = top.element("data", a)
            let articleFields = try article.object(item)
            // run_qa's own JSON files hold flat rows under "data"; SQuAD's hold articles.
            guard articleFields.values["paragraphs"] != nil else {
                examples.append(try article.row(item, ids: &ids, where: article.path))
                continue
            }
            let title = try articleFields.optionalString("title") ?? ""
            for (p, item) in try articleFields.array("paragraphs").enumerated() {
                let paragraph = try articleFields.element("paragraphs", p).object(item)
                let context = try paragraph.string("context")
                for (q, item) in try paragraph.array("qas").enumerated() {
                    let qa = try paragraph.element("qas", q).object(item)
                    let id = try qa.id(ids: &ids)
                    let question = try qa.string("question")
                    var answers: [QuestionAnsweringExample.Answer] = []
                    for (n, item) in try qa.array("answers").enumerated() {
                        let answer = try qa.element("answers", n).object(item)
                        answers.append(
                            try answer.checkedAnswer(
                                text: try answer.string("text"), textField: "text",
                                start: try answer.required("answer_start", "an integer"),
                                startField: "answer_start", context: context))
                    }
                    try qa.checkImpossible(answers: answers.count)
                    examples.append(
                        QuestionAnsweringExample(
                            id: id, title: title, question: question, context: context,
                            answers: answers))
                }
            }
        }
        return (version, examples)
    }

    /// Where each id was first seen, keyed by its UTF-8 bytes (Swift's `==` would merge ids
    /// that are only canonically equivalent, which Python keeps apart).
    private struct IDRegister {
        var seen: [[UInt8]: String] = [:]

        /// Records `id` seen at `place`; returns where it was seen before, if it was.
        mutating func register(_ id: String, at place: String) -> String? {
            let key = Array(id.utf8)
            if let first = seen[key] { return first }
            seen[key] = place
            return nil
        }
    }

    /// Typed access to one JSON object (or to a value about to be checked as one), with
    /// errors naming the file and the value's place: its JSON path in a document, its line
    /// and field in JSON lines.
    private struct Fields {
        let file: String
        /// The JSON Lines line, or nil in a document.
        let line: Int?
        /// The path of this object from the root of the document or line (`""` at the root).
        let path: String
        var values: [String: JSONValue] = [:]

        init(file: String, line: Int?, path: String) {
            self.file = file
            self.line = line
            self.path = path
        }

        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

        func element(_ key: String, _ index: Int) -> Fields {
            Fields(file: file, line: line, path: "\(child(key))[\(index)]")
        }

        func invalid(_ key: String?, _ value: String, _ expected: String) -> DatasetError {
            let field = key.map(child) ?? (path.isEmpty ? "(root)" : path)
            if let line {
                return .invalidValue(
                    file: file, line: line, field: field, value: value, expected: expected)
            }
            return .invalidField(file: file, path: field, value: value, expected: expected)
        }

        /// This place's value as an object.
        func object(_ value: JSONValue) throws -> Fields {
            guard case .object(let object) = value else {
                throw invalid(nil, value.kindName, "an object")
            }
            var fields = self
            fields.values = object
            return fields
        }

        func required(_ key: String, _ expected: String) throws -> JSONValue {
            guard let value = values[key] else {
                throw invalid(key, "", "\(expected) (the key is missing)")
            }
            return value
        }

        func array(_ key: String) throws -> [JSONValue] {
            let value = try required(key, "an array")
            guard case .array(let array) = value else {
                throw invalid(key, value.kindName, "an array")
            }
            return array
        }

        func string(_ key: String) throws -> String {
            let value = try required(key, "a string")
            guard case .string(let string) = value else {
                throw invalid(key, value.kindName, "a string")
            }
            return string
        }

        func optionalString(_ key: String) throws -> String? {
            values[key] == nil ? nil : try string(key)
        }

        /// The question's id: a non-empty string not used before in the file.
        func id(ids: inout IDRegister, where place: String? = nil) throws -> String {
            let id = try string("id")
            guard !id.isEmpty else { throw invalid("id", "", "a non-empty id") }
            if let first = ids.register(id, at: place ?? child("id")) {
                throw invalid("id", id, "an id not used before (it is also at \(first))")
            }
            return id
        }

        /// A flat row (🤗 datasets' columns): `id`, `title`?, `question`, `context` and
        /// `answers: {text: [...], answer_start: [...]}`.
        func row(_ value: JSONValue, ids: inout IDRegister, where place: String) throws
            -> QuestionAnsweringExample
        {
            let row = try object(value)
            let id = try row.id(ids: &ids, where: place)
            let title = try row.optionalString("title") ?? ""
            let question = try row.string("question")
            let context = try row.string("context")
            let answers = try row.object(
                try row.required("answers", "an object with text and answer_start arrays"),
                at: "answers")
            let texts = try answers.array("text")
            let starts = try answers.array("answer_start")
            guard texts.count == starts.count else {
                throw answers.invalid(
                    "answer_start", "\(starts.count) starts",
                    "\(texts.count) starts, one per answer text")
            }
            let parsed = try zip(texts, starts).enumerated().map { index, pair in
                guard case .string(let text) = pair.0 else {
                    throw answers.invalid("text[\(index)]", pair.0.kindName, "a string")
                }
                return try answers.checkedAnswer(
                    text: text, textField: "text[\(index)]", start: pair.1,
                    startField: "answer_start[\(index)]", context: context)
            }
            try row.checkImpossible(answers: parsed.count)
            return QuestionAnsweringExample(
                id: id, title: title, question: question, context: context, answers: parsed)
        }

        /// The object under `key` of this one.
        func object(_ value: JSONValue, at key: String) throws -> Fields {
            try Fields(file: file, line: line, path: child(key)).object(value)
        }

        /// An answer whose text is non-empty and whose span lies inside the context.
        func checkedAnswer(
            text: String, textField: String, start: JSONValue, startField: String,
            context: String
        ) throws -> QuestionAnsweringExample.Answer {
            guard !text.isEmpty else { throw invalid(textField, "", "a non-empty answer text") }
            let contextLength = context.unicodeScalars.count
            let range = "an integer in 0..<\(contextLength), a position in the context"
            guard case .number(let literal) = start else {
                throw invalid(startField, start.kindName, range)
            }
            guard let position = Int(literal), position >= 0, position < contextLength else {
                throw invalid(startField, literal, range)
            }
            let length = text.unicodeScalars.count
            guard position + length <= contextLength else {
                throw invalid(
                    startField, literal,
                    "a start where the answer's \(length) characters fit in the context's "
                        + "\(contextLength) (they would end at \(position + length))")
            }
            return QuestionAnsweringExample.Answer(text: text, start: position)
        }

        /// `is_impossible`, where given, must say what the answers say.
        func checkImpossible(answers: Int) throws {
            guard let value = values["is_impossible"] else { return }
            guard case .bool(let flag) = value else {
                throw invalid("is_impossible", value.kindName, "a boolean")
            }
            if flag && answers > 0 {
                throw invalid(
                    "is_impossible", "true", "false, since the question has \(answers) answers")
            }
            if !flag && answers == 0 {
                throw invalid("is_impossible", "false", "true, since the question has no answers")
            }
        }
    }
}
