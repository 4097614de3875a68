// swift-bert — Datasets: a batch of sequences packed back to back, without padding.

/// A batch of token sequences concatenated without padding, as the model consumes it.
///
/// Sequence `s` occupies rows `sequenceOffsets[s]..<sequenceOffsets[s + 1]` of the packed
/// `[tokens, hidden]` matrix (DESIGN.md §2). Token-wise layers run over all `tokens` rows
/// at once; attention runs per sequence on its own rows. ``positionIDs`` restart at 0 for
/// every sequence, so the result equals a padded batch with an attention mask (transformers'
/// default `position_ids` are `arange(seq_length)` per row).
///
/// Training fills one batch again and again with ``fill(from:indices:)``, which reuses the
/// arrays' storage: once a batch has held the largest batch of an epoch, or after
/// ``reserveCapacity(tokens:batch:)``, filling allocates nothing.
public struct PackedBatch: Sendable, Hashable {
    /// The token ids of all sequences, concatenated: `[tokens]`.
    public private(set) var inputIDs: [Int32] = []
    /// The token type (segment) ids, parallel to ``inputIDs``: `[tokens]`.
    public private(set) var tokenTypeIDs: [Int32] = []
    /// Each token's position within its sequence, `0..<length`: `[tokens]`.
    public private(set) var positionIDs: [Int32] = []
    /// Where each sequence starts, plus `tokens` at the end: `[batch + 1]`, starting at 0.
    public private(set) var sequenceOffsets: [Int32] = [0]
    /// Each sequence's class id: `[batch]`.
    public private(set) var labels: [Int32] = []
    /// The longest sequence's length (0 when empty), to size attention's scratch space.
    public private(set) var maxSequenceLength: Int = 0

    /// Creates an empty batch.
    public init() {}

    /// Creates a batch of the examples at `indices` of `examples`, in that order.
    public init(from examples: EncodedExamples, indices: some Collection<Int>) {
        fill(from: examples, indices: indices)
    }

    /// Creates a batch from one token-id array per sequence.
    ///
    /// - Parameters:
    ///   - inputIDs: Each sequence's token ids.
    ///   - tokenTypeIDs: Each sequence's token type ids (same lengths); `nil` gives zeros.
    ///   - labels: Each sequence's class id.
    public init(inputIDs: [[Int32]], tokenTypeIDs: [[Int32]]? = nil, labels: [Int32]) {
        let examples = EncodedExamples(
            inputIDs: inputIDs, tokenTypeIDs: tokenTypeIDs, labels: labels)
        fill(from: examples, indices: 0..<examples.count)
    }

    /// The number of real tokens in the batch (rows of the packed matrix).
    public var tokens: Int { inputIDs.count }

    /// The number of sequences in the batch.
    public var batch: Int { labels.count }

    /// The length of sequence `index`.
    public func length(of index: Int) -> Int {
        Int(sequenceOffsets[index + 1] - sequenceOffsets[index])
    }

    /// Reserves storage so that filling a batch of up to `batch` sequences and `tokens`
    /// tokens allocates nothing.
    public mutating func reserveCapacity(tokens: Int, batch: Int) {
        inputIDs.reserveCapacity(tokens)
        tokenTypeIDs.reserveCapacity(tokens)
        positionIDs.reserveCapacity(tokens)
        sequenceOffsets.reserveCapacity(batch + 1)
        labels.reserveCapacity(batch)
    }

    /// Replaces the batch's contents with the examples at `indices` of `examples`, in that
    /// order, reusing the existing storage.
    ///
    /// Allocates only when the new batch needs more room than the arrays already have.
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
        inputIDs.removeAll(keepingCapacity: true)
        tokenTypeIDs.removeAll(keepingCapacity: true)
        positionIDs.removeAll(keepingCapacity: true)
        sequenceOffsets.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        maxSequenceLength = 0
        sequenceOffsets.append(0)
        for index in indices {
            let start = examples.offsets[index]
            let end = examples.offsets[index + 1]
            inputIDs.append(contentsOf: examples.inputIDs[start..<end])
            tokenTypeIDs.append(contentsOf: examples.tokenTypeIDs[start..<end])
            for position in 0..<(end - start) {
                positionIDs.append(Int32(truncatingIfNeeded: position))
            }
            precondition(
                inputIDs.count <= Int(Int32.max), "PackedBatch: more than Int32.max tokens")
            sequenceOffsets.append(Int32(truncatingIfNeeded: inputIDs.count))
            labels.append(examples.labels[index])
            maxSequenceLength = max(maxSequenceLength, end - start)
        }
    }
}
