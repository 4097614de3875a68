// swift-bert — training: the masking of masked-language-model fine-tuning.

import Randomness
import Tokenization

/// How tokens are masked for masked-language-model training: transformers 5.24's
/// `DataCollatorForLanguageModeling(mlm=True)` (its `torch_mask_tokens`), with our generator.
///
/// Each token that is not special (`[CLS]`, `[SEP]`: the tokenizer's special-tokens mask) is
/// selected with probability ``probability`` (`mlm_probability`, 0.15). A selected token gets
/// its original id as its label; every other token gets -100. Of the selected tokens,
/// ``maskReplaceProbability`` (0.8) become `[MASK]`; of the rest, a share
/// `randomReplaceProbability / (1 − maskReplaceProbability)` (0.1 / 0.2 = ½) become a random id
/// uniform in `0..<vocabularySize` (`len(tokenizer)`; any id, special ones included); the
/// others stay as they are (`1 − mask − random` of them, 10 %). As in transformers, no random
/// replacement is drawn at all when ``maskReplaceProbability`` is 1 or
/// ``randomReplaceProbability`` is 0, and each probability is used as a float32, as
/// `torch.full` makes it.
///
/// With ``wholeWordMask`` (5.24 has no `DataCollatorForWholeWordMask`: it is this collator's
/// `whole_word_mask=True`, which groups tokens by their offsets, not by `##`), only the first
/// token of each word draws, with the same probability, and a selected word is selected
/// whole. A word is a run of tokens that touch in the text: a token starts a word where its
/// start is not the previous token's end, or where the previous token is special
/// (`_calc_word_ids_and_prob_mask`), so `don't` or `New-York` is one word and `a , b` three.
/// As in transformers, random replacement is not supported then: ``maskReplaceProbability``
/// becomes 1 and ``randomReplaceProbability`` 0 (transformers warns).
///
/// Randomness: not torch's numbers, the same distributions. An example's masks are a function
/// of (``seed``, epoch, example index) alone (``generators(epoch:example:)``), so they do not
/// depend on batch composition, order or size, and a resumed run masks exactly as the
/// uninterrupted one. Selection and replacement draw from two streams, so changing the
/// replacement probabilities leaves the selection as it was (in torch too, the selection is
/// drawn first).
public struct MaskedLanguageModeling: Sendable, Hashable, Codable {
    /// The probability that a token (a word's first token, with ``wholeWordMask``) is
    /// selected (`mlm_probability`).
    public let probability: Double
    /// The share of selected tokens replaced by `[MASK]` (`mask_replace_prob`).
    public let maskReplaceProbability: Double
    /// The share of selected tokens replaced by a random id (`random_replace_prob`).
    public let randomReplaceProbability: Double
    /// Whether words are masked whole (`whole_word_mask`).
    public let wholeWordMask: Bool
    /// The id of `[MASK]`.
    public let maskTokenID: Int32
    /// Random ids are drawn from `0..<vocabularySize` (`len(tokenizer)`).
    public let vocabularySize: Int
    /// The run's seed (`FineTuningOptions.seed`).
    public let seed: UInt64

    /// The generator stream of the selection (ASCII `mlmpick`).
    public static let selectionStream: UInt64 = 0x6D_6C_6D_70_69_63_6B
    /// The generator stream of the replacements (ASCII `mlmswap`).
    public static let replacementStream: UInt64 = 0x6D_6C_6D_73_77_61_70
    /// The epoch whose masks evaluation uses: every evaluation of a set sees the same masks, so
    /// losses and perplexities compare across epochs (training epochs count from 1).
    public static let evaluationEpoch = 0

