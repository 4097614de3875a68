// swift-bert — training.

import BERT
import Datasets
import Randomness

extension FineTuner {
    /// Evaluates the model (a sequence classifier) on `examples` with this fine-tuner's
    /// workspace, in this process alone (``evaluateSharded(_:)`` shares it between ranks).
    /// - Throws: ``TrainingError/unsupportedProblemType(_:)`` for another model.
    public func evaluate(_ examples: EncodedExamples) throws -> EvaluationResult {
        try Self.evaluate(
            try classifier(), on: examples, batchSize: options.evaluationBatchSize,
            activations: activations as? Activations)
    }

    /// The model as a sequence classifier.
    /// - Throws: ``TrainingError/unsupportedProblemType(_:)`` for another model.
    func classifier() throws -> BertForSequenceClassification {
        guard let classifier = model as? BertForSequenceClassification else {
            throw TrainingError.unsupportedProblemType(
                "sequence examples with \(type(of: model).architecture)")
        }
        return classifier
    }

    /// Evaluates `model` in eval mode (no dropout) on `examples`, in order, `batchSize` at a
    /// time: mean cross-entropy over the examples, accuracy, Matthews correlation and the
    /// confusion matrix of the argmax predictions.
    /// - Throws: ``TrainingError/labelOutOfRange(label:classes:)``, `ModelError` for ids
    ///   outside the embeddings.
    public static func evaluate(
        _ model: BertForSequenceClassification, on examples: EncodedExamples,
        batchSize: Int = 32, activations: Activations? = nil
    ) throws -> EvaluationResult {
        let outputs = try classificationOutputs(
            model, on: examples, range: 0..<examples.count, batchSize: batchSize,
            activations: activations)
        return classificationResult(
            outputs, on: examples, classes: model.configuration.numLabels)
    }

    /// The eval-mode outputs of `examples[range]`, `batchSize` at a time from the range's
    /// start: per batch its summed cross-entropy (`loss × examples`, one value), per example
    /// its `[numLabels]` logits.
    /// - Throws: ``TrainingError/labelOutOfRange(label:classes:)``, `ModelError` for ids
    ///   outside the embeddings.
    static func classificationOutputs(
        _ model: BertForSequenceClassification, on examples: EncodedExamples, range: Range<Int>,
        batchSize: Int, activations: Activations?
    ) throws -> EvaluationOutputs {
        precondition(batchSize >= 1, "evaluate: batchSize must be ≥ 1")
        let classes = model.configuration.numLabels
        try examples.checkLabels(for: model)
        let activations = activations ?? Activations(configuration: model.configuration)
        var unused = SeededGenerator(seed: 0)
        var batch = PackedBatch()
        var outputs = EvaluationOutputs()
        outputs.rows.reserveCapacity(range.count * classes)
        for batchRange in EvaluationShards.batchRanges(range, batchSize: batchSize) {
            batch.fill(from: examples, indices: batchRange)
            try model.validate(batch)
            model.forward(batch, activations: activations, training: false, generator: &unused)
            let loss = model.loss(labels: batch.labels, activations: activations)
            outputs.batchValues.append(Double(loss) * Double(batchRange.count))
            outputs.rows += activations.logits.array(0..<(batchRange.count * classes))
        }
        return outputs
    }

    /// The metrics of ``classificationOutputs(_:on:range:batchSize:activations:)`` over all
    /// of `examples`: the losses summed in batch order, the argmax of each logits row (the
    /// first on a tie, as `torch.argmax`).
    static func classificationResult(
        _ outputs: EvaluationOutputs, on examples: EncodedExamples, classes: Int
    ) -> EvaluationResult {
        precondition(outputs.rows.count == examples.count * classes, "evaluate: outputs")
        let predictions = argmaxRows(outputs.rows[...], classes: classes)
        let labels = examples.labels.map(Int.init)
        let lossSum = outputs.batchValues.reduce(0, +)
        let confusion = Metrics.confusionMatrix(
            predictions: predictions, labels: labels, classes: classes)
        return EvaluationResult(
            loss: examples.count > 0 ? lossSum / Double(examples.count) : 0,
            accuracy: Metrics.accuracy(predictions: predictions, labels: labels),
            matthewsCorrelation: Metrics.matthewsCorrelation(confusion: confusion),
            confusion: confusion, count: examples.count,
            macroF1: Metrics.macroF1(confusion: confusion))
    }

    /// The Matthews correlation of each evaluation batch of `examples` (the tutorial's
    /// per-batch MCC chart) from the outputs of an evaluation over all of them, `batchSize`
    /// examples a batch: each batch's figure as evaluating that batch alone gives it.
    public static func batchMatthewsCorrelations(
        _ outputs: EvaluationOutputs, on examples: EncodedExamples, classes: Int, batchSize: Int
    ) -> [Double] {
        precondition(outputs.rows.count == examples.count * classes, "evaluate: outputs")
        let predictions = argmaxRows(outputs.rows[...], classes: classes)
        return EvaluationShards.batchRanges(0..<examples.count, batchSize: batchSize).map {
            let confusion = Metrics.confusionMatrix(
                predictions: Array(predictions[$0]),
                labels: examples.labels[$0].map(Int.init), classes: classes)
            return Metrics.matthewsCorrelation(confusion: confusion)
        }
    }

    /// The index of each row's largest value (the first of equal ones).
    static func argmaxRows(_ rows: ArraySlice<Float>, classes: Int) -> [Int] {
        let base = rows.startIndex
        return (0..<(rows.count / classes)).map { row in
            let start = base + row * classes
            var best = 0
            for j in 1..<classes where rows[start + j] > rows[start + best] { best = j }
            return best
        }
    }
}
