// swift-bert — Datasets: examples and labels from a user's data file.

import Foundation

/// Which columns of a data file hold the text, the optional second text and the label.
public struct TableColumns: Sendable, Hashable {
    /// The (first) text.
    public var text: ColumnReference
    /// The second text of a sentence pair, if the task has one.
    public var textPair: ColumnReference?
    /// The label; `nil` for unlabeled input (prediction).
    public var label: ColumnReference?

    /// Creates a column selection.
    public init(text: ColumnReference, textPair: ColumnReference? = nil, label: ColumnReference?) {
        self.text = text
        self.textPair = textPair
        self.label = label
    }

    /// The columns given, for header detection.
    public var all: [ColumnReference] { [text] + [textPair, label].compactMap { $0 } }
}

/// A text (or pair) with its label as written in the file, before labels become ids.
public struct TableExample: Sendable, Hashable {
    /// The (first) text.
    public var text: String
    /// The second text, or `nil`.
    public var textPair: String?
    /// The label as text (`"entailment"`, `"2"`), or `nil` without a label column.
    public var label: String?
    /// A JSON Lines label given as an array of strings (multi-label rows), or nil.
    public var labelList: [String]?
    /// Where the row was read from.
    public var location: SourceLocation
    /// The name of the label column, for error messages.
    public var labelField: String

    /// Creates an example.
    public init(
        text: String, textPair: String?, label: String?, location: SourceLocation,
        labelField: String = "label"
    ) {
        self.text = text
        self.textPair = textPair
        self.label = label
        self.location = location
        self.labelField = labelField
    }
}

extension TableFile {
    /// The rows as examples, reading the given columns.
    ///
    /// In CSV and TSV every field is text. In JSON Lines the text columns must be strings
    /// (a `null` second text counts as none) and the label a string or an integer.
    /// - Throws: ``DatasetError/missingColumn(file:line:column:available:)`` for a column the
    ///   file lacks (in JSON Lines: a key a line lacks), or
    ///   ``DatasetError/invalidValue(file:line:field:value:expected:)`` for a JSON value of
    ///   the wrong kind.
    ///   An empty label is an error too: it would become a class of its own.
    /// - Parameter floatLabels: For regression and multi-label rows: an empty label names no
    ///   label, and in JSON Lines a label may also be a fractional number (its text) or an
    ///   array of strings (``TableExample/labelList``).
    public func examples(_ columns: TableColumns, floatLabels: Bool = false) throws
        -> [TableExample]
    {
        let examples = try readExamples(columns, floatLabels: floatLabels)
        if !floatLabels, let empty = examples.first(where: {
            $0.label?.trimmingCharacters(in: .whitespaces).isEmpty == true
        }) {
            throw DatasetError.invalidValue(
                file: file, line: empty.location.line, field: empty.labelField, value: "",
                expected: "a label (the field is empty)")
        }
        return examples
    }

