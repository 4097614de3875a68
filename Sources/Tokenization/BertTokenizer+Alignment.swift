// swift-bert — BERT tokenization.

/// Token ids of one text (or one pre-split word list) with each token's span and word index,
/// before special tokens are added: `tokenizers`' `Encoding` of one sequence.
struct AlignedTokens {
    var ids: [Int32] = []
    /// Spans in Unicode scalars of the text (or of the word, for pre-split words).
    var offsets: [Range<Int>] = []
    var wordIDs: [Int?] = []

    var count: Int { ids.count }

    mutating func keepPrefix(_ length: Int) {
        ids.removeSubrange(length...)
        offsets.removeSubrange(length...)
        wordIDs.removeSubrange(length...)
    }

    subscript(range: Range<Int>) -> AlignedSlice {
        AlignedSlice(ids: ids[range], offsets: offsets[range], wordIDs: wordIDs[range])
    }

    subscript(_: UnboundedRange) -> AlignedSlice { self[0..<count] }
}

/// A run of ``AlignedTokens``: a window, or a whole truncated sequence.
struct AlignedSlice {
    var ids: ArraySlice<Int32>
    var offsets: ArraySlice<Range<Int>>
    var wordIDs: ArraySlice<Int?>
}

extension BertTokenizer {
    /// The tokens of `text` with spans and word ids, no special tokens added.
    ///
    /// Matches `tokenizers`' `encode` of one sequence with char offsets: a word is one split
    /// of the pre-tokenized string (a whitespace/punctuation piece, or an added token
    /// written in the text), numbered from `firstWord` in order; `fixedWord` gives every
    /// token that word id instead, as `tokenizers` does for each word of a pre-split input.
    func appendAlignedTokens(
        of text: String, to tokens: inout AlignedTokens, firstWord: Int = 0,
        fixedWord: Int? = nil
    ) {
        let scalars = Array(text.unicodeScalars)
        var nextWord = firstWord
        var normalized: [Unicode.Scalar] = []
        var sources: [Int] = []
        var pieces: [Range<Int>] = []
        forEachSegment(of: scalars) { segment in
            switch segment {
            case .text(let range):
                normalized.removeAll(keepingCapacity: true)
                sources.removeAll(keepingCapacity: true)
                normalizer.normalize(scalars[range], into: &normalized, sources: &sources)
                BertPreTokenizer.forEachWord(in: normalized) { word in
                    pieces.removeAll(keepingCapacity: true)
                    wordPiece.tokenize(word, into: &tokens.ids, pieces: &pieces)
                    let wordID = fixedWord ?? nextWord
                    nextWord += 1
                    for piece in pieces {
                        // `tokenizers`' expand_alignments: first source's start to last's end.
                        tokens.offsets.append(
                            sources[piece.lowerBound]..<(sources[piece.upperBound - 1] + 1))
                        tokens.wordIDs.append(wordID)
                    }
                }
            case .addedToken(let range, let id):
                tokens.ids.append(id)
                tokens.offsets.append(range)
                tokens.wordIDs.append(fixedWord ?? nextWord)
                nextWord += 1
            }
        }
    }

    /// The tokens of one text with spans and word ids numbered from 0.
    func alignedTokens(of text: String) -> AlignedTokens {
        var tokens = AlignedTokens()
        appendAlignedTokens(of: text, to: &tokens)
        return tokens
    }

    /// `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`, as `tokenizers`' `TemplateProcessing`
    /// builds it: special tokens get offset `0..<0` and no word, B and its `[SEP]` type 1.
    func withSpecialTokens(_ first: AlignedSlice, _ second: AlignedSlice?) -> Encoding {
        let total = first.ids.count + (second?.ids.count ?? 0) + (second == nil ? 2 : 3)
        var ids: [Int32] = []
        var offsets: [Range<Int>] = []
        var wordIDs: [Int?] = []
        ids.reserveCapacity(total)
        offsets.reserveCapacity(total)
        wordIDs.reserveCapacity(total)
        for sequence in [first] + (second.map { [$0] } ?? []) {
            if ids.isEmpty {
                ids.append(specialTokens.classifier)
                offsets.append(0..<0)
                wordIDs.append(nil)
            }
            ids.append(contentsOf: sequence.ids)
            offsets.append(contentsOf: sequence.offsets)
            wordIDs.append(contentsOf: sequence.wordIDs)
            ids.append(specialTokens.separator)
            offsets.append(0..<0)
            wordIDs.append(nil)
        }
        var types = [Int32](repeating: 0, count: first.ids.count + 2)
        types.append(contentsOf: repeatElement(1, count: ids.count - types.count))
        return Encoding(
            inputIDs: ids, tokenTypeIDs: types,
            attentionMask: [Int32](repeating: 1, count: ids.count),
            tokens: ids.map { vocabulary.token(for: $0) }, offsets: offsets, wordIDs: wordIDs)
    }
}
