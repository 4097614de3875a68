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
    /// The eval-mode outputs of `tuner`'s model on the examples in `range`, evaluated
    /// `tuner.options.evaluationBatchSize` at a time from the range's start: what ranks
    /// share in a sharded evaluation (``FineTuner/evaluateSharded(_:)``), whose ranges start
    /// at batch boundaries, so that each example sits in the batch one process puts it in.
    /// - Throws: ``TrainingError/unsupportedProblemType(_:)`` for another kind of model,
    ///   `ModelError` for ids outside the embeddings.
    func evaluationOutputs(_ range: Range<Int>, with tuner: FineTuner) throws
        -> EvaluationOutputs
    /// How many values ``evaluationOutputs(_:with:)`` gives for `range`: what rank 0 checks
    /// each rank's gathered outputs against.
    func evaluationOutputCounts(_ range: Range<Int>, with tuner: FineTuner)
        -> EvaluationOutputs.Counts
    /// The metrics of `outputs`, the ``evaluationOutputs(_:with:)`` of all the examples in
    /// order, as one process computes them.
    /// - Throws: ``TrainingError/unsupportedProblemType(_:)`` for another kind of model.
    func evaluationResult(_ outputs: EvaluationOutputs, with tuner: FineTuner) throws
        -> EvaluationResult
}

extension TrainingExamples {
    /// Evaluates `tuner`'s model on these examples, in this process alone: the outputs of
    /// every example, then their metrics.
    public func evaluate(with tuner: FineTuner) throws -> EvaluationResult {
        try evaluationResult(evaluationOutputs(0..<count, with: tuner), with: tuner)
    }
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

    /// Per batch its summed cross-entropy, per example its `[numLabels]` logits.
    public func evaluationOutputs(_ range: Range<Int>, with tuner: FineTuner) throws
        -> EvaluationOutputs
    {
        try FineTuner.classificationOutputs(
            try tuner.classifier(), on: self, range: range,
            batchSize: tuner.options.evaluationBatchSize,
            activations: tuner.activations as? Activations)
    }

    public func evaluationOutputCounts(_ range: Range<Int>, with tuner: FineTuner)
        -> EvaluationOutputs.Counts
    {
        EvaluationOutputs.Counts(
            batchValues: EvaluationShards.batches(
                in: range, batchSize: tuner.options.evaluationBatchSize),
            rows: range.count * tuner.model.configuration.numLabels)
    }

    /// Mean cross-entropy, accuracy, Matthews correlation, confusion matrix and macro-F1.
    public func evaluationResult(_ outputs: EvaluationOutputs, with tuner: FineTuner) throws
        -> EvaluationResult
    {
        FineTuner.classificationResult(
            outputs, on: self, classes: try tuner.classifier().configuration.numLabels)
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

    /// Per batch its summed cross-entropy and labelled tokens, per window the logits of
    /// each word's first piece
    /// (``TokenClassificationEvaluation/outputs(_:on:windows:batchSize:activations:)``).
    public func evaluationOutputs(_ range: Range<Int>, with tuner: FineTuner) throws
        -> EvaluationOutputs
    {
        try TokenClassificationEvaluation.outputs(
            try Self.model(of: tuner), on: self, windows: range,
            batchSize: tuner.options.evaluationBatchSize,
            activations: tuner.activations as? TokenClassificationActivations)
    }

    public func evaluationOutputCounts(_ range: Range<Int>, with tuner: FineTuner)
        -> EvaluationOutputs.Counts
    {
        EvaluationOutputs.Counts(
            batchValues: 2 * EvaluationShards.batches(
                in: range, batchSize: tuner.options.evaluationBatchSize),
            rows: TokenClassificationEvaluation.firstPieces(in: range, of: self)
                * tuner.model.configuration.numLabels)
    }

    /// Word-level accuracy and seqeval's entity scores (``TokenClassificationEvaluation``);
    /// `accuracy` is the words', `macroF1` the entity types' macro average.
    public func evaluationResult(_ outputs: EvaluationOutputs, with tuner: FineTuner) throws
        -> EvaluationResult
    {
        let model = try Self.model(of: tuner)
        let result = TokenClassificationEvaluation.result(
            outputs, on: self, labelNames: model.configuration.labelNames)
        var evaluation = EvaluationResult(
            loss: result.loss, accuracy: result.accuracy, matthewsCorrelation: 0, confusion: [],
            count: result.predictions.reduce(0) { $0 + $1.count },
            macroF1: result.report.macroAverage.f1)
        evaluation.entities = EntitySummary(result.report)
        return evaluation
    }

    private static func model(of tuner: FineTuner) throws -> BertForTokenClassification {
        guard let model = tuner.model as? BertForTokenClassification else {
            throw TrainingError.unsupportedProblemType(
                "token classification with \(type(of: tuner.model).architecture)")
        }
        return model
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
