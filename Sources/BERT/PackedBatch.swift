// swift-bert — the BERT model.

import Tokenization

/// A batch of sequences packed back to back, without padding, with the labels of the task:
/// the one batch type of the project, from the data loader to the model's forward pass.
///
/// Sequence `s` owns rows `sequenceOffsets[s]..<sequenceOffsets[s + 1]` of the packed
/// `[tokens, hidden]` matrix (DESIGN.md §2). Token-wise layers run over all `tokens` rows at
/// once; attention runs per sequence on its own rows. ``positionIDs`` restart at 0 for every
/// sequence, so the result equals a padded batch with transformers' attention mask (its
/// default `position_ids` are `arange(seq_length)` per row).
///
/// The labels' meaning is the task's: one class id per sequence (sequence classification),
/// one per token with -100 where no loss is taken (token classification, as transformers'
/// `labels` with `ignore_index`), or float ``targets`` (regression: one per sequence;
/// multi-label: `num_labels` 0/1 values per sequence). A batch without labels (inference)
/// leaves both empty.
///
/// Training fills one batch again and again, reusing the arrays' storage: once a batch has
/// held the largest batch of an epoch, or after ``reserveCapacity(tokens:batch:labels:targets:)``,
/// filling allocates nothing.
public struct PackedBatch: Sendable, Hashable {
    /// The token ids of all sequences, concatenated: `[tokens]`.
    public private(set) var inputIDs: [Int32] = []
    /// The token type (segment) ids, parallel to ``inputIDs``: `[tokens]`.
    public private(set) var tokenTypeIDs: [Int32] = []
    /// Each token's position within its sequence, `0..<length`: `[tokens]`.
    public private(set) var positionIDs: [Int32] = []
    /// Where each sequence starts, plus `tokens` at the end: `[batch + 1]`, starting at 0.
    public private(set) var sequenceOffsets: [Int32] = [0]
    /// The longest sequence's length (0 when empty), to size attention's scratch space.
    public private(set) var maxSequenceLength = 0
    /// Integer labels: `[batch]` class ids, or `[tokens]` per-token class ids (-100: none).
    public var labels: [Int32] = []
    /// Float labels: `[batch]` regression targets or `[batch, num_labels]` multi-hot rows.
    public var targets: [Float] = []
    /// The position of sequence 0 in the global batch it belongs to: 0 for a whole batch, a
    /// rank's offset for its share of a data-parallel batch. Dropout masks are keyed by
    /// `firstExampleIndex + s` for sequence `s` (``DropoutKey``), so a sequence gets the same
    /// masks in a rank's share as in one process's whole batch. ``removeAll()`` resets it.
    public var firstExampleIndex = 0

    /// An empty batch.
    public init() {}

    /// Packs sequences of ids (with special tokens) and token types.
    public init(sequences: [(inputIDs: [Int32], tokenTypeIDs: [Int32])]) {
        for sequence in sequences {
            append(sequence.inputIDs[...], tokenTypeIDs: sequence.tokenTypeIDs[...])
        }
    }

    /// Packs tokenizer encodings, dropping their padding (attention mask 0).
    public init(encodings: [Encoding]) {
        for encoding in encodings {
            let length = encoding.length
            append(encoding.inputIDs[..<length], tokenTypeIDs: encoding.tokenTypeIDs[..<length])
        }
    }

    /// The number of sequences.
    public var batch: Int { sequenceOffsets.count - 1 }
    /// The number of real tokens (rows of the packed matrix).
    public var tokens: Int { inputIDs.count }

    /// The length of sequence `index`.
    public func length(of index: Int) -> Int {
        Int(sequenceOffsets[index + 1] - sequenceOffsets[index])
    }

    /// Empties the batch (labels too), keeping its storage.
    public mutating func removeAll() {
        inputIDs.removeAll(keepingCapacity: true)
        tokenTypeIDs.removeAll(keepingCapacity: true)
        positionIDs.removeAll(keepingCapacity: true)
        sequenceOffsets.removeAll(keepingCapacity: true)
        sequenceOffsets.append(0)
        labels.removeAll(keepingCapacity: true)
        targets.removeAll(keepingCapacity: true)
        maxSequenceLength = 0
        firstExampleIndex = 0
    }

    /// Appends one sequence's ids and token types. A concrete slice type, because an
    /// unspecialized generic append called from another module iterates through protocol
    /// witnesses whose coroutines allocate: one heap allocation per token, per step.
    public mutating func append(_ ids: ArraySlice<Int32>, tokenTypeIDs types: ArraySlice<Int32>) {
        precondition(ids.count == types.count, "PackedBatch: ids and token types differ in length")
        inputIDs.append(contentsOf: ids)
        tokenTypeIDs.append(contentsOf: types)
        for position in 0..<ids.count { positionIDs.append(Int32(truncatingIfNeeded: position)) }
        precondition(inputIDs.count <= Int(Int32.max), "PackedBatch: more than Int32.max tokens")
        sequenceOffsets.append(Int32(truncatingIfNeeded: inputIDs.count))
        maxSequenceLength = max(maxSequenceLength, ids.count)
    }

    /// Appends one sequence (see the slice overload).
    public mutating func append(_ ids: [Int32], tokenTypeIDs types: [Int32]) {
        append(ids[...], tokenTypeIDs: types[...])
    }

    /// Overwrites the id of packed token `index`: masked-language-model inputs, where an
    /// appended token is fed as `[MASK]` or a random id. Allocates nothing.
    public mutating func replaceInputID(at index: Int, with id: Int32) {
        inputIDs[index] = id
    }

    /// Reserves room for `tokens` tokens in `batch` sequences and the given label counts, so
    /// that filling the batch allocates nothing.
    public mutating func reserveCapacity(tokens: Int, batch: Int, labels: Int? = nil, targets: Int = 0) {
        inputIDs.reserveCapacity(tokens)
        tokenTypeIDs.reserveCapacity(tokens)
        positionIDs.reserveCapacity(tokens)
        sequenceOffsets.reserveCapacity(batch + 1)
        self.labels.reserveCapacity(labels ?? batch)
        self.targets.reserveCapacity(targets)
    }
}

/// The model API's former name for a batch without labels; the same type.
public typealias PackedInput = PackedBatch
