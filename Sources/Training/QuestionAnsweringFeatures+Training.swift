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

    /// The SQuAD scores of the post-processed answers and the span loss of the windows.
    public func evaluate(with tuner: FineTuner) throws -> EvaluationResult {
        guard let model = tuner.model as? BertForQuestionAnswering else {
            throw TrainingError.unsupportedProblemType(
                "question answering with \(type(of: tuner.model).architecture)")
        }
        let result = try QuestionAnsweringEvaluation.evaluate(
            model, on: self, batchSize: tuner.options.evaluationBatchSize,
            activations: tuner.activations as? QuestionAnsweringActivations)
        var evaluation = EvaluationResult(
            loss: result.loss, accuracy: result.summary.exactMatch / 100, matthewsCorrelation: 0,
            confusion: [], count: examples.count)
        evaluation.questionAnswering = result.summary
        return evaluation
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
        precondition(batchSize >= 1, "evaluate: batchSize must be ≥ 1")
        let activations = activations ?? QuestionAnsweringActivations(configuration: model.configuration)
        var unused = SeededGenerator(seed: 0)
        var batch = PackedBatch()
        var features: [SquadFeature] = []
        features.reserveCapacity(set.count)
        var lossSum = 0.0
        var lossCount = 0
        var start = 0
        while start < set.count {
            let end = min(start + batchSize, set.count)
            batch.fill(from: set.features, indices: start..<end)
            try model.validate(batch)
            model.forward(batch, activations: activations, training: false, generator: &unused)
            let loss = model.loss(
                positions: batch.labels, sequenceOffsets: batch.sequenceOffsets,
                activations: activations)
            if loss.isFinite {
                lossSum += Double(loss) * Double(end - start)
                lossCount += end - start
            }
            for sequence in 0..<batch.batch {
                let rows = Int(batch.sequenceOffsets[sequence])..<Int(batch.sequenceOffsets[sequence + 1])
                let feature = start + sequence
                features.append(
                    SquadFeature(
                        exampleIndex: set.features.example(of: feature),
                        startLogits: activations.startLogits.array(rows),
                        endLogits: activations.endLogits.array(rows),
                        offsets: set.features.contextOffsets(of: feature)))
            }
            start = end
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