    private func readExamples(_ columns: TableColumns, floatLabels: Bool) throws
        -> [TableExample]
    {
        let labelField = columns.label?.description ?? "label"
        if format == .jsonl {
            return try rows.map { row in
                let object = row.object ?? JSONLines.Object(line: row.line, text: "", fields: [:])
                let location = SourceLocation(file: file, line: row.line)
                func value(_ column: ColumnReference) throws -> JSONLines.Value {
                    guard let value = object.fields[column.description] else {
                        throw DatasetError.missingColumn(
                            file: file, line: row.line, column: column.description,
                            available: object.fields.keys.sorted())
                    }
                    return value
                }
                func string(_ column: ColumnReference, allowNull: Bool) throws -> String? {
                    let found = try value(column)
                    switch found {
                    case .string(let text): return text
                    case .other("null") where allowNull: return nil
                    default:
                        throw DatasetError.invalidValue(
                            file: file, line: row.line, field: column.description,
                            value: found.kindName, expected: "a string")
                    }
                }
                let text = try string(columns.text, allowNull: false) ?? ""
                let pair = try columns.textPair.flatMap { try string($0, allowNull: true) }
                var label: String?
                var labelList: [String]?
                if let column = columns.label {
                    switch try value(column) {
                    case .string(let text), .integer(let text): label = text
                    case .number(let text) where floatLabels: label = text
                    case .array(let items) where floatLabels:
                        labelList = try items.enumerated().map { index, item in
                            guard case .string(let name) = item else {
                                throw DatasetError.invalidValue(
                                    file: file, line: row.line,
                                    field: "\(column.description)[\(index)]",
                                    value: item.kindName, expected: "a string")
                            }
                            return name
                        }
                        label = labelList?.joined(separator: ",")
                    case let other:
                        throw DatasetError.invalidValue(
                            file: file, line: row.line, field: column.description,
                            value: other.kindName, expected: "a string or an integer")
                    }
                }
                var example = TableExample(
                    text: text, textPair: pair, label: label, location: location,
                    labelField: labelField)
                example.labelList = labelList
                return example
            }
        }
        let textIndex = try index(of: columns.text)
        let pairIndex = try columns.textPair.map { try index(of: $0) }
        let labelIndex = try columns.label.map { try index(of: $0) }
        return rows.map { row in
            TableExample(
                text: row.fields[textIndex], textPair: pairIndex.map { row.fields[$0] },
                label: labelIndex.map { row.fields[$0] },
                location: SourceLocation(file: file, line: row.line), labelField: labelField)
        }
    }
}

/// The labels of a classification task, in id order.
///
/// Built from the training file's labels in a stable order: when every label is an integer
/// (optional `-`, then ASCII digits) they are sorted numerically and named by their decimal
/// value (`"01"` and `"1"` are one label, `"1"`); otherwise they are sorted as strings, by
/// Unicode code points (`"B"` before `"a"`). Label id `i` is `names[i]`; these become
/// `id2label`/`label2id` in the saved `config.json`.
public struct LabelSet: Sendable, Hashable {
    /// Label names by id.
    public let names: [String]
    private let ids: [String: Int]

    /// Uses the given names, in id order (a fine-tuned model's `id2label`).
    public init(names: [String]) {
        self.names = names
        var ids: [String: Int] = [:]
        for (id, name) in names.enumerated() where ids[name] == nil { ids[name] = id }
        self.ids = ids
    }

    /// The distinct labels of `labels`, in the stable order described above.
    public init(sorting labels: some Sequence<String>) {
        let distinct = Set(labels)
        let integers = distinct.compactMap(Self.integer)
        if integers.count == distinct.count {
            self.init(names: Set(integers).sorted().map { String($0) })
        } else {
            self.init(names: distinct.sorted { Array($0.unicodeScalars.map(\.value))
                .lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) })
        }
    }

    /// The number of labels.
    public var count: Int { names.count }

    /// The id of a label, matching an integer label by value (`"01"` finds `"1"`).
    public func id(of label: String) -> Int? {
        if let id = ids[label] { return id }
        if let value = Self.integer(label) { return ids[String(value)] }
        return nil
    }

    /// Gives each example its label id.
    ///
    /// - Throws: ``DatasetError/invalidValue(file:line:field:value:expected:)`` for a label
    ///   not in the set (naming the file, line and label column), or for a missing label.
    public func labeled(_ examples: [TableExample]) throws -> [LabeledExample] {
        try examples.map { example in
            guard let label = example.label, let id = id(of: label) else {
                let known = names.prefix(20).joined(separator: ", ")
                    + (names.count > 20 ? ", …" : "")
                throw DatasetError.invalidValue(
                    file: example.location.file, line: example.location.line,
                    field: example.labelField, value: example.label ?? "",
                    expected: "a label seen in training (\(known))")
            }
            return LabeledExample(
                text: example.text, textPair: example.textPair, label: id,
                location: example.location)
        }
    }

    /// An integer label's value: optional `-`, then ASCII digits.
    static func integer(_ text: String) -> Int? {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return Int(text)
    }
}
