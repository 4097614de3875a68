// swift-bert — training: the fill-mask pipeline's output, from a masked-LM's logits.

import Foundation
import Tokenization
import _RegularFile

/// One proposition for one `[MASK]`, as transformers' `FillMaskPipeline` returns it.
public struct FillMaskPrediction: Sendable, Equatable, Codable {
    /// The token's probability: the softmax of the mask position's logits over the vocabulary.
    public var score: Float
    /// The proposed token id.
    public var token: Int32
    /// `tokenizer.decode([token])` (`token_str`).
    public var tokenString: String
    /// The input with this token in the mask's place, decoded (see
    /// ``FillMaskDecoder/predictions(inputIDs:maskLogits:topK:)``).
    public var sequence: String

    public init(score: Float, token: Int32, tokenString: String, sequence: String) {
        self.score = score
        self.token = token
        self.tokenString = tokenString
        self.sequence = sequence
    }

    private enum CodingKeys: String, CodingKey {
        case score, token
        case tokenString = "token_str"
        case sequence
    }
}

/// Turns a masked language model's logits into transformers 5.24's
/// `FillMaskPipeline.postprocess` output, and decodes ids as its `tokenizer.decode` does.
public struct FillMaskDecoder: Sendable {
    public let tokenizer: BertTokenizer
    /// Python's `clean_up_tokenization` after decoding (`clean_up_tokenization_spaces`: false
    /// unless tokenizer_config.json says otherwise; ``cleanUpTokenizationSpaces(in:)``).
    public var cleanUpTokenizationSpaces: Bool
    /// The ids `skip_special_tokens=True` drops: the added tokens flagged special.
    public var specialTokenIDs: Set<Int32>

    /// A decoder for `tokenizer`.
    /// - Parameters:
    ///   - cleanUpTokenizationSpaces: The folder's `clean_up_tokenization_spaces`.
    ///   - specialTokenIDs: The ids of the special tokens; nil gives `[CLS]`, `[SEP]`,
    ///     `[PAD]`, `[UNK]` and `[MASK]` (what BERT's tokenizer.json flags special; an added
    ///     token of its own is then kept).
    public init(
        tokenizer: BertTokenizer, cleanUpTokenizationSpaces: Bool = false,
        specialTokenIDs: Set<Int32>? = nil
    ) {
        self.tokenizer = tokenizer
        self.cleanUpTokenizationSpaces = cleanUpTokenizationSpaces
        let s = tokenizer.specialTokens
        self.specialTokenIDs =
            specialTokenIDs
            ?? Set([s.classifier, s.separator, s.padding, s.unknown] + (s.mask.map { [$0] } ?? []))
    }

    /// The positions of `[MASK]` in `ids`, in order.
    public func maskPositions(in ids: [Int32]) -> [Int] {
        guard let mask = tokenizer.specialTokens.mask else { return [] }
        return ids.indices.filter { ids[$0] == mask }
    }

