// swift-bert — BERT tokenization.

/// Splits normalized text into words, as `tokenizers`' `BertPreTokenizer`: whitespace
/// separates words and is removed; each punctuation scalar becomes a word of its own.
public enum BertPreTokenizer {
    /// Calls `body` with each word of `scalars`, in order.
    @inlinable
    public static func forEachWord(
        in scalars: [Unicode.Scalar], _ body: (ArraySlice<Unicode.Scalar>) -> Void
    ) {
        var wordStart = 0
        var index = 0
        let count = scalars.count
        while index < count {
            let scalar = scalars[index]
            if CharacterClass.isWhitespace(scalar) {
                if wordStart < index { body(scalars[wordStart..<index]) }
                wordStart = index + 1
            } else if CharacterClass.isPunctuation(scalar) {
                if wordStart < index { body(scalars[wordStart..<index]) }
                body(scalars[index..<(index + 1)])
                wordStart = index + 1
            }
            index += 1
        }
        if wordStart < count { body(scalars[wordStart..<count]) }
    }
}
