// swift-bert — training: question-answering windows as a training set.

import BERT
import Datasets
import Randomness

/// SQuAD examples with their windows (features): what `run_qa.py` trains on (the windows and
/// their answer positions, two labels per sequence in a batch, `[start0, end0, start1, end1,
/// …]`) and evaluates on (the windows' logits post-processed into one answer per question,
/// scored against the gold answers by the official SQuAD metric).
public struct QuestionAnsweringSet: Sendable {
    /// The questions, contexts and gold answers.
    public var examples: [QuestionAnsweringExample]
    /// Their windows, in example order.
    public var features: QuestionAnsweringFeatures
    /// How evaluation turns logits into answers (`version_2_with_negative`, n-best, …).
    public var postprocessing: SquadPostprocessingOptions

    public init(
        examples: [QuestionAnsweringExample], features: QuestionAnsweringFeatures,
        postprocessing: SquadPostprocessingOptions = .init()
    ) {
        self.examples = examples
        self.features = features
        self.postprocessing = postprocessing
    }
}

extension QuestionAnsweringSet: TrainingExamples {
    /// The number of windows.
    public var count: Int { features.count }

    public func length(of index: Int) -> Int { features.encoded.length(of: index) }

    public func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>) {
        batch.fill(from: features, indices: indices)
    }

    /// The model must be a ``BertForQuestionAnswering``: a start and an end logit per token.
    /// The positions themselves lie inside their windows by construction.
    public func checkLabels(for model: BertPreTrainedModel) throws {
        guard model is BertForQuestionAnswering else {
            throw TrainingError.unsupportedProblemType(
                "answer spans for \(type(of: model).architecture)")
        }
    }

    /// Per batch its summed span loss and windows (both 0 when the loss is not finite), per
    /// window its start logits then its end logits
    /// (``QuestionAnsweringEvaluation/outputs(_:on:features:batchSize:activations:)``).
    public func evaluationOutputs(_ range: Range<Int>, with tuner: FineTuner) throws
        -> EvaluationOutputs
    {
        try QuestionAnsweringEvaluation.outputs(
            try Self.model(of: tuner), on: self, features: range,
            batchSize: tuner.options.evaluationBatchSize,
            activations: tuner.activations as? QuestionAnsweringActivations)
    }

    public func evaluationOutputCounts(_ range: Range<Int>, with tuner: FineTuner)
        -> EvaluationOutputs.Counts
    {
        let encoded = features.encoded
        return EvaluationOutputs.Counts(
            batchValues: 2 * EvaluationShards.batches(
                in: range, batchSize: tuner.options.evaluationBatchSize),
            rows: 2 * (encoded.offsets[range.upperBound] - encoded.offsets[range.lowerBound]))
    }

    /// The SQuAD scores of the post-processed answers and the span loss of the windows.
    public func evaluationResult(_ outputs: EvaluationOutputs, with tuner: FineTuner) throws
        -> EvaluationResult
    {
        _ = try Self.model(of: tuner)
        let result = QuestionAnsweringEvaluation.result(outputs, on: self)
        var evaluation = EvaluationResult(
            loss: result.loss, accuracy: result.summary.exactMatch / 100, matthewsCorrelation: 0,
            confusion: [], count: examples.count)
        evaluation.questionAnswering = result.summary
        return evaluation
    }

    private static func model(of tuner: FineTuner) throws -> BertForQuestionAnswering {
        guard let model = tuner.model as? BertForQuestionAnswering else {
            throw TrainingError.unsupportedProblemType(
                "question answering with \(type(of: tuner.model).architecture)")
        }
        return model
    }
}

/// `run_qa.py`'s evaluation: the model in eval mode on every window, `postprocess_qa_predictions`
/// (``SquadPostprocessing``) for one answer per question, then the official SQuAD v1.1 or
/// v2.0 evaluation (``SquadMetrics``), v2.0 when the post-processing lets questions go
/// unanswered.
public enum QuestionAnsweringEvaluation {
    /// What one evaluation gives.
    public struct Result: Sendable {
        /// The mean span loss of the windows (each window's first-answer positions, as
        /// training labels them; windows of ignored positions left out).
        public var loss: Double
        /// One prediction per example, with its n-best list.
        public var predictions: [SquadPrediction]
        public var summary: QuestionAnsweringSummary
    }

