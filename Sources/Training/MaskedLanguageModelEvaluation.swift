// swift-bert — training: fine-tuning and evaluating a masked language model.

import BERT
import Foundation

/// A masked language model (transformers' `BertForMaskedLM`) that the fine-tuning loop can
/// train (``FineTunable``, its loss read from per-token labels with -100 where unmasked) and
/// evaluate.
public protocol MaskedLanguageModel: FineTunable {
    /// Runs `batch` in eval mode (no dropout) and gives its loss, as
    /// `BertForMaskedLM(**batch).loss`: the mean cross-entropy over the tokens whose label is
    /// not -100 (NaN when there is none, as `CrossEntropyLoss()` gives), and how many of those
    /// tokens the highest logit predicts (`argmax == label`).
    /// - Parameter activations: From ``FineTunable/makeActivations()`` of this model.
    /// - Throws: `ModelError` for ids outside the embeddings.
    func evaluateMaskedLanguageModeling(_ batch: PackedBatch, activations: EncoderActivations)
        throws -> (loss: Float, correct: Int)
}

/// A masked-language-model evaluation, as `run_mlm.py` reports it.
public struct MaskedLanguageModelingEvaluation: Sendable, Equatable {
    /// `eval_loss` as transformers' `Trainer.evaluate` computes it: each batch's loss (mean
    /// over its masked tokens) counted once per example of the batch, batches whose loss is
    /// not finite (no masked token) left out when another is finite
    /// (`logging_nan_inf_filter`), then the mean.
    public var loss: Double
    /// `exp(loss)` (``perplexity(loss:)``).
    public var perplexity: Double
    /// The share of masked tokens predicted right (`run_mlm.py`'s `compute_metrics`: accuracy
    /// over the labels that are not -100); 0 when no token was masked.
    public var accuracy: Double
    /// Masked tokens over the whole set.
    public var maskedTokens: Int
    /// Examples.
    public var count: Int

    /// `run_mlm.py`'s perplexity: `math.exp(eval_loss)`, infinity where that overflows
    /// (Python's `OverflowError` → `float("inf")`), NaN for a NaN loss.
    public static func perplexity(loss: Double) -> Double {
        exp(loss)
    }
}

extension MaskedLanguageModelingExamples {
    /// Evaluates in order, `batchSize` texts a batch, each masked as in
    /// ``MaskedLanguageModeling/evaluationEpoch``, `batchLoss` giving a batch's mean loss and
    /// correct predictions.
    ///
    /// Unlike the `Trainer`, whose evaluation masks come from the global RNG and change from
    /// one evaluation to the next, every evaluation of these examples sees the same masks.
    /// - Precondition: `batchSize ≥ 1`.
    public func evaluate(
        batchSize: Int, _ batchLoss: (PackedBatch) throws -> (loss: Float, correct: Int)
    ) rethrows -> MaskedLanguageModelingEvaluation {
        evaluation(try outputs(0..<count, batchSize: batchSize, batchLoss))
    }

    /// The outputs of the texts in `range`, `batchSize` a batch from its start, masked as
    /// ``evaluate(batchSize:_:)`` masks them: per batch four values, its mean loss (NaN
    /// without a masked token), its texts, its correct predictions and its masked tokens.
    /// - Precondition: `batchSize ≥ 1`.
    public func outputs(
        _ range: Range<Int>, batchSize: Int,
        _ batchLoss: (PackedBatch) throws -> (loss: Float, correct: Int)
    ) rethrows -> EvaluationOutputs {
        precondition(batchSize >= 1, "evaluate: batchSize must be ≥ 1")
        var batch = PackedBatch()
        var outputs = EvaluationOutputs()
        for batchRange in EvaluationShards.batchRanges(range, batchSize: batchSize) {
            batch.fill(
                from: self, indices: batchRange, epoch: MaskedLanguageModeling.evaluationEpoch)
            let result = try batchLoss(batch)
            let masked = batch.labels.reduce(0) { $0 + ($1 == -100 ? 0 : 1) }
            outputs.batchValues += [
                Double(result.loss), Double(batchRange.count), Double(result.correct),
                Double(masked),
            ]
        }
        return outputs
    }

