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

    public init(inputIDs: [Int32], tokenTypeIDs: [Int32], attentionMask: [Int32], tokens: [String])
    {
        self.inputIDs = inputIDs
        self.tokenTypeIDs = tokenTypeIDs
        self.attentionMask = attentionMask
        self.tokens = tokens
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