    /// Checks and keeps the options, as the collator's `__post_init__` does.
    /// - Throws: ``TrainingError/invalidOption(name:value:expected:)`` for a probability
    ///   outside [0, 1], or mask and random shares summing past 1 (checked before whole-word
    ///   masking resets them, as transformers does), a vocabulary size < 1 or a mask id
    ///   outside it.
    public init(
        maskTokenID: Int32, vocabularySize: Int, seed: UInt64, probability: Double = 0.15,
        maskReplaceProbability: Double = 0.8, randomReplaceProbability: Double = 0.1,
        wholeWordMask: Bool = false
    ) throws {
        func check(_ name: String, _ value: Double) throws {
            guard value >= 0 && value <= 1 else {
                throw TrainingError.invalidOption(
                    name: name, value: "\(value)", expected: "a probability in [0, 1]")
            }
        }
        try check("mlm_probability", probability)
        guard maskReplaceProbability + randomReplaceProbability <= 1 else {
            throw TrainingError.invalidOption(
                name: "mask_replace_prob + random_replace_prob",
                value: "\(maskReplaceProbability + randomReplaceProbability)", expected: "≤ 1")
        }
        try check("mask_replace_prob", maskReplaceProbability)
        try check("random_replace_prob", randomReplaceProbability)
        guard vocabularySize >= 1 else {
            throw TrainingError.invalidOption(
                name: "vocabulary size", value: "\(vocabularySize)", expected: "≥ 1")
        }
        guard maskTokenID >= 0 && Int(maskTokenID) < vocabularySize else {
            throw TrainingError.invalidOption(
                name: "mask token id", value: "\(maskTokenID)",
                expected: "an id in 0..<\(vocabularySize)")
        }
        self.probability = probability
        self.wholeWordMask = wholeWordMask
        self.maskReplaceProbability = wholeWordMask ? 1 : maskReplaceProbability
        self.randomReplaceProbability = wholeWordMask ? 0 : randomReplaceProbability
        self.maskTokenID = maskTokenID
        self.vocabularySize = vocabularySize
        self.seed = seed
    }

    /// The masking of `tokenizer`'s texts: its `[MASK]` id, random ids over its vocabulary
    /// (`len(tokenizer)`), the other options as the memberwise initializer takes them.
    /// - Throws: ``TrainingError/invalidOption(name:value:expected:)`` when the tokenizer has
    ///   no mask token (transformers' `ValueError`), or as the memberwise initializer.
    public init(
        tokenizer: BertTokenizer, seed: UInt64, probability: Double = 0.15,
        maskReplaceProbability: Double = 0.8, randomReplaceProbability: Double = 0.1,
        wholeWordMask: Bool = false
    ) throws {
        guard let mask = tokenizer.specialTokens.mask else {
            throw TrainingError.invalidOption(
                name: "mask_token", value: "none",
                expected: "a tokenizer with a mask token, which masked language modeling needs")
        }
        try self.init(
            maskTokenID: mask, vocabularySize: tokenizer.vocabulary.count, seed: seed,
            probability: probability, maskReplaceProbability: maskReplaceProbability,
            randomReplaceProbability: randomReplaceProbability, wholeWordMask: wholeWordMask)
    }

    /// Whether these options make the initializer reset the replacement shares for
    /// whole-word masking: where transformers warns "Random token replacement is not
    /// supported with whole word masking", a caller may say so.
    public static func resetsReplacement(
        wholeWordMask: Bool, maskReplaceProbability: Double
    ) -> Bool {
        wholeWordMask && maskReplaceProbability < 1
    }

    /// The two generators of example `example` in epoch `epoch`: selection and replacement.
    ///
    /// `(epoch, example)` goes through a bijective mix into the seed, so distinct pairs give
    /// distinct generators.
    /// - Precondition: `0 ≤ epoch < 2³²` and `0 ≤ example < 2³²`.
    @inlinable
    public func generators(epoch: Int, example: Int) -> (
        selection: SeededGenerator, replacement: SeededGenerator
    ) {
        precondition(
            epoch >= 0 && epoch <= Int(UInt32.max) && example >= 0
                && example <= Int(UInt32.max),
            "MaskedLanguageModeling: epoch \(epoch) or example \(example) out of range")
        let key = Self.mix(UInt64(epoch) << 32 | UInt64(example))
        return (
            SeededGenerator(seed: seed ^ key, stream: Self.selectionStream),
            SeededGenerator(seed: seed ^ key, stream: Self.replacementStream)
        )
    }

