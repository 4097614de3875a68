// swift-bert — training.

import BERT
import Foundation
import Randomness
import Tokenization

/// A token-classification model ready to use: a folder's tokenizer and
/// BertForTokenClassification together, giving entities with character offsets as
/// transformers' `pipeline("token-classification", aggregation_strategy="simple")` does.
///
/// ```swift
/// let ner = try TokenClassifier(folder: URL(fileURLWithPath: "runs/ner"))
/// for entity in try ner.predict(["John Smith lives in New York."])[0] {
///     print(entity.entityGroup, entity.word, entity.start, entity.end, entity.score)
/// }
/// ```
public final class TokenClassifier: @unchecked Sendable {
    public let tokenizer: BertTokenizer
    public let model: BertForTokenClassification
    public let loadReport: LoadReport
    /// The folder the model came from (named in errors).
    public let folder: URL
    /// Texts longer than this many tokens (special tokens included) are truncated; the
    /// pipeline would fail on them instead.
    public var maxLength: Int
    private let activations: TokenClassificationActivations

    /// Loads the tokenizer and model of a Hugging Face folder.
    /// - Throws: ``ModelError/vocabularyMismatch(folder:tokenizer:embeddingRows:)`` and loading
    ///   errors.
    public init(folder: URL, maxLength: Int? = nil) throws {
        self.folder = folder
        (tokenizer, model, loadReport) = try BertForTokenClassification.loadForInference(
            from: folder)
        self.maxLength = model.inputLimit(maxLength, tokenizer: tokenizer)
        activations = TokenClassificationActivations(configuration: model.configuration)
    }

    /// The entities of each text, in input order (``EntityGrouping/simple(scores:tokens:offsets:isSpecial:labels:text:unknownToken:ignoredLabels:)``
    /// on the softmax of each token's logits, computed in Float as the pipeline's NumPy does).
    /// - Throws: ``ModelError/nonFiniteLogits(folder:input:)`` for NaN or infinite logits.
    public func predict(_ texts: [String]) throws -> [[GroupedEntity]] {
        let classes = model.configuration.numLabels
        let labels = model.configuration.labelNames
        return try texts.enumerated().map { index, text in
            let encoding = tokenizer.encode(text, maxLength: maxLength)
            let length = encoding.length
            let logits = try model.logits(
                for: PackedBatch(encodings: [encoding]), activations: activations)
            if logits.contains(where: { $0.contains { !$0.isFinite } }) {
                throw ModelError.nonFiniteLogits(folder: folder.path, input: index)
            }
            let scores = logits.map { row -> [Float] in
                let maximum = row.max() ?? 0
                let exps = row.map { Foundation.exp($0 - maximum) }
                let sum = exps.reduce(0, +)
                return exps.map { $0 / sum }
            }
            precondition(scores.count == length && labels.count == classes)
            return EntityGrouping.simple(
                scores: scores, tokens: Array(encoding.tokens.prefix(length)),
                offsets: encoding.offsets.prefix(length).map { ($0.lowerBound, $0.upperBound) },
                isSpecial: encoding.wordIDs.prefix(length).map { $0 == nil },
                labels: labels, text: text)
        }
    }
}
