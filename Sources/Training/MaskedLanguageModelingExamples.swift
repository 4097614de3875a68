// swift-bert — training: texts tokenized for masked-language-model fine-tuning.

import BERT
import Datasets
import Tokenization

/// Texts tokenized as `run_mlm.py --line_by_line` tokenizes them, masked afresh in every epoch
/// as `DataCollatorForLanguageModeling` masks them (``MaskedLanguageModeling``).
///
/// Each text is `tokenizer(text, truncation=True, max_length=maxLength,
/// return_special_tokens_mask=True)`: `[CLS] … [SEP]`, cut to `maxLength` tokens. The
/// special-tokens mask is the tokenizer's, as that call returns it: 1 on the `[CLS]`/`[SEP]`
/// the template adds, 0 on every token of the text, so a `[MASK]` or `[UNK]` written in the
/// text (or an `[UNK]` WordPiece makes) may be selected like any token. The word starts of
/// whole-word masking come from the offsets (``MaskedLanguageModeling``).
public struct MaskedLanguageModelingExamples: Sendable, Equatable {
    /// The texts' token ids and types (their labels are unused, 0).
    public private(set) var encoded = EncodedExamples()
    /// Per token, parallel to `encoded.inputIDs`: 1 where the tokenizer's special-tokens
    /// mask is set (never masked), else 0.
    public private(set) var specialTokensMask: [UInt8] = []
    /// Per token: whether it starts a word (transformers' `is_new_word`; false on special
    /// tokens), read by whole-word masking.
    public private(set) var wordStarts: [Bool] = []
    /// How the texts are masked.
    public var masking: MaskedLanguageModeling

    /// The number of texts (training examples).
    public var count: Int { encoded.count }

    /// An empty set masked by `masking`.
    public init(masking: MaskedLanguageModeling) {
        self.masking = masking
    }

    /// Tokenizes `texts`.
    /// - Parameters:
    ///   - texts: The texts (``Datasets/TextFile/texts``).
    ///   - tokenizer: The model's tokenizer.
    ///   - maxLength: Tokens per text, `[CLS]` and `[SEP]` included (`max_seq_length`).
    ///   - masking: How they are masked.
    public init(
        texts: [String], tokenizer: BertTokenizer, maxLength: Int, masking: MaskedLanguageModeling
    ) {
        self.masking = masking
        for text in texts { append(tokenizer.encode(text, maxLength: maxLength)) }
    }

    /// Appends one encoding (built with offsets and word ids, as `BertTokenizer.encode`
    /// builds it); its padding is dropped.
    public mutating func append(_ encoding: Encoding) {
        let length = encoding.length
        precondition(
            encoding.offsets.count >= length && encoding.wordIDs.count >= length,
            "MaskedLanguageModelingExamples: the encoding has no offsets or word ids")
        encoded.append(
            inputIDs: encoding.inputIDs[..<length], tokenTypeIDs: encoding.tokenTypeIDs[..<length],
            label: 0)
        // `[CLS]`/`[SEP]` are the tokens of no word; a special token written in the text has a
        // word, as `tokenizers`' special_tokens_mask leaves it 0.
        var previousEnd = -1
        var previousSpecial = false
        for position in 0..<length {
            let special = encoding.wordIDs[position] == nil
            let span = encoding.offsets[position]
            specialTokensMask.append(special ? 1 : 0)
            wordStarts.append(!special && (span.lowerBound != previousEnd || previousSpecial))
            previousEnd = span.upperBound
            previousSpecial = special
        }
    }

    /// Appends example `index` of `other` (a subset, as `--limit-train` takes).
    public mutating func appendExample(_ index: Int, of other: MaskedLanguageModelingExamples) {
        let range = other.encoded.offsets[index]..<other.encoded.offsets[index + 1]
        encoded.append(
            inputIDs: other.encoded.inputIDs(of: index),
            tokenTypeIDs: other.encoded.tokenTypeIDs(of: index), label: 0)
        specialTokensMask += other.specialTokensMask[range]
        wordStarts += other.wordStarts[range]
    }

    /// Example `index`'s ids as the model sees them in `epoch` and its labels (the original
    /// id where masked, -100 elsewhere): what a batch holds for it.
    public func masked(_ index: Int, epoch: Int) -> (inputIDs: [Int32], labels: [Int32]) {
        let range = encoded.offsets[index]..<encoded.offsets[index + 1]
        return masking.masked(
            ids: Array(encoded.inputIDs[range]), special: Array(specialTokensMask[range]),
            wordStarts: Array(wordStarts[range]), epoch: epoch, example: index)
    }
}

extension PackedBatch {
    /// Replaces the batch's contents with the texts at `indices` of `examples`, masked as in
    /// `epoch` (``MaskedLanguageModeling/evaluationEpoch`` for evaluation), with per-token
    /// labels: the original id where masked, -100 elsewhere.
    ///
    /// Reuses the batch's storage: allocates nothing once it has room for the tokens, with
    /// `labels` room for one label per token (``reserveCapacity(tokens:batch:labels:targets:)``).
    /// Concrete index types and no generic helper: an unspecialized generic loop allocates
    /// per index.
    /// - Complexity: O(tokens).
    public mutating func fill(
        from examples: MaskedLanguageModelingExamples, indices: ArraySlice<Int>, epoch: Int
    ) {
        removeAll()
        for position in indices.startIndex..<indices.endIndex {
            appendMasked(indices[position], of: examples, epoch: epoch)
        }
    }

    /// `fill` for a range of texts (see the `ArraySlice` overload).
    public mutating func fill(
        from examples: MaskedLanguageModelingExamples, indices: Range<Int>, epoch: Int
    ) {
        removeAll()
        for index in indices.lowerBound..<indices.upperBound {
            appendMasked(index, of: examples, epoch: epoch)
        }
    }

    /// Appends text `index` of `examples` masked as in `epoch`, with its labels.
    private mutating func appendMasked(
        _ index: Int, of examples: MaskedLanguageModelingExamples, epoch: Int
    ) {
        let start = examples.encoded.offsets[index]
        let end = examples.encoded.offsets[index + 1]
        let base = tokens
        let ids = examples.encoded.inputIDs[start..<end]
        append(ids, tokenTypeIDs: examples.encoded.tokenTypeIDs[start..<end])
        for _ in start..<end { labels.append(-100) }
        examples.masking.forEachSelectedToken(
            ids: ids, special: examples.specialTokensMask[start..<end],
            wordStarts: examples.wordStarts[start..<end], epoch: epoch, example: index
        ) { position, replacement in
            labels[base + position] = ids[start + position]
            replaceInputID(at: base + position, with: replacement)
        }
    }
}