    /// Evaluates `model` on `set`, `batchSize` windows at a time, in order.
    /// - Throws: `ModelError` for ids outside the embeddings.
    public static func evaluate(
        _ model: BertForQuestionAnswering, on set: QuestionAnsweringSet, batchSize: Int = 32,
        activations: QuestionAnsweringActivations? = nil
    ) throws -> Result {
        result(
            try outputs(
                model, on: set, features: 0..<set.count, batchSize: batchSize,
                activations: activations),
            on: set)
    }

    /// The eval-mode outputs of `set`'s windows in `features`, `batchSize` at a time from
    /// its start: per batch two values, its summed span loss (`loss × windows`) and its
    /// windows, both 0 when the loss is not finite; per window, the start logit of each of
    /// its tokens, then the end logit of each.
    /// - Throws: `ModelError` for ids outside the embeddings.
    public static func outputs(
        _ model: BertForQuestionAnswering, on set: QuestionAnsweringSet, features: Range<Int>,
        batchSize: Int, activations: QuestionAnsweringActivations? = nil
    ) throws -> EvaluationOutputs {
        precondition(batchSize >= 1, "evaluate: batchSize must be ≥ 1")
        let activations = activations ?? QuestionAnsweringActivations(configuration: model.configuration)
        var unused = SeededGenerator(seed: 0)
        var batch = PackedBatch()
        var outputs = EvaluationOutputs()
        for batchRange in EvaluationShards.batchRanges(features, batchSize: batchSize) {
            batch.fill(from: set.features, indices: batchRange)
            try model.validate(batch)
            model.forward(batch, activations: activations, training: false, generator: &unused)
            let loss = model.loss(
                positions: batch.labels, sequenceOffsets: batch.sequenceOffsets,
                activations: activations)
            let windows = Double(batchRange.count)
            outputs.batchValues += loss.isFinite ? [Double(loss) * windows, windows] : [0, 0]
            for sequence in 0..<batch.batch {
                let rows = Int(batch.sequenceOffsets[sequence])..<Int(batch.sequenceOffsets[sequence + 1])
                outputs.rows += activations.startLogits.array(rows)
                outputs.rows += activations.endLogits.array(rows)
            }
        }
        return outputs
    }

    /// The answers and scores of ``outputs(_:on:features:batchSize:activations:)`` over all
    /// of `set`'s windows: the loss sums added in batch order, `postprocess_qa_predictions`
    /// on every window's logits, then the official evaluation.
    public static func result(_ outputs: EvaluationOutputs, on set: QuestionAnsweringSet)
        -> Result
    {
        let encoded = set.features.encoded
        precondition(
            outputs.rows.count == 2 * encoded.offsets[set.count]
                && outputs.batchValues.count % 2 == 0, "evaluate: outputs")
        var lossSum = 0.0
        var lossCount = 0
        let values = outputs.batchValues
        for batch in 0..<(values.count / 2) where values[2 * batch + 1] > 0 {
            lossSum += values[2 * batch]
            lossCount += Int(values[2 * batch + 1])
        }
        var features: [SquadFeature] = []
        features.reserveCapacity(set.count)
        var row = 0
        for feature in 0..<set.count {
            let length = encoded.length(of: feature)
            features.append(
                SquadFeature(
                    exampleIndex: set.features.example(of: feature),
                    startLogits: Array(outputs.rows[row..<(row + length)]),
                    endLogits: Array(outputs.rows[(row + length)..<(row + 2 * length)]),
                    offsets: set.features.contextOffsets(of: feature)))
            row += 2 * length
        }
        let predictions = SquadPostprocessing.predictions(
            contexts: set.examples.map(\.context), features: features,
            options: set.postprocessing)
        let answers = set.examples.map { $0.answers.map(\.text) }
        let texts = predictions.map(\.text)
        let summary: QuestionAnsweringSummary
        if set.postprocessing.versionTwoWithNegative {
            let scores = SquadMetrics.version2(predictions: texts, answers: answers)
            summary = QuestionAnsweringSummary(
                exactMatch: scores.overall.exact, f1: scores.overall.f1,
                total: scores.overall.total, hasAnswer: scores.hasAnswer.map(Self.split),
                noAnswer: scores.noAnswer.map(Self.split))
        } else {
            let scores = SquadMetrics.version1(predictions: texts, answers: answers)
            summary = QuestionAnsweringSummary(
                exactMatch: scores.exact, f1: scores.f1, total: scores.total)
        }
        return Result(
            loss: lossCount > 0 ? lossSum / Double(lossCount) : .nan, predictions: predictions,
            summary: summary)
    }

    private static func split(_ scores: SquadScores) -> QuestionAnsweringSummary.Split {
        .init(exactMatch: scores.exact, f1: scores.f1, total: scores.total)
    }
}
