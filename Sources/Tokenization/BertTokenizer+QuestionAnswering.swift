// swift-bert — BERT tokenization.

extension BertTokenizer {
    /// Encodes a question and its context into windows of at most `maxLength` tokens, each
    /// `[CLS] question [SEP] context part [SEP]`, consecutive windows sharing `stride` context
    /// tokens.
    ///
    /// Matches transformers' `tokenizer([question], [context], truncation="only_second",
    /// max_length=maxLength, stride=stride, return_overflowing_tokens=True,
    /// return_offsets_mapping=True)` with the fast tokenizer, as `run_qa.py`'s
    /// `prepare_train_features` and `prepare_validation_features` call it: the question is
    /// kept whole in every window and only the context is cut (see
    /// ``onlySecondWindows(first:second:maxLength:stride:)`` for where, including
    /// `tokenizers`' edge cases). It is always a pair, as in transformers' batch call, so an
    /// empty context still gives `[CLS] question [SEP] [SEP]`. The question is used as it is:
    /// `run_qa.py` strips its leading whitespace first, which is the caller's job.
    ///
    /// Offsets count in Unicode scalars of the question for its tokens and of the CONTEXT for
    /// the context's tokens (`0..<0` for `[CLS]` and `[SEP]`); word ids are numbered per text
    /// from 0; ``Encoding/sequenceIDs`` tells the two texts apart.
    /// - Parameters:
    ///   - question: The first text, kept whole.
    ///   - context: The second text, split into windows.
    ///   - maxLength: The window length, special tokens included (`max_seq_length`, 384 in
    ///     `run_qa.py`).
    ///   - stride: How many context tokens each window repeats from the end of the previous
    ///     one (`doc_stride`, 128 in `run_qa.py`).
    /// - Returns: The first window (the truncated encoding), then the overflowing ones.
    /// - Throws: ``TokenizerError/questionTooLong(questionTokens:maxLength:)``,
    ///   ``TokenizerError/invalidStride(stride:maxLength:)`` or
    ///   ``TokenizerError/invalidPairStride(stride:maxLength:firstTokens:)`` where
    ///   transformers raises or `tokenizers` panics.
    /// - Complexity: O(total tokens of all windows).
    public func encode(question: String, context: String, maxLength: Int = 384, stride: Int = 128)
        throws -> [Encoding]
    {
        let first = alignedTokens(of: question)
        let second = alignedTokens(of: context)
        return try Self.onlySecondWindows(
            first: first.count, second: second.count, maxLength: maxLength, stride: stride
        ).map { withSpecialTokens(first[$0.first], second[$0.second]) }
    }

    /// The token ranges of each text in the windows of a pair truncated `only_second` with
    /// overflow, special tokens not counted.
    ///
    /// Matches `tokenizers` 0.23 as transformers 5 drives it (`enable_truncation`,
    /// `truncate_encodings`, `Encoding::truncate` and `merge_with`):
    /// - a negative `stride`, or `stride > maxLength - 2` (the Python binding's check, which
    ///   counts the 2 special tokens of a single text even for a pair), is an error;
    /// - below 3 (the pair's special tokens) nothing is truncated;
    /// - at exactly 3 both texts are cut to nothing, and the overflow combines them as
    ///   `merge_with` does: (∅, ∅), (first, ∅), (first, second), (∅, second), leaving out the
    ///   pairs that need an overflow a text without tokens does not have;
    /// - a pair that fits is one window; otherwise the first text stays whole and the second
    ///   is cut into windows of `room = maxLength - 3 - first` tokens that start every
    ///   `room - stride` tokens (``windowRanges(count:maxLength:stride:)``), the last ending
    ///   at the end of the text;
    /// - a room of 0 or less is an error (transformers' "Sequence to truncate too short to
    ///   respect the provided max_length"), and so is `stride >= room` (a panic in
    ///   `tokenizers`).
    /// - Parameters:
    ///   - first: The first text's token count (the question).
    ///   - second: The second text's token count (the context).
    ///   - maxLength: The window length, special tokens included.
    ///   - stride: Tokens of the second text shared by consecutive windows.
    /// - Throws: ``TokenizerError/invalidStride(stride:maxLength:)``,
    ///   ``TokenizerError/questionTooLong(questionTokens:maxLength:)``,
    ///   ``TokenizerError/invalidPairStride(stride:maxLength:firstTokens:)``.
    public static func onlySecondWindows(first: Int, second: Int, maxLength: Int, stride: Int)
        throws -> [(first: Range<Int>, second: Range<Int>)]
    {
        guard stride >= 0, maxLength < 2 || stride <= maxLength - 2 else {
            throw TokenizerError.invalidStride(stride: stride, maxLength: maxLength)
        }
        let whole = (first: 0..<first, second: 0..<second)
        guard maxLength >= 3 else { return [whole] }
        let budget = maxLength - 3
        if budget == 0 {
            // `truncate_encodings` with max_length 0 calls `truncate(0)` on both texts; an
            // empty text keeps no overflow. `merge_with`: self + pair, then each of self's
            // overflows with pair and with pair's overflows, then self with pair's overflows.
            var windows = [(first: 0..<0, second: 0..<0)]
            if first > 0 {
                windows.append((whole.first, 0..<0))
                if second > 0 { windows.append(whole) }
            }
            if second > 0 { windows.append((0..<0, whole.second)) }
            return windows
        }
        if first + second <= budget { return [whole] }
        let room = budget - first
        guard room > 0 else {
            throw TokenizerError.questionTooLong(questionTokens: first, maxLength: maxLength)
        }
        guard stride < room else {
            throw TokenizerError.invalidPairStride(
                stride: stride, maxLength: maxLength, firstTokens: first)
        }
        return try windowRanges(count: second, maxLength: room + 2, stride: stride).map {
            (whole.first, $0)
        }
    }
}

extension Encoding {
    /// Each token's text: nil for `[CLS]`, `[SEP]` and padding, 0 for the first text, 1 for
    /// the second, as transformers' `BatchEncoding.sequence_ids()`.
    ///
    /// A special token written in a text (a literal `"[SEP]"`) belongs to that text, as in
    /// `tokenizers`. Derived from the word ids (nil exactly on the tokens the template and
    /// padding add) and the token types; empty when the encoding has no word ids.
    public var sequenceIDs: [Int?] {
        guard wordIDs.count == tokenTypeIDs.count else { return [] }
        return zip(wordIDs, tokenTypeIDs).map { word, type in word == nil ? nil : Int(type) }
    }
}
