// swift-bert — training.

import BERT
import Datasets

/// A training or validation set the fine-tuning loop can batch, check and evaluate on:
/// sequences with class ids (``EncodedExamples``) or windows with per-token tags
/// (``TokenClassificationExamples``).
public protocol TrainingExamples: Sendable {
    /// The number of sequences (windows).
    var count: Int { get }
    /// The number of tokens of sequence `index`.
    func length(of index: Int) -> Int
    /// Fills `batch` with the sequences at `indices` and their labels, reusing its storage.
    func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>)
    /// `fill` for training epoch `epoch` (from 1): data whose inputs change per epoch
    /// (masked language modeling) read it; the default ignores it.
    func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>, epoch: Int)
    /// Checks that these labels are `model`'s kind (class ids, per-token tags or float
    /// targets of its problem type) and every label fits its label count.
    /// - Throws: ``TrainingError/labelOutOfRange(label:classes:)``,
    ///   ``TrainingError/unsupportedProblemType(_:)``.
    func checkLabels(for model: BertPreTrainedModel) throws
    /// Evaluates `tuner`'s model on these examples.
    func evaluate(with tuner: FineTuner) throws -> EvaluationResult
}

extension TrainingExamples {
    public func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>, epoch: Int) {
        fill(&batch, indices: indices)
    }
}

extension EncodedExamples: TrainingExamples {
    public func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>) {
        batch.fill(from: self, indices: indices)
    }

    public func checkLabels(for model: BertPreTrainedModel) throws {
        guard let classifier = model as? BertForSequenceClassification,
            classifier.effectiveProblemType == .singleLabelClassification
        else {
            throw TrainingError.unsupportedProblemType(
                "class-id labels for \((model as? BertForSequenceClassification)?.effectiveProblemType.rawValue ?? type(of: model).architecture)")
        }
        let classes = model.configuration.numLabels
        for label in labels where label < 0 || Int(label) >= classes {
            throw TrainingError.labelOutOfRange(label: Int(label), classes: classes)
        }
    }

    public func evaluate(with tuner: FineTuner) throws -> EvaluationResult {
        try tuner.evaluate(self)
    }
}

extension TokenClassificationExamples: TrainingExamples {
    public func length(of index: Int) -> Int { encoded.length(of: index) }

    public func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>) {
        batch.fill(from: self, indices: indices)
    }

    public func checkLabels(for model: BertPreTrainedModel) throws {
        guard model is BertForTokenClassification else {
            throw TrainingError.unsupportedProblemType(
                "per-token tags for \(type(of: model).architecture)")
        }
        let classes = model.configuration.numLabels
        for label in tokenLabels where label != -100 && (label < 0 || Int(label) >= classes) {
            throw TrainingError.labelOutOfRange(label: Int(label), classes: classes)
        }
    }

    /// Word-level accuracy and seqeval's entity scores (``TokenClassificationEvaluation``);
    /// `accuracy` is the words', `macroF1` the entity types' macro average.
    public func evaluate(with tuner: FineTuner) throws -> EvaluationResult {
        guard let model = tuner.model as? BertForTokenClassification else {
            throw TrainingError.unsupportedProblemType("token classification with \(type(of: tuner.model).architecture)")
        }
        let result = try TokenClassificationEvaluation.evaluate(
            model, on: self, labelNames: model.configuration.labelNames,
            batchSize: tuner.options.evaluationBatchSize,
            activations: tuner.activations as? TokenClassificationActivations)
        var evaluation = EvaluationResult(
            loss: result.loss, accuracy: result.accuracy, matthewsCorrelation: 0, confusion: [],
            count: result.predictions.reduce(0) { $0 + $1.count },
            macroF1: result.report.macroAverage.f1)
        evaluation.entities = EntitySummary(result.report)
        return evaluation
    }
}

/// Entity-level scores of a token-classification evaluation, as seqeval's report gives them.
public struct EntitySummary: Sendable, Equatable, Codable {
    /// Micro-averaged precision, recall and F1 over every entity.
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Per entity type (seqeval's sorted order): its precision, recall, F1 and support.
    public var types: [String]
    public var perType: [Scores]

    public struct Scores: Sendable, Equatable, Codable {
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    public init(_ report: EntityReport) {
        precision = report.microAverage.precision
        recall = report.microAverage.recall
        f1 = report.microAverage.f1
        types = report.types
        perType = report.perType.map {
            Scores(precision: $0.precision, recall: $0.recall, f1: $0.f1, support: $0.support)
        }
    }
}
