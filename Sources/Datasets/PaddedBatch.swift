// swift-bert — Datasets: rectangular, padded batches, as transformers takes them.


import BERT
/// Token sequences padded at the end to one length, with an attention mask.
///
/// The layout of transformers' `input_ids`, `attention_mask` and `token_type_ids`
/// (`[batch, length]`), for the tutorial's printouts and for users who want it; training
/// uses ``PackedBatch`` instead, which gives the same results without the padding.
/// Padding and truncation both happen at the end, as Keras'
/// `pad_sequences(maxlen:, value: 0, padding: "post", truncating: "post")` does in the
/// tutorial; truncating here cuts off `[SEP]`, so prefer the tokenizer's truncation and use
/// a length no shorter than the longest sequence.
public struct PaddedBatch: Sendable, Hashable, Codable {
    /// Token ids, each row padded with the pad id: `[batch][length]`.
    public var inputIDs: [[Int32]]
    /// 1 for a real token, 0 for padding: `[batch][length]`.
    public var attentionMask: [[Int32]]
    /// Token type ids, padded with 0: `[batch][length]`.
    public var tokenTypeIDs: [[Int32]]
    /// Each row's class id: `[batch]` (empty for unlabeled input).
    public var labels: [Int32]

    /// The length every row has.
    public let length: Int

    /// Pads (or truncates) one token-id array per sequence to a common length.
    ///
    /// - Parameters:
    ///   - inputIDs: Each sequence's token ids.
    ///   - tokenTypeIDs: Each sequence's token type ids (same lengths); `nil` gives zeros.
    ///   - labels: Each sequence's class id, or empty.
    ///   - length: The row length; `nil` pads to the longest sequence (transformers'
    ///     `padding="longest"`).
    ///   - padID: The `[PAD]` token id (0 in BERT vocabularies).
    public init(
        inputIDs: [[Int32]], tokenTypeIDs: [[Int32]]? = nil, labels: [Int32] = [],
        length: Int? = nil, padID: Int32 = 0
    ) {
        precondition(
            labels.isEmpty || labels.count == inputIDs.count,
            "PaddedBatch: \(inputIDs.count) sequences but \(labels.count) labels")
        precondition(
            tokenTypeIDs == nil || tokenTypeIDs?.count == inputIDs.count,
            "PaddedBatch: \(inputIDs.count) sequences but \(tokenTypeIDs?.count ?? 0) "
                + "token type arrays")
        let width = length ?? inputIDs.reduce(0) { max($0, $1.count) }
        precondition(width >= 0, "PaddedBatch: negative length \(width)")
        self.length = width
        self.labels = labels
        self.inputIDs = []
        self.attentionMask = []
        self.tokenTypeIDs = []
        self.inputIDs.reserveCapacity(inputIDs.count)
        self.attentionMask.reserveCapacity(inputIDs.count)
        self.tokenTypeIDs.reserveCapacity(inputIDs.count)
        for (row, ids) in inputIDs.enumerated() {
            let kept = min(ids.count, width)
            let padding = width - kept
            self.inputIDs.append(Array(ids.prefix(kept)) + repeatElement(padID, count: padding))
            self.attentionMask.append(
                Array(repeating: 1, count: kept) + repeatElement(0, count: padding))
            let types = tokenTypeIDs?[row] ?? []
            precondition(
                tokenTypeIDs == nil || types.count == ids.count,
                "PaddedBatch: sequence \(row) has \(ids.count) token ids but \(types.count) "
                    + "token type ids")
            var typeRow = [Int32](repeating: 0, count: width)
            for position in 0..<min(types.count, width) { typeRow[position] = types[position] }
            self.tokenTypeIDs.append(typeRow)
        }
    }

    /// Pads the examples at `indices` of `examples`, in that order.
    public init(
        from examples: EncodedExamples, indices: some Collection<Int>, length: Int? = nil,
        padID: Int32 = 0
    ) {
        self.init(
            inputIDs: indices.map { Array(examples.inputIDs(of: $0)) },
            tokenTypeIDs: indices.map { Array(examples.tokenTypeIDs(of: $0)) },
            labels: indices.map { examples.labels[$0] }, length: length, padID: padID)
    }

    /// Pads a packed batch.
    public init(_ packed: PackedBatch, length: Int? = nil, padID: Int32 = 0) {
        let rows = 0..<packed.batch
        func row(_ ids: [Int32], _ index: Int) -> [Int32] {
            Array(
                ids[Int(packed.sequenceOffsets[index])..<Int(packed.sequenceOffsets[index + 1])])
        }
        self.init(
            inputIDs: rows.map { row(packed.inputIDs, $0) },
            tokenTypeIDs: rows.map { row(packed.tokenTypeIDs, $0) }, labels: packed.labels,
            length: length ?? packed.maxSequenceLength, padID: padID)
    }

    /// The number of rows.
    public var batch: Int { inputIDs.count }
}
