// swift-bert — BERT tokenization.

extension BertTokenizer {
    /// Encodes a text already split into words, as for token classification.
    ///
    /// Matches transformers' `tokenizer(words, is_split_into_words=True,
    /// return_offsets_mapping=True)` (fast tokenizer): each word is normalized and
    /// pre-tokenized on its own, so it may split further at punctuation (`"U.N."` gives
    /// `u . n .`), and all its tokens get its index in `words` as word id. A word that is
    /// empty or normalizes to nothing (`""`, `"\u{200B}"`) gives no token. Offsets count in
    /// each word's own scalars, not in a joined text. No truncation.
    /// - Parameter words: The words, in order.
    /// - Returns: `[CLS] pieces [SEP]`, with offsets and word ids.
    public func encode(words: [String]) -> Encoding {
        withSpecialTokens(alignedTokens(ofWords: words)[...], nil)
    }

    /// Encodes a text already split into words into windows of at most `maxLength` tokens,
    /// each `[CLS] … [SEP]`, consecutive windows sharing `stride` tokens.
    ///
    /// Matches transformers' `tokenizer(words, is_split_into_words=True, truncation=True,
    /// max_length=maxLength, stride=stride, return_overflowing_tokens=True,
    /// return_offsets_mapping=True)` (the fast tokenizer's overflowing encodings, in order):
    /// see ``encode(words:)`` for words, and ``windowRanges(count:maxLength:stride:)`` for
    /// where windows start, including transformers' behaviour for limits below 3.
    /// Windows cut at word-piece level, so a word may straddle two windows.
    /// - Parameters:
    ///   - words: The words, in order.
    ///   - maxLength: The window length, `[CLS]` and `[SEP]` included.
    ///   - stride: How many tokens each window repeats from the end of the previous one.
    /// - Returns: The first window (the truncated encoding), then the overflowing ones.
    /// - Throws: ``TokenizerError/invalidStride(stride:maxLength:)`` where transformers
    ///   raises.
    /// - Complexity: O(total tokens of all windows).
    public func encode(words: [String], maxLength: Int, stride: Int = 0) throws -> [Encoding] {
        let tokens = alignedTokens(ofWords: words)
        return try Self.windowRanges(count: tokens.count, maxLength: maxLength, stride: stride)
            .map { withSpecialTokens(tokens[$0], nil) }
    }

    /// The token ranges of the windows over one sequence of `count` tokens (special tokens
    /// not counted), for windows of `maxLength` tokens with `[CLS]` and `[SEP]`.
    ///
    /// Matches `tokenizers`' `Encoding::truncate` with `TruncationDirection::Right` as
    /// transformers 5 calls it for one sequence: with `room = maxLength - 2`, windows start
    /// every `room - stride` tokens and the last one ends at `count`. Limits below 2 leave
    /// the sequence whole (as for ``encode(_:pair:maxLength:truncation:padding:)``). A room
    /// of 0 gives an empty window and then the whole sequence, as `truncate(0, …)` does.
    /// - Throws: ``TokenizerError/invalidStride(stride:maxLength:)`` when `stride` is
    ///   negative, above the room (transformers' ValueError), or equal to a nonzero room
    ///   while the sequence overflows (a panic in `tokenizers`).
    public static func windowRanges(count: Int, maxLength: Int, stride: Int) throws
        -> [Range<Int>]
    {
        let invalid = TokenizerError.invalidStride(stride: stride, maxLength: maxLength)
        guard stride >= 0 else { throw invalid }
        guard maxLength >= 2 else { return [0..<count] }
        let room = maxLength - 2
        if stride > room { throw invalid }
        if count <= room { return [0..<count] }
        if room == 0 { return [0..<0, 0..<count] }
        if stride == room { throw invalid }
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity((count - stride + room - stride - 1) / (room - stride))
        var start = 0
        while true {
            let end = min(start + room, count)
            ranges.append(start..<end)
            if end == count { return ranges }
            start += room - stride
        }
    }

    /// The tokens of pre-split words: each word's tokens with its index as word id and
    /// offsets within the word, as `tokenizers` encodes an `InputSequence::PreTokenized`.
    func alignedTokens(ofWords words: [String]) -> AlignedTokens {
        var tokens = AlignedTokens()
        for (index, word) in words.enumerated() {
            appendAlignedTokens(of: word, to: &tokens, fixedWord: index)
        }
        return tokens
    }
}
