// swift-bert — Datasets: tokenized examples in one flat store.

/// Tokenized examples with their labels, stored back to back in flat arrays.
///
/// Built once per split from the tokenizer's output (token ids and token type ids, with
/// `[CLS]`/`[SEP]` and truncation already applied), then sliced into batches by index with
/// ``BERT/PackedBatch/fill(from:indices:)`` without touching the tokenizer again. Example `i`
/// occupies `offsets[i]..<offsets[i + 1]` in ``inputIDs`` and ``tokenTypeIDs``.
public struct EncodedExamples: Sendable, Hashable, Codable {
    /// Every example's token ids, concatenated.
    public private(set) var inputIDs: [Int32] = []
    /// Every example's token type ids (segment ids), concatenated, parallel to ``inputIDs``.
    public private(set) var tokenTypeIDs: [Int32] = []
    /// Where each example starts in ``inputIDs``, plus the total at the end (`count + 1`
    /// entries, starting at 0).
    public private(set) var offsets: [Int] = [0]
    /// Each example's class id.
    public private(set) var labels: [Int32] = []

    /// Creates an empty store.
    public init() {}

    /// Creates a store from one token-id array per example.
    ///
    /// - Parameters:
    ///   - inputIDs: Each example's token ids.
    ///   - tokenTypeIDs: Each example's token type ids, each as long as its token ids; `nil`
    ///     gives all zeros (single-sentence tasks).
    ///   - labels: Each example's class id.
    /// - Precondition: The three arrays have one entry per example, and each example's two
    ///   id arrays have the same length.
    public init(inputIDs: [[Int32]], tokenTypeIDs: [[Int32]]? = nil, labels: [Int32]) {
        precondition(
            inputIDs.count == labels.count,
            "EncodedExamples: \(inputIDs.count) encodings but \(labels.count) labels")
        if let tokenTypeIDs {
            precondition(
                tokenTypeIDs.count == inputIDs.count,
                "EncodedExamples: \(inputIDs.count) encodings but \(tokenTypeIDs.count) "
                    + "token type arrays")
        }
        let total = inputIDs.reduce(0) { $0 + $1.count }
        reserveCapacity(examples: labels.count, tokens: total)
        for index in inputIDs.indices {
            if let tokenTypeIDs {
                append(
                    inputIDs: inputIDs[index], tokenTypeIDs: tokenTypeIDs[index],
                    label: labels[index])
            } else {
                append(inputIDs: inputIDs[index], label: labels[index])
            }
        }
    }

    /// The number of examples.
    public var count: Int { labels.count }

    /// The total number of tokens over all examples.
    public var tokenCount: Int { inputIDs.count }

    /// Reserves room for more examples and tokens.
    public mutating func reserveCapacity(examples: Int, tokens: Int) {
        inputIDs.reserveCapacity(tokens)
        tokenTypeIDs.reserveCapacity(tokens)
        offsets.reserveCapacity(examples + 1)
        labels.reserveCapacity(examples)
    }

    /// Appends one example.
    ///
    /// - Precondition: `inputIDs` and `tokenTypeIDs` have the same length.
    public mutating func append(
        inputIDs ids: some Collection<Int32>, tokenTypeIDs types: some Collection<Int32>,
        label: Int32
    ) {
        precondition(
            ids.count == types.count,
            "EncodedExamples: \(ids.count) token ids but \(types.count) token type ids")
        inputIDs.append(contentsOf: ids)
        tokenTypeIDs.append(contentsOf: types)
        offsets.append(inputIDs.count)
        labels.append(label)
    }

    /// Appends one single-segment example (all token type ids 0).
    public mutating func append(inputIDs ids: some Collection<Int32>, label: Int32) {
        inputIDs.append(contentsOf: ids)
        tokenTypeIDs.append(contentsOf: repeatElement(0, count: ids.count))
        offsets.append(inputIDs.count)
        labels.append(label)
    }

    /// The number of tokens of example `index`.
    public func length(of index: Int) -> Int { offsets[index + 1] - offsets[index] }

    /// The token ids of example `index`.
    public func inputIDs(of index: Int) -> ArraySlice<Int32> {
        inputIDs[offsets[index]..<offsets[index + 1]]
    }

    /// The token type ids of example `index`.
    public func tokenTypeIDs(of index: Int) -> ArraySlice<Int32> {
        tokenTypeIDs[offsets[index]..<offsets[index + 1]]
    }

    /// The longest example's length (0 when empty).
    public var maxLength: Int {
        var longest = 0
        for index in 0..<count { longest = max(longest, length(of: index)) }
        return longest
    }

    /// A new store holding the examples at `indices`, in that order (a split's part).
    public func subset(_ indices: some Collection<Int>) -> EncodedExamples {
        var result = EncodedExamples()
        var total = 0
        for index in indices { total += length(of: index) }
        result.reserveCapacity(examples: indices.count, tokens: total)
        for index in indices {
            result.append(
                inputIDs: inputIDs(of: index), tokenTypeIDs: tokenTypeIDs(of: index),
                label: labels[index])
        }
        return result
    }
}
