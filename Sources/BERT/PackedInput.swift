// swift-bert — the BERT model.

import Tokenization

/// A packed (unpadded) batch of model inputs: the real tokens of every sequence concatenated.
///
/// Row `t` of every activation belongs to token `t`; sequence `s` owns rows
/// `sequenceOffsets[s]..<sequenceOffsets[s+1]`. With no padding rows there is no attention
/// mask: the results equal a padded batch with transformers' attention mask.
public struct PackedInput: Sendable, Equatable {
    public var inputIDs: [Int32] = []
    public var tokenTypeIDs: [Int32] = []
    /// 0..<length within each sequence (BertEmbeddings' default `position_ids`).
    public var positionIDs: [Int32] = []
    /// `batch + 1` offsets; the first is 0, the last is `tokens`.
    public var sequenceOffsets: [Int32] = [0]

    public init() {}

    /// Packs sequences of ids (with special tokens) and token types.
    public init(sequences: [(inputIDs: [Int32], tokenTypeIDs: [Int32])]) {
        for sequence in sequences { append(sequence.inputIDs, tokenTypeIDs: sequence.tokenTypeIDs) }
    }

    /// Packs tokenizer encodings, dropping their padding (attention mask 0).
    public init(encodings: [Encoding]) {
        for encoding in encodings {
            let length = encoding.length
            append(
                Array(encoding.inputIDs.prefix(length)),
                tokenTypeIDs: Array(encoding.tokenTypeIDs.prefix(length)))
        }
    }

    /// Empties the batch, keeping its storage.
    public mutating func removeAll() {
        inputIDs.removeAll(keepingCapacity: true)
        tokenTypeIDs.removeAll(keepingCapacity: true)
        positionIDs.removeAll(keepingCapacity: true)
        sequenceOffsets.removeAll(keepingCapacity: true)
        sequenceOffsets.append(0)
    }

    /// Appends one sequence.
    public mutating func append<I: Collection, T: Collection>(_ ids: I, tokenTypeIDs types: T)
    where I.Element == Int32, T.Element == Int32 {
        precondition(ids.count == types.count, "ids and token types differ in length")
        inputIDs.append(contentsOf: ids)
        tokenTypeIDs.append(contentsOf: types)
        for position in 0..<ids.count { positionIDs.append(Int32(position)) }
        sequenceOffsets.append(Int32(inputIDs.count))
    }

    public var batch: Int { sequenceOffsets.count - 1 }
    public var tokens: Int { inputIDs.count }

    /// The length of the longest sequence.
    public var longestSequence: Int {
        zip(sequenceOffsets.dropFirst(), sequenceOffsets).map { Int($0 - $1) }.max() ?? 0
    }

    /// Reserves room for `tokens` tokens in `batch` sequences, so that filling it allocates
    /// nothing.
    public mutating func reserveCapacity(tokens: Int, batch: Int) {
        inputIDs.reserveCapacity(tokens)
        tokenTypeIDs.reserveCapacity(tokens)
        positionIDs.reserveCapacity(tokens)
        sequenceOffsets.reserveCapacity(batch + 1)
    }
}
