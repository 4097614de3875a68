// swift-bert — BERT tokenization.

/// Greedy longest-match-first WordPiece, as `tokenizers`' `WordPiece` model (and
/// transformers' `WordpieceTokenizer`) split a word into vocabulary pieces.
///
/// A word is matched from its start against the longest vocabulary entry; every later piece
/// carries the continuation prefix (`##`). A word with no complete split, or longer than
/// `maxInputCharactersPerWord` scalars, becomes the single unknown token.
public struct WordPiece: Sendable {
    public let vocabulary: Vocabulary
    public let unknownID: Int32
    public let continuationPrefix: String
    public let maxInputCharactersPerWord: Int

    public init(
        vocabulary: Vocabulary, unknownID: Int32, continuationPrefix: String = "##",
        maxInputCharactersPerWord: Int = 100
    ) {
        self.vocabulary = vocabulary
        self.unknownID = unknownID
        self.continuationPrefix = continuationPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
    }

    /// Appends the ids of `word`'s pieces to `ids`.
    ///
    /// - Parameter word: The scalars of one pre-tokenized word (normalized, non-empty).
    /// - Complexity: O(n²) lookups for a word of n scalars; words are short.
    public func tokenize(_ word: ArraySlice<Unicode.Scalar>, into ids: inout [Int32]) {
        var pieces: [Range<Int>] = []
        tokenize(word, into: &ids, pieces: &pieces)
    }

    /// Appends the ids of `word`'s pieces to `ids` and their spans to `pieces`.
    ///
    /// Each span is in `word`'s indices, without the continuation prefix; the unknown token
    /// spans the whole word, as the `tokenizers` `WordPiece` model reports token offsets.
    /// - Parameters:
    ///   - word: The scalars of one pre-tokenized word (normalized, non-empty).
    ///   - ids: Gets one id per piece.
    ///   - pieces: Gets one span per piece, in the same order.
    /// - Complexity: O(n²) lookups for a word of n scalars; words are short.
    public func tokenize(
        _ word: ArraySlice<Unicode.Scalar>, into ids: inout [Int32],
        pieces: inout [Range<Int>]
    ) {
        let count = word.count
        if count == 0 { return }
        if count > maxInputCharactersPerWord {
            ids.append(unknownID)
            pieces.append(word.startIndex..<word.endIndex)
            return
        }
        let firstNew = ids.count
        var start = word.startIndex
        var piece = String()
        while start < word.endIndex {
            var end = word.endIndex
            var found: Int32?
            while end > start {
                piece.removeAll(keepingCapacity: true)
                if start > word.startIndex { piece.append(continuationPrefix) }
                piece.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary.lookup(piece) {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else {
                pieces.removeSubrange((pieces.count - (ids.count - firstNew))...)
                ids.removeSubrange(firstNew...)
                ids.append(unknownID)
                pieces.append(word.startIndex..<word.endIndex)
                return
            }
            ids.append(id)
            pieces.append(start..<end)
            start = end
        }
    }
}
