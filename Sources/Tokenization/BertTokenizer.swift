// swift-bert — BERT tokenization.

/// BERT's WordPiece tokenizer, token for token the same as transformers' `BertTokenizer`
/// (the `tokenizers` backend of transformers 5, `BertTokenizerFast` in transformers 4).
///
/// The pipeline: special tokens written in the text are matched first, on the raw text,
/// leftmost-longest (`[CLS]`, `[SEP]`, `[PAD]`, `[MASK]`, `[UNK]` and any other added token);
/// the text between them is normalized (``BertNormalizer``), split into words
/// (``BertPreTokenizer``) and each word into pieces (``WordPiece``); then `[CLS] A [SEP]` or
/// `[CLS] A [SEP] B [SEP]` is built, truncated and padded (``encode(_:pair:maxLength:padding:)``).
public struct BertTokenizer: Sendable {
    /// A token matched whole in raw text, as `tokenizers`' `AddedToken` with
    /// `normalized: false`.
    public struct AddedToken: Sendable, Equatable {
        public var content: String
        public var id: Int32
        public init(content: String, id: Int32) {
            self.content = content
            self.id = id
        }
    }

    /// The special tokens the post-processor and padding use.
    public struct SpecialTokens: Sendable, Equatable {
        public var classifier: Int32
        public var separator: Int32
        public var padding: Int32
        public var unknown: Int32
        public var mask: Int32?
        public init(classifier: Int32, separator: Int32, padding: Int32, unknown: Int32, mask: Int32?)
        {
            self.classifier = classifier
            self.separator = separator
            self.padding = padding
            self.unknown = unknown
            self.mask = mask
        }
    }

    public let vocabulary: Vocabulary
    public let normalizer: BertNormalizer
    public let wordPiece: WordPiece
    public let specialTokens: SpecialTokens
    public let addedTokens: [AddedToken]
    /// The longest input the model accepts (`model_max_length`), when the folder says so.
    public let modelMaxLength: Int?
    private let addedTokenScalars: [([Unicode.Scalar], Int32)]

    public init(
        vocabulary: Vocabulary, normalizer: BertNormalizer, specialTokens: SpecialTokens,
        addedTokens: [AddedToken], continuationPrefix: String = "##",
        maxInputCharactersPerWord: Int = 100, modelMaxLength: Int? = nil
    ) {
        self.vocabulary = vocabulary
        self.normalizer = normalizer
        self.specialTokens = specialTokens
        self.addedTokens = addedTokens
        self.modelMaxLength = modelMaxLength
        self.wordPiece = WordPiece(
            vocabulary: vocabulary, unknownID: specialTokens.unknown,
            continuationPrefix: continuationPrefix,
            maxInputCharactersPerWord: maxInputCharactersPerWord)
        self.addedTokenScalars = addedTokens.filter { !$0.content.isEmpty }.map {
            (Array($0.content.unicodeScalars), $0.id)
        }
    }

    // MARK: Tokenizing

