// swift-bert — training.

import BERT
import Foundation
import Randomness
import Tokenization

/// A masked-language model ready to use: a folder's tokenizer and BertForMaskedLM together,
/// filling `[MASK]` tokens as transformers' `pipeline("fill-mask")` does
/// (``FillMaskDecoder``: the softmax over the vocabulary at each mask, the `top_k` tokens,
/// each with the text it makes).
///
/// ```swift
/// let fill = try MaskFiller(folder: URL(fileURLWithPath: "runs/mlm"))
/// for prediction in try fill.predict("Paris is the [MASK] of France.")[0] {
///     print(prediction.tokenString, prediction.score)
/// }
/// ```
public final class MaskFiller: @unchecked Sendable {
    public let tokenizer: BertTokenizer
    public let model: BertForMaskedLM
    public let loadReport: LoadReport
    public let decoder: FillMaskDecoder
    /// The folder the model came from (named in errors).
    public let folder: URL
    /// Texts longer than this many tokens (special tokens included) are truncated.
    public var maxLength: Int
    private let activations: MaskedLanguageModelingActivations

    /// Loads the tokenizer and model of a Hugging Face folder (a checkpoint without the MLM
    /// head loads with a newly initialized one, listed in ``loadReport``).
    /// - Throws: ``ModelError/vocabularyMismatch(folder:tokenizer:embeddingRows:)``,
    ///   `TrainingError` for a tokenizer without a mask token, and loading errors.
    public init(folder: URL, maxLength: Int? = nil) throws {
        self.folder = folder
        (tokenizer, model, loadReport) = try BertForMaskedLM.loadForInference(from: folder) {
            guard $0.specialTokens.mask != nil else {
                throw TrainingError.invalidOption(
                    name: "mask_token", value: "none", expected: "a tokenizer with a [MASK] token")
            }
        }
        decoder = FillMaskDecoder(
            tokenizer: tokenizer,
            cleanUpTokenizationSpaces: try FillMaskDecoder.cleanUpTokenizationSpaces(in: folder))
        self.maxLength = model.inputLimit(maxLength, tokenizer: tokenizer)
        activations = MaskedLanguageModelingActivations(configuration: model.configuration)
    }

    /// The `topK` propositions for every `[MASK]` of `text`, one list per mask in order.
    /// - Throws: `TrainingError.invalidOption` when the text has no mask or `topK` exceeds the
    ///   vocabulary, ``ModelError/nonFiniteLogits(folder:input:)``.
    public func predict(_ text: String, topK: Int = 5, index: Int = 0) throws -> [[FillMaskPrediction]] {
        let encoding = tokenizer.encode(text, maxLength: maxLength)
        let ids = Array(encoding.inputIDs.prefix(encoding.length))
        let rows = decoder.maskPositions(in: ids).map { Int32($0) }
        guard !rows.isEmpty else {
            return try decoder.predictions(inputIDs: ids, maskLogits: [], topK: topK)  // throws
        }
        let logits = try model.logits(
            for: PackedBatch(encodings: [encoding]), rows: rows, activations: activations)
        if logits.contains(where: { $0.contains { !$0.isFinite } }) {
            throw ModelError.nonFiniteLogits(folder: folder.path, input: index)
        }
        return try decoder.predictions(inputIDs: ids, maskLogits: logits.flatMap { $0 }, topK: topK)
    }
}
