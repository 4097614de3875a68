// swift-bert — the BERT model.

import Foundation
import Randomness
import Tokenization

/// A fine-tuned classifier ready to use: a model folder's tokenizer and
/// BertForSequenceClassification together, as transformers'
/// `pipeline("text-classification")` gives them.
///
/// ```swift
/// let classifier = try TextClassifier(folder: URL(fileURLWithPath: "runs/cola"))
/// let predictions = try classifier.predict([("The book was read by Mary.", nil)])
/// print(predictions[0].label, predictions[0].probabilities)
/// ```
public final class TextClassifier: @unchecked Sendable {
    /// One input's result.
    public struct Prediction: Sendable, Equatable {
        /// The most probable label's name (`id2label`).
        public var label: String
        public var labelID: Int
        /// Softmax of the logits, in label-id order (multi-label: each logit's sigmoid;
        /// regression: empty).
        public var probabilities: [Float]
        public var logits: [Float]
        /// Multi-label: every label whose probability exceeds ``TextClassifier/threshold``.
        public var labels: [String] = []
        /// Regression: the predicted value (the single logit).
        public var value: Float?
    }

    public let tokenizer: BertTokenizer
    public let model: BertForSequenceClassification
    public let loadReport: LoadReport
    /// The folder the model came from (named in errors).
    public let folder: URL
    /// Inputs longer than this are truncated (special tokens included).
    public var maxLength: Int
    /// Multi-label classification: the probability above which a label is predicted.
    public var threshold: Float = 0.5
    private let activations: Activations

    /// Loads the tokenizer and model of a Hugging Face folder.
    ///
    /// A folder whose classifier head is missing (a base model) still loads, with the head
    /// newly initialized as `from_pretrained` does; ``loadReport`` lists it, so callers can
    /// warn as transformers does.
    /// - Throws: ``ModelError/vocabularyMismatch(folder:tokenizer:embeddingRows:)`` when the
    ///   tokenizer can produce ids past the embedding's rows; loading errors otherwise.
    public init(folder: URL, maxLength: Int? = nil) throws {
        self.folder = folder
        (tokenizer, model, loadReport) = try BertForSequenceClassification.loadForInference(
            from: folder)
        self.maxLength = model.inputLimit(maxLength, tokenizer: tokenizer)
        activations = Activations(configuration: model.configuration)
    }

    /// Classifies texts or text pairs, `batchSize` at a time, in input order.
    /// - Throws: ``ModelError/nonFiniteLogits(folder:input:)`` for NaN or infinite logits.
    public func predict(_ inputs: [(text: String, pair: String?)], batchSize: Int = 32) throws
        -> [Prediction]
    {
        precondition(batchSize > 0, "batchSize must be positive")
        var predictions: [Prediction] = []
        predictions.reserveCapacity(inputs.count)
        var start = 0
        while start < inputs.count {
            let slice = inputs[start..<min(start + batchSize, inputs.count)]
            let encodings = slice.map {
                tokenizer.encode($0.text, pair: $0.pair, maxLength: maxLength)
            }
            let logits = try model.logits(
                for: PackedInput(encodings: encodings), activations: activations)
            // transformers would print NaN probabilities; an answer that is no answer is an
            // error here.
            if let bad = logits.firstIndex(where: { $0.contains { !$0.isFinite } }) {
                throw ModelError.nonFiniteLogits(folder: folder.path, input: start + bad)
            }
            predictions += logits.map(makePrediction)
            start += batchSize
        }
        return predictions
    }

    private func makePrediction(_ logits: [Float]) -> Prediction {
        let names = model.configuration.labelNames
        switch model.effectiveProblemType {
        case .regression:
            return Prediction(
                label: String(logits[0]), labelID: 0, probabilities: [], logits: logits,
                value: logits[0])
        case .multiLabelClassification:
            // As transformers' text-classification pipeline with function_to_apply="sigmoid".
            let probabilities = logits.map { 1 / (1 + Foundation.exp(-Double($0))) }.map(Float.init)
            let chosen = probabilities.indices.filter { probabilities[$0] > threshold }
            let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
            return Prediction(
                label: names[best], labelID: best, probabilities: probabilities, logits: logits,
                labels: chosen.map { names[$0] })
        case .singleLabelClassification:
            break
        }
        let probabilities = Self.softmax(logits)
        var best = 0
        for index in probabilities.indices where probabilities[index] > probabilities[best] {
            best = index
        }
        return Prediction(
            label: model.configuration.labelNames[best], labelID: best,
            probabilities: probabilities, logits: logits)
    }

    /// `torch.softmax` over one row, computed in Double with max subtraction.
    static func softmax(_ logits: [Float]) -> [Float] {
        let maximum = Double(logits.max() ?? 0)
        let exps = logits.map { Foundation.exp(Double($0) - maximum) }
        let sum = exps.reduce(0, +)
        return exps.map { Float($0 / sum) }
    }
}