    /// The loss, perplexity and accuracy of ``outputs(_:batchSize:_:)`` over all the texts:
    /// `Trainer.evaluate`'s mean of the batches' losses, each counted once per text.
    public func evaluation(_ outputs: EvaluationOutputs) -> MaskedLanguageModelingEvaluation {
        precondition(outputs.batchValues.count % 4 == 0, "evaluate: outputs")
        var finiteSum = 0.0
        var finiteCount = 0
        var allSum = 0.0
        var correct = 0
        var masked = 0
        for batch in 0..<(outputs.batchValues.count / 4) {
            let values = outputs.batchValues
            let loss = values[4 * batch]
            let examples = Int(values[4 * batch + 1])
            allSum += loss * Double(examples)
            if loss.isFinite {
                finiteSum += loss * Double(examples)
                finiteCount += examples
            }
            correct += Int(values[4 * batch + 2])
            masked += Int(values[4 * batch + 3])
        }
        let loss =
            finiteCount > 0
            ? finiteSum / Double(finiteCount) : count > 0 ? allSum / Double(count) : .nan
        return MaskedLanguageModelingEvaluation(
            loss: loss, perplexity: MaskedLanguageModelingEvaluation.perplexity(loss: loss),
            accuracy: masked > 0 ? Double(correct) / Double(masked) : 0, maskedTokens: masked,
            count: count)
    }
}

extension MaskedLanguageModelingExamples: TrainingExamples {
    public func length(of index: Int) -> Int { encoded.length(of: index) }

    /// Fills `batch` masked as in ``MaskedLanguageModeling/evaluationEpoch``; training calls
    /// ``fill(_:indices:epoch:)``, which masks anew in every epoch.
    public func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>) {
        batch.fill(from: self, indices: indices, epoch: MaskedLanguageModeling.evaluationEpoch)
    }

    public func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>, epoch: Int) {
        batch.fill(from: self, indices: indices, epoch: epoch)
    }

    /// Checks that `model` is a ``MaskedLanguageModel`` whose embeddings hold every id the
    /// masking can feed it (`[MASK]` and the random ids).
    public func checkLabels(for model: BertPreTrainedModel) throws {
        guard model is MaskedLanguageModel else {
            throw TrainingError.unsupportedProblemType(
                "masked-language-model texts for \(type(of: model).architecture)")
        }
        let rows = model.configuration.vocabSize
        guard masking.vocabularySize <= rows else {
            throw TrainingError.invalidOption(
                name: "vocabulary size", value: "\(masking.vocabularySize)",
                expected: "≤ the model's vocab_size \(rows), so that random ids fit")
        }
    }

    /// Per batch its mean loss, texts, correct predictions and masked tokens
    /// (``outputs(_:batchSize:_:)``).
    public func evaluationOutputs(_ range: Range<Int>, with tuner: FineTuner) throws
        -> EvaluationOutputs
    {
        let model = try Self.model(of: tuner)
        let activations = tuner.activations
        return try outputs(range, batchSize: tuner.options.evaluationBatchSize) { batch in
            try model.validate(batch)
            return try model.evaluateMaskedLanguageModeling(batch, activations: activations)
        }
    }

    public func evaluationOutputCounts(_ range: Range<Int>, with tuner: FineTuner)
        -> EvaluationOutputs.Counts
    {
        EvaluationOutputs.Counts(
            batchValues: 4 * EvaluationShards.batches(
                in: range, batchSize: tuner.options.evaluationBatchSize),
            rows: 0)
    }

    /// The masked-LM loss (``MaskedLanguageModelingEvaluation/loss``, whose `exp` is the
    /// perplexity) and the masked tokens' accuracy; `count` is the number of texts.
    public func evaluationResult(_ outputs: EvaluationOutputs, with tuner: FineTuner) throws
        -> EvaluationResult
    {
        _ = try Self.model(of: tuner)
        let result = evaluation(outputs)
        var evaluation = EvaluationResult(
            loss: result.loss, accuracy: result.accuracy, matthewsCorrelation: 0, confusion: [],
            count: result.count)
        evaluation.perplexity = result.perplexity
        return evaluation
    }

    private static func model(of tuner: FineTuner) throws -> MaskedLanguageModel {
        guard let model = tuner.model as? MaskedLanguageModel else {
            throw TrainingError.unsupportedProblemType(
                "masked language modeling with \(type(of: tuner.model).architecture)")
        }
        return model
    }
}