    /// The ids of `text` without special tokens, truncation or padding
    /// (transformers' `tokenizer(text, add_special_tokens=False)["input_ids"]`).
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        var normalized: [Unicode.Scalar] = []
        var pieces: [Range<Int>] = []
        let scalars = Array(text.unicodeScalars)
        forEachSegment(of: scalars) { segment in
            switch segment {
            case .text(let range):
                normalized.removeAll(keepingCapacity: true)
                normalizer.normalize(scalars[range], into: &normalized)
                BertPreTokenizer.forEachWord(in: normalized) { word in
                    wordPiece.tokenize(word, into: &ids, pieces: &pieces)
                }
            case .addedToken(_, let id):
                ids.append(id)
            }
        }
        return ids
    }

    /// The word pieces of `text` as strings (transformers' `tokenizer.tokenize(text)`).
    public func tokenStrings(_ text: String) -> [String] {
        tokenize(text).map { vocabulary.token(for: $0) }
    }

    /// A stretch of raw text: ordinary text to normalize, or an added token matched whole.
    enum Segment {
        case text(Range<Int>)
        case addedToken(Range<Int>, id: Int32)
    }

    /// Calls `body` with the segments of `scalars` in order, as `tokenizers`'
    /// `AddedVocabulary::extract_and_normalize` splits raw text around added tokens
    /// (leftmost-longest). Empty text segments are skipped.
    func forEachSegment(of scalars: [Unicode.Scalar], _ body: (Segment) -> Void) {
        var segmentStart = 0
        var index = 0
        while index < scalars.count {
            if let (length, id) = matchAddedToken(in: scalars, at: index) {
                if segmentStart < index { body(.text(segmentStart..<index)) }
                body(.addedToken(index..<(index + length), id: id))
                index += length
                segmentStart = index
            } else {
                index += 1
            }
        }
        if segmentStart < scalars.count { body(.text(segmentStart..<scalars.count)) }
    }

    /// The longest added token starting at `index`, as (scalar length, id).
    private func matchAddedToken(in scalars: [Unicode.Scalar], at index: Int) -> (Int, Int32)? {
        var best: (Int, Int32)?
        for (content, id) in addedTokenScalars where content[0] == scalars[index] {
            let length = content.count
            guard index + length <= scalars.count, length > (best?.0 ?? 0) else { continue }
            var matches = true
            for offset in 1..<length where content[offset] != scalars[index + offset] {
                matches = false
                break
            }
            if matches { best = (length, id) }
        }
        return best
    }

    // MARK: Encoding

    /// Encodes a text or a text pair into model inputs, with special tokens.
    ///
    /// Matches transformers' `tokenizer(text, text_pair, truncation=..., max_length=...,
    /// padding=...)`: `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]` with token type 1 on B and its
    /// `[SEP]` (an empty `pair` counts as none, as in transformers); truncation is
    /// `longest_first` by the `tokenizers` rule (see ``truncatedLengths(first:second:budget:)``);
    /// a limit shorter than the special tokens leaves the input untruncated, as transformers
    /// does. Offsets and word ids are filled as `return_offsets_mapping=True` and
    /// `word_ids()` give them (each text's words numbered from 0, offsets in its scalars).
    /// - Parameters:
    ///   - text: The first (or only) text.
    ///   - pair: The second text of a pair.
    ///   - maxLength: The length limit, special tokens included; nil means the model's
    ///     `model_max_length` wherever a limit is needed.
    ///   - truncation: Whether to truncate to the limit; nil (transformers' default) truncates
    ///     exactly when `maxLength` is given.
    ///   - padding: `.maxLength` pads to the limit; `.longest` is a batch option and pads
    ///     nothing for a single example.
    public func encode(
        _ text: String, pair: String? = nil, maxLength: Int? = nil, truncation: Bool? = nil,
        padding: Padding = .none
    ) -> Encoding {
        // transformers' single-example call drops an empty pair; its batch call keeps it.
        var encoding = encodeUnpadded(
            text, pair: pair?.isEmpty == true ? nil : pair, maxLength: maxLength,
            truncation: truncation)
        if padding == .maxLength, let limit = maxLength ?? modelMaxLength {
            pad(&encoding, to: limit)
        }
        encoding.tokens = encoding.inputIDs.map { vocabulary.token(for: $0) }
        return encoding
    }

    private func encodeUnpadded(
        _ text: String, pair: String?, maxLength: Int?, truncation: Bool?
    ) -> Encoding {
        var first = alignedTokens(of: text)
        var second = pair.map { alignedTokens(of: $0) }
        let specials = second == nil ? 2 : 3
        if truncation ?? (maxLength != nil), let limit = maxLength ?? modelMaxLength,
            limit >= specials
        {
            let (keepFirst, keepSecond) = Self.truncatedLengths(
                first: first.count, second: second?.count, budget: limit - specials)
            first.keepPrefix(keepFirst)
            second?.keepPrefix(keepSecond)
        }
        return withSpecialTokens(first[...], second?[...])
    }

    /// Encodes a batch; `.longest` pads every encoding to the longest one of the batch.
    ///
    /// As transformers' batch call, an empty second text is still a pair (`[SEP] [SEP]`).
    public func encodeBatch(
        _ inputs: [(text: String, pair: String?)], maxLength: Int? = nil,
        truncation: Bool? = nil, padding: Padding = .none
    ) -> [Encoding] {
        var encodings = inputs.map {
            var encoding = encodeUnpadded(
                $0.text, pair: $0.pair, maxLength: maxLength, truncation: truncation)
            if padding == .maxLength, let limit = maxLength ?? modelMaxLength {
                pad(&encoding, to: limit)
            }
            encoding.tokens = encoding.inputIDs.map { vocabulary.token(for: $0) }
            return encoding
        }
        if padding == .longest {
            let longest = encodings.map(\.inputIDs.count).max() ?? 0
            for index in encodings.indices {
                pad(&encodings[index], to: longest)
                encodings[index].tokens = encodings[index].inputIDs.map {
                    vocabulary.token(for: $0)
                }
            }
        }
        return encodings
    }

    /// Pads at the end with `[PAD]`, token type 0 and attention mask 0 (and offset `0..<0`
    /// and word id nil where the encoding carries them), as transformers' `pad`.
    public func pad(_ encoding: inout Encoding, to length: Int) {
        let missing = length - encoding.inputIDs.count
        guard missing > 0 else { return }
        encoding.inputIDs.append(contentsOf: repeatElement(specialTokens.padding, count: missing))
        encoding.tokenTypeIDs.append(contentsOf: repeatElement(0, count: missing))
        encoding.attentionMask.append(contentsOf: repeatElement(0, count: missing))
        // Offsets and word ids grow only where the encoding carries them.
        if encoding.offsets.count + missing == encoding.inputIDs.count {
            encoding.offsets.append(contentsOf: repeatElement(0..<0, count: missing))
        }
        if encoding.wordIDs.count + missing == encoding.inputIDs.count {
            encoding.wordIDs.append(contentsOf: repeatElement(nil, count: missing))
        }
    }

    /// How many tokens of each text `longest_first` truncation keeps.
    ///
    /// Matches `tokenizers`' `truncate_encodings` with `LongestFirst` (what transformers 5
    /// and `BertTokenizerFast` do), which differs from transformers 4's slow tokenizer
    /// (one token at a time from the longer text): with n1 ≤ n2 the lengths, the shorter
    /// text is kept whole when the longer one can absorb the cut; otherwise the budget is
    /// halved, the odd token going to the second text.
    /// - Returns: The kept lengths; the second is 0 when there is no second text.
    public static func truncatedLengths(first: Int, second: Int?, budget: Int) -> (Int, Int) {
        guard let second else { return (min(first, budget), 0) }
        guard first + second > budget else { return (first, second) }
        let swapped = first > second
        var shorter = swapped ? second : first
        var longer = swapped ? first : second
        longer = shorter > budget ? shorter : max(shorter, budget - shorter)
        if shorter + longer > budget {
            shorter = budget / 2
            longer = shorter + budget % 2
        }
        let keepShorter = min(shorter, swapped ? second : first)
        let keepLonger = min(longer, swapped ? first : second)
        return swapped ? (keepLonger, keepShorter) : (keepShorter, keepLonger)
    }
}