    /// SplitMix64's finalizer: a bijection of 64-bit words that spreads every input bit.
    @inlinable
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The probabilities as the draws compare them: float32 (`torch.full`), widened.
    @usableFromInline
    var thresholds: (select: Double, mask: Double, random: Double?) {
        let random: Double?
        if maskReplaceProbability == 1 || randomReplaceProbability == 0 {
            random = nil  // transformers returns before drawing random words
        } else {
            random = Double(Float(randomReplaceProbability / (1 - maskReplaceProbability)))
        }
        return (Double(Float(probability)), Double(Float(maskReplaceProbability)), random)
    }

    /// Masks one sequence, calling `body(position, replacement)` for each selected token in
    /// order: `replacement` is the id the input gets there (`[MASK]`, a random id, or the
    /// original id when it stays); every token not reported is unselected (label -100).
    ///
    /// - Parameters:
    ///   - ids: The sequence's ids.
    ///   - special: Per token, 1 where the tokenizer's special-tokens mask is set (never
    ///     selected).
    ///   - wordStarts: Per token, whether it starts a word (read with ``wholeWordMask`` only).
    ///   - epoch: The training epoch (from 1), or ``evaluationEpoch``.
    ///   - example: The example's index in its set.
    /// - Complexity: O(tokens); allocates nothing.
    @inlinable
    public func forEachSelectedToken(
        ids: ArraySlice<Int32>, special: ArraySlice<UInt8>, wordStarts: ArraySlice<Bool>,
        epoch: Int, example: Int, _ body: (_ position: Int, _ replacement: Int32) -> Void
    ) {
        precondition(
            ids.count == special.count && ids.count == wordStarts.count,
            "MaskedLanguageModeling: ids, special-tokens mask and word starts differ in length")
        var (selection, replacement) = generators(epoch: epoch, example: example)
        let (select, mask, random) = thresholds
        let whole = wholeWordMask
        var wordSelected = false
        for position in 0..<ids.count {
            let id = ids[ids.startIndex + position]
            if special[special.startIndex + position] != 0 {
                wordSelected = false
                continue
            }
            let selected: Bool
            if whole {
                if wordStarts[wordStarts.startIndex + position] {
                    wordSelected = selection.nextUniformDouble() < select
                }
                selected = wordSelected
            } else {
                selected = selection.nextUniformDouble() < select
            }
            guard selected else { continue }
            if replacement.nextUniformDouble() < mask {
                body(position, maskTokenID)
            } else if let random, replacement.nextUniformDouble() < random {
                body(
                    position,
                    Int32(truncatingIfNeeded: replacement.nextIndex(below: vocabularySize)))
            } else {
                body(position, id)
            }
        }
    }
}

extension MaskedLanguageModeling {
    /// The ids a sequence is fed with and its labels (the original id where selected, -100
    /// elsewhere), as two new arrays: for inspection and tests; training fills batches
    /// without them (``MaskedLanguageModelingExamples``).
    public func masked(
        ids: [Int32], special: [UInt8], wordStarts: [Bool], epoch: Int, example: Int
    ) -> (inputIDs: [Int32], labels: [Int32]) {
        var inputs = ids
        var labels = [Int32](repeating: -100, count: ids.count)
        forEachSelectedToken(
            ids: ids[...], special: special[...], wordStarts: wordStarts[...], epoch: epoch,
            example: example
        ) { position, replacement in
            labels[position] = ids[position]
            inputs[position] = replacement
        }
        return (inputs, labels)
    }
}
