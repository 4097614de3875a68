// swift-bert — BERT tokenization.

/// The model inputs for one text or text pair, as transformers' `BatchEncoding` holds them
/// for a single example.
public struct Encoding: Equatable, Sendable {
    /// Token ids, with `[CLS]`/`[SEP]` and any padding.
    public var inputIDs: [Int32]
    /// 0 for the first text (with `[CLS]` and its `[SEP]`), 1 for the second; 0 on padding.
    public var tokenTypeIDs: [Int32]
    /// 1 for real tokens, 0 for padding.
    public var attentionMask: [Int32]
    /// The word pieces, as `convert_ids_to_tokens` returns them.
    public var tokens: [String]
    /// Each token's span in its text, in Unicode scalars (the indices of Python's `str`), as
    /// transformers' `return_offsets_mapping=True` gives it.
    ///
    /// A piece of a pair's second text counts in that text, and a piece of a pre-split word
    /// (``BertTokenizer/encode(words:)``) counts in its word. `[CLS]`, `[SEP]` and padding
    /// get `0..<0`; a special token written in the text gets its span. Empty when the
    /// encoding was built without offsets.
    public var offsets: [Range<Int>]
    /// Each token's word index, as transformers' `BatchEncoding.word_ids()`: nil for
    /// `[CLS]`, `[SEP]` and padding. Words are numbered per text from 0. Empty when the
    /// encoding was built without word ids.
    public var wordIDs: [Int?]

    public init(
        inputIDs: [Int32], tokenTypeIDs: [Int32], attentionMask: [Int32], tokens: [String],
        offsets: [Range<Int>] = [], wordIDs: [Int?] = []
    ) {
        self.inputIDs = inputIDs
        self.tokenTypeIDs = tokenTypeIDs
        self.attentionMask = attentionMask
        self.tokens = tokens
        self.offsets = offsets
        self.wordIDs = wordIDs
    }

    /// The number of real (unpadded) tokens.
    public var length: Int { attentionMask.reduce(0) { $0 + Int($1) } }
}

/// How encodings are padded, as transformers' `padding=` argument.
public enum Padding: String, Sendable, CaseIterable {
    /// No padding (`padding=False`).
    case none
    /// Pad every encoding of a batch to the longest one (`padding="longest"`).
    case longest
    /// Pad to `maxLength` (`padding="max_length"`).
    case maxLength = "max_length"
}