    /// `tokenizer.decode(ids, skip_special_tokens=...)`: the ids' tokens (without the special
    /// ones when skipping; ids outside the vocabulary are dropped, as `tokenizers` drops
    /// them) joined by the WordPiece decoder (``WordPieceDecoder``, with its per-token
    /// clean-up, prefix the tokenizer's `##`), then Python's `clean_up_tokenization` over the
    /// whole text when ``cleanUpTokenizationSpaces`` is on.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool = false) -> String {
        let vocabulary = tokenizer.vocabulary
        var tokens: [String] = []
        tokens.reserveCapacity(ids.count)
        for id in ids where id >= 0 && Int(id) < vocabulary.count {
            if skipSpecialTokens && specialTokenIDs.contains(id) { continue }
            tokens.append(vocabulary.tokens[Int(id)])
        }
        let text = WordPieceDecoder.decode(
            tokens, prefix: tokenizer.wordPiece.continuationPrefix, cleanup: true)
        return cleanUpTokenizationSpaces ? Self.cleanUpTokenization(text) : text
    }

    /// The pipeline's propositions for every `[MASK]` of `inputIDs`: one row per mask, in
    /// order, each the `topK` most probable tokens, most probable first.
    ///
    /// As `postprocess`: the softmax over the vocabulary of the mask's logits; `token_str`
    /// is `decode([token])`; `sequence` is `inputIDs` with this token at this mask, every
    /// `[PAD]` removed (the proposed one too), decoded with `skip_special_tokens=True` when
    /// the input has one mask — and `False` with several, so the other masks (and `[CLS]`,
    /// `[SEP]`) show. transformers returns the single row itself for one mask, a list of rows
    /// for several. Equal probabilities are ordered by id.
    /// - Parameters:
    ///   - inputIDs: The pipeline's input ids (`tokenizer(text)`), with at least one `[MASK]`.
    ///   - maskLogits: `[masks, vocab]` row-major: the logits at each mask position, in the
    ///     order of ``maskPositions(in:)``; `vocab` is the model's `vocab_size`.
    ///   - topK: Propositions per mask (`top_k`, 5).
    /// - Throws: ``TrainingError/invalidOption(name:value:expected:)`` when the input has no
    ///   mask (transformers' `PipelineException`) or `topK` exceeds the vocabulary.
    public func predictions(
        inputIDs: [Int32], maskLogits: UnsafeBufferPointer<Float>, topK: Int = 5
    ) throws -> [[FillMaskPrediction]] {
        let positions = maskPositions(in: inputIDs)
        guard !positions.isEmpty else {
            let mask = tokenizer.specialTokens.mask.map { "id \($0)" } ?? "none: no mask_token"
            throw TrainingError.invalidOption(
                name: "input_ids", value: "no [MASK]",
                expected: "at least one mask token (\(mask)) in the input")
        }
        precondition(
            maskLogits.count % positions.count == 0 && maskLogits.count > 0,
            "FillMaskDecoder: \(maskLogits.count) logits for \(positions.count) masks")
        let vocab = maskLogits.count / positions.count
        guard topK >= 0 && topK <= vocab else {
            throw TrainingError.invalidOption(
                name: "top_k", value: "\(topK)", expected: "0…\(vocab), the vocabulary size")
        }
        let single = positions.count == 1
        let pad = tokenizer.specialTokens.padding
        return positions.enumerated().map { mask, position in
            let row = UnsafeBufferPointer(
                rebasing: maskLogits[(mask * vocab)..<((mask + 1) * vocab)])
            return Self.topProbabilities(row, count: topK).map { token, score in
                var ids = inputIDs
                ids[position] = token
                ids.removeAll { $0 == pad }
                return FillMaskPrediction(
                    score: score, token: token, tokenString: decode([token]),
                    sequence: decode(ids, skipSpecialTokens: single))
            }
        }
    }

    /// ``predictions(inputIDs:maskLogits:topK:)`` from an array of `[masks, vocab]` logits.
    public func predictions(inputIDs: [Int32], maskLogits: [Float], topK: Int = 5) throws
        -> [[FillMaskPrediction]]
    {
        try maskLogits.withUnsafeBufferPointer {
            try predictions(inputIDs: inputIDs, maskLogits: $0, topK: topK)
        }
    }

    /// The `count` most probable ids of `softmax(logits)` with their probabilities, most
    /// probable first, ties by id (`probs.topk`).
    static func topProbabilities(_ logits: UnsafeBufferPointer<Float>, count: Int)
        -> [(token: Int32, score: Float)]
    {
        guard count > 0, let first = logits.first else { return [] }
        // `softmax` with the max subtracted, summed in double precision.
        let maximum = logits.reduce(first) { max($0, $1) }
        var sum = 0.0
        for value in logits { sum += exp(Double(value - maximum)) }
        // exp is increasing: the largest logits are the largest probabilities.
        func before(_ a: Int, _ b: Int) -> Bool {
            logits[a] > logits[b] || (logits[a] == logits[b] && a < b)
        }
        var best: [Int] = []
        if count * 8 < logits.count {
            best.reserveCapacity(count + 1)
            for index in logits.indices {
                guard best.count < count || before(index, best[best.count - 1]) else { continue }
                var slot = best.count
                while slot > 0 && before(index, best[slot - 1]) { slot -= 1 }
                best.insert(index, at: slot)
                if best.count > count { best.removeLast() }
            }
        } else {
            best = Array(logits.indices).sorted(by: before).prefix(count).map { $0 }
        }
        return best.map { index in
            (Int32(index), Float(exp(Double(logits[index] - maximum)) / sum))
        }
    }

    /// transformers' `clean_up_tokenization` (Python, on the whole text; no ` do not` rule,
    /// unlike the WordPiece decoder's per-token clean-up), in its order.
    static func cleanUpTokenization(_ text: String) -> String {
        var text = text
        for (from, to) in [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
            (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ] {
            text = WordPieceDecoder.replacingAll(from, with: to, in: text)
        }
        return text
    }

    /// `clean_up_tokenization_spaces` of a model folder's tokenizer_config.json: false when the
    /// file or the key is missing or null (transformers 5.24's default).
    /// - Throws: ``TrainingError/invalidCheckpoint(path:reason:)`` for an unreadable file, one
    ///   that is not a JSON object, or a value that is not true or false.
    public static func cleanUpTokenizationSpaces(in folder: URL) throws -> Bool {
        let url = folder.appendingPathComponent("tokenizer_config.json")
        let data: Data
        do {
            data = try RegularFile.read(url, limit: 16 << 20)
        } catch {
            if error.isMissing { return false }
            throw TrainingError.invalidCheckpoint(path: url.path, reason: error.reason)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TrainingError.invalidCheckpoint(path: url.path, reason: "not a JSON object")
        }
        let key = "clean_up_tokenization_spaces"
        guard let value = object[key], !(value is NSNull) else { return false }
        // JSONSerialization gives booleans as NSNumbers of Objective-C type "c".
        guard let number = value as? NSNumber, String(cString: number.objCType) == "c" else {
            throw TrainingError.invalidCheckpoint(
                path: url.path, reason: "field '\(key)': expected true or false, found \(value)")
        }
        return number.boolValue
    }
}
