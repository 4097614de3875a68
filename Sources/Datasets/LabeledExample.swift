// swift-bert — Datasets: one labeled text example and where it came from.

/// Where a row came from: a file (or `archive.zip:entry`) and a 1-based line number.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file, named as ``DatasetError`` names it.
    public var file: String
    /// The 1-based line number of the row in that file.
    public var line: Int

    /// Creates a location.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`.
    public var description: String { "\(file):\(line)" }
}

/// A text, or a pair of texts, with an integer class label.
///
/// This is what every dataset reader produces and what training consumes after
/// tokenization: `text` and `textPair` are the two arguments of the tokenizer's
/// `encode(text, pair:)`, and `label` is the class id in `0..<numLabels`.
public struct LabeledExample: Sendable, Hashable, Codable {
    /// The (first) text.
    public var text: String
    /// The second text of a sentence-pair task, or `nil` for single-sentence tasks.
    public var textPair: String?
    /// The class id.
    public var label: Int
    /// Where the example was read from, for error messages and sample printouts.
    public var location: SourceLocation

    /// Creates an example.
    public init(text: String, textPair: String? = nil, label: Int, location: SourceLocation) {
        self.text = text
        self.textPair = textPair
        self.label = label
        self.location = location
    }
}
