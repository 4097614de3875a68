// swift-bert — Datasets: counts and lengths for the tutorial's printouts.

/// The size, label balance and token lengths of a dataset or split.
///
/// The tutorial prints "Number of training sentences: 8,551" and "Max sentence length: 47";
/// this gathers those figures (lengths only once the examples are tokenized).
public struct DatasetStatistics: Sendable, Hashable, Codable {
    /// The number of examples.
    public var count: Int
    /// The number of examples of each label, indexed by label id (`labelCounts[0]` for
    /// label 0); as long as the largest label seen plus one.
    public var labelCounts: [Int]
    /// The longest example in tokens, `nil` before tokenization or when empty.
    public var maxLength: Int?
    /// The mean example length in tokens, `nil` before tokenization or when empty.
    public var meanLength: Double?
    /// All examples' tokens together, `nil` before tokenization.
    public var totalTokens: Int?

    /// Gathers statistics from labels and, optionally, token lengths.
    ///
    /// - Parameters:
    ///   - labels: Each example's class id (at least 0).
    ///   - lengths: Each example's token count, or `nil` before tokenization.
    public init(labels: some Sequence<Int>, lengths: [Int]? = nil) {
        var counts: [Int] = []
        var total = 0
        for label in labels {
            precondition(label >= 0, "DatasetStatistics: negative label \(label)")
            if label >= counts.count { counts += repeatElement(0, count: label + 1 - counts.count) }
            counts[label] += 1
            total += 1
        }
        count = total
        labelCounts = counts
        if let lengths {
            precondition(
                lengths.count == total,
                "DatasetStatistics: \(total) labels but \(lengths.count) lengths")
            let tokens = lengths.reduce(0, +)
            totalTokens = tokens
            maxLength = lengths.max()
            meanLength = lengths.isEmpty ? nil : Double(tokens) / Double(lengths.count)
        }
    }

    /// Gathers the count and label balance of examples before tokenization.
    public init(_ examples: [LabeledExample]) {
        self.init(labels: examples.lazy.map(\.label))
    }

    /// Gathers the count and label balance of CoLA rows.
    public init(_ sentences: [CoLASentence]) {
        self.init(labels: sentences.lazy.map(\.label))
    }

    /// Gathers all statistics of tokenized examples.
    public init(_ examples: EncodedExamples) {
        self.init(
            labels: examples.labels.lazy.map { Int($0) },
            lengths: (0..<examples.count).map { examples.length(of: $0) })
    }

    /// The number of examples with label `label` (0 for a label never seen).
    public func count(ofLabel label: Int) -> Int {
        label >= 0 && label < labelCounts.count ? labelCounts[label] : 0
    }
}
