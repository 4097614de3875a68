// swift-bert — Datasets: packed batches filled from tokenized examples.

import BERT

extension PackedBatch {
    /// A batch of the examples at `indices` of `examples`, in that order.
    public init(from examples: EncodedExamples, indices: some Collection<Int>) {
        self.init()
        fillSpecialized(from: examples, indices: indices)
    }

    /// A batch from one token-id array per sequence, with one class id each.
    /// - Parameters:
    ///   - inputIDs: Each sequence's token ids.
    ///   - tokenTypeIDs: Each sequence's token type ids (same lengths); `nil` gives zeros.
    ///   - labels: Each sequence's class id.
    public init(inputIDs: [[Int32]], tokenTypeIDs: [[Int32]]? = nil, labels: [Int32]) {
        let examples = EncodedExamples(
            inputIDs: inputIDs, tokenTypeIDs: tokenTypeIDs, labels: labels)
        self.init(from: examples, indices: 0..<examples.count)
    }

    /// Replaces the batch's contents with the examples at `indices` of `examples`, in that
    /// order, reusing the existing storage; allocates only when the new batch needs more room
    /// than the arrays already have.
    /// - Parameters:
    ///   - examples: The tokenized split.
    ///   - indices: Positions in `examples` (such as a ``BatchSampler`` batch mapped through a
    ///     split).
    /// - Complexity: O(tokens + batch).
    public mutating func fill(from examples: EncodedExamples, indices: some Collection<Int>) {
        fillSpecialized(from: examples, indices: indices)
    }

    /// `fill` for the index lists a ``BatchSampler`` gives. Concrete overloads, because an
    /// unspecialized generic `fill` called from another module iterates through protocol
    /// witnesses whose coroutines allocate: one heap allocation per index, per step.
    public mutating func fill(from examples: EncodedExamples, indices: ArraySlice<Int>) {
        fillSpecialized(from: examples, indices: indices)
    }

    /// `fill` for an array of indices (see the `ArraySlice` overload).
    public mutating func fill(from examples: EncodedExamples, indices: [Int]) {
        fillSpecialized(from: examples, indices: indices)
    }

    /// `fill` for a range of indices (see the `ArraySlice` overload).
    public mutating func fill(from examples: EncodedExamples, indices: Range<Int>) {
        fillSpecialized(from: examples, indices: indices)
    }

    @inline(__always)
    private mutating func fillSpecialized(
        from examples: EncodedExamples, indices: some Collection<Int>
    ) {
        removeAll()
        for index in indices {
            let start = examples.offsets[index]
            let end = examples.offsets[index + 1]
            append(
                examples.inputIDs[start..<end], tokenTypeIDs: examples.tokenTypeIDs[start..<end])
            labels.append(examples.labels[index])
        }
    }
}
