// swift-bert — Datasets: tagged sentences tokenized into windows with per-token labels.

import BERT
import Tokenization

/// Sentences of words and tag ids, tokenized as transformers' token-classification example
/// (`run_ner.py`'s `tokenize_and_align_labels`) does, with long sentences split into windows
/// instead of truncated.
///
/// Each word is tokenized on its own (`is_split_into_words=True`); its tag goes to its first
/// word piece and -100 (no loss) to the others and to `[CLS]`/`[SEP]` — or, with
/// `labelAllTokens`, every piece gets the tag with `B-` turned into `I-` (`b_to_i_label`).
/// A sentence longer than `maxLength` tokens becomes several windows
/// (``BertTokenizer/encode(words:maxLength:stride:)``), consecutive ones sharing `stride`
/// pieces; a piece is a word's first only where the word really starts, so a word cut by a
/// window edge is labelled once, in the window holding its start (windows overlapping by
/// `stride` label the words of the overlap in both).
public struct TokenClassificationExamples: Sendable, Equatable {
    /// The windows' token ids and types; their `labels` are the windows' sentence indices
    /// (``sentence(of:)``).
    public private(set) var encoded = EncodedExamples()
    /// Per token, parallel to `encoded.inputIDs`: the tag id, or -100 where no loss is taken.
    public private(set) var tokenLabels: [Int32] = []
    /// Per token: the index of its word in the sentence, -1 for special tokens.
    public private(set) var wordIDs: [Int32] = []
    /// Per token: whether it is its word's first piece (where predictions are read).
    public private(set) var firstPieces: [Bool] = []
    /// Per sentence: its number of words.
    public private(set) var wordCounts: [Int] = []

    /// The number of windows (training examples).
    public var count: Int { encoded.count }

    /// The sentence window `window` comes from.
    public func sentence(of window: Int) -> Int { Int(encoded.labels[window]) }

    /// An empty set.
    public init() {}

    /// Tokenizes `sentences` (words with one tag id each).
    /// - Parameters:
    ///   - sentences: Each sentence's words and tag ids (same lengths).
    ///   - tokenizer: The model's tokenizer.
    ///   - maxLength: Tokens per window, `[CLS]` and `[SEP]` included.
    ///   - stride: Pieces shared by consecutive windows.
    ///   - labelAllTokens: Label every piece of a word (`label_all_tokens=True`).
    ///   - insideTag: For `labelAllTokens`: the tag id continuation pieces get for each tag
    ///     (`B-X` → `I-X`); identity when nil.
    /// - Throws: `TokenizerError.invalidStride` when `stride` leaves no room.
    /// - Precondition: Each sentence has as many tags as words.
    public init(
        sentences: [(words: [String], tags: [Int32])], tokenizer: BertTokenizer, maxLength: Int,
        stride: Int = 0, labelAllTokens: Bool = false, insideTag: [Int32]? = nil
    ) throws {
        for (index, sentence) in sentences.enumerated() {
            precondition(
                sentence.words.count == sentence.tags.count,
                "TokenClassificationExamples: sentence \(index) has \(sentence.words.count) words and \(sentence.tags.count) tags")
            wordCounts.append(sentence.words.count)
            // Where each word starts among the sentence's pieces, and where each window
            // starts: a piece is its word's first where the two agree.
            let whole = tokenizer.encode(words: sentence.words)
            var firstPiece = [Int](repeating: -1, count: sentence.words.count)
            for (position, word) in whole.wordIDs.enumerated() {
                if let word, firstPiece[word] < 0 { firstPiece[word] = position - 1 }
            }
            let windows = try tokenizer.encode(
                words: sentence.words, maxLength: maxLength, stride: stride)
            let ranges = try BertTokenizer.windowRanges(
                count: whole.length - 2, maxLength: maxLength, stride: stride)
            precondition(ranges.count == windows.count, "windows and their ranges disagree")
            for (window, range) in zip(windows, ranges) {
                let length = window.length
                encoded.append(
                    inputIDs: window.inputIDs[..<length],
                    tokenTypeIDs: window.tokenTypeIDs[..<length], label: Int32(index))
                for position in 0..<length {
                    guard let word = window.wordIDs[position] else {
                        tokenLabels.append(-100)
                        wordIDs.append(-1)
                        firstPieces.append(false)
                        continue
                    }
                    let tag = sentence.tags[word]
                    let first = range.lowerBound + position - 1 == firstPiece[word]
                    firstPieces.append(first)
                    wordIDs.append(Int32(word))
                    tokenLabels.append(
                        first
                            ? tag
                            : labelAllTokens ? (insideTag.map { $0[Int(tag)] } ?? tag) : -100)
                }
            }
        }
    }
}

extension PackedBatch {
    /// Replaces the batch's contents with the windows at `indices` of `examples`, with their
    /// per-token labels, reusing the existing storage. Concrete index types, as for
    /// ``EncodedExamples``: an unspecialized generic fill allocates per index.
    public mutating func fill(from examples: TokenClassificationExamples, indices: ArraySlice<Int>) {
        fill(from: examples.encoded, indices: indices)
        replaceLabels(withTagsOf: examples, indices: indices)
    }

    /// `fill` for a range of windows (see the `ArraySlice` overload).
    public mutating func fill(from examples: TokenClassificationExamples, indices: Range<Int>) {
        fill(from: examples.encoded, indices: indices)
        replaceLabels(withTagsOf: examples, indices: indices)
    }

    /// The windows' per-token tags in place of the sentence indices the fill left.
    @inline(__always)
    private mutating func replaceLabels(
        withTagsOf examples: TokenClassificationExamples, indices: some Collection<Int>
    ) {
        labels.removeAll(keepingCapacity: true)
        for index in indices {
            let start = examples.encoded.offsets[index]
            let end = examples.encoded.offsets[index + 1]
            labels.append(contentsOf: examples.tokenLabels[start..<end])
        }
    }
}
