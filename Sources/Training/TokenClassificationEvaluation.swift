// swift-bert — training.

import BERT
import Datasets
import Randomness

/// A token-classification model's results on tagged sentences, word by word.
public struct TokenClassificationResult: Sendable {
    /// The mean cross-entropy over every labelled token (each word's first piece).
    public var loss: Double
    /// Entity-level precision, recall and F1 per type and averaged, as seqeval's
    /// `classification_report` computes them on the predicted and true word tags.
    public var report: EntityReport
    /// The fraction of words whose tag is right (seqeval's `accuracy_score`).
    public var accuracy: Double
    /// Each sentence's predicted tags, one per word that has a word piece.
    public var predictions: [[String]]
}

/// Evaluation of a ``BertForTokenClassification`` as transformers' token-classification
/// example does it (`run_ner.py`'s `compute_metrics`): the argmax label of each word's first
/// piece (other pieces are -100 and ignored), mapped to tag names, scored with seqeval.
///
/// A word whose first piece lies in several overlapping windows takes its prediction from
/// the window where that piece has the most context on its shorter side (the earlier window
/// on a tie).
public enum TokenClassificationEvaluation {
    /// Evaluates `model` in eval mode on `examples`, `batchSize` windows at a time.
    /// - Parameter labelNames: The tag of each label id (`id2label`).
    /// - Throws: `ModelError` for ids outside the embeddings.
    public static func evaluate(
        _ model: BertForTokenClassification, on examples: TokenClassificationExamples,
        labelNames: [String], batchSize: Int = 32,
        activations: TokenClassificationActivations? = nil
    ) throws -> TokenClassificationResult {
        precondition(batchSize >= 1, "evaluate: batchSize must be ≥ 1")
        precondition(labelNames.count == model.configuration.numLabels, "evaluate: label names")
        let classes = model.configuration.numLabels
        let activations =
            activations ?? TokenClassificationActivations(configuration: model.configuration)
        let counts = examples.wordCounts
        var predicted = counts.map { [Int](repeating: 0, count: $0) }
        var gold = counts.map { [Int](repeating: 0, count: $0) }
        // The context of the piece each word's prediction came from, to keep the best window.
        var context = counts.map { [Int](repeating: -1, count: $0) }
        var unused = SeededGenerator(seed: 0)
        var batch = PackedBatch()
        var lossSum = 0.0
        var labelled = 0
        var start = 0
        while start < examples.count {
            let end = min(start + batchSize, examples.count)
            batch.fill(from: examples, indices: start..<end)
            try model.validate(batch)
            model.forward(batch, activations: activations, training: false, generator: &unused)
            let batchLabelled = batch.labels.reduce(0) { $0 + ($1 == -100 ? 0 : 1) }
            if batchLabelled > 0 {
                lossSum += Double(model.loss(labels: batch.labels, activations: activations))
                    * Double(batchLabelled)
                labelled += batchLabelled
            }
            let logits = activations.logits.pointer
            for window in start..<end {
                let sentence = examples.sentence(of: window)
                let first = examples.encoded.offsets[window]
                let length = examples.encoded.length(of: window)
                let row0 = Int(batch.sequenceOffsets[window - start])
                for position in 0..<length where examples.firstPieces[first + position] {
                    let word = Int(examples.wordIDs[first + position])
                    let here = min(position - 1, length - 2 - position)
                    gold[sentence][word] = Int(examples.tokenLabels[first + position])
                    guard here > context[sentence][word] else { continue }
                    context[sentence][word] = here
                    let row = logits + (row0 + position) * classes
                    var best = 0
                    for j in 1..<classes where row[j] > row[best] { best = j }
                    predicted[sentence][word] = best
                }
            }
            start = end
        }
        // Words without a piece (empty after normalization) have no prediction and, as in
        // run_ner.py, no place in either sequence.
        let seen = context.map { $0.map { $0 >= 0 } }
        let predictedTags = zip(predicted, seen).map { words, seen in
            zip(words, seen).filter(\.1).map { labelNames[$0.0] }
        }
        let goldTags = zip(gold, seen).map { words, seen in
            zip(words, seen).filter(\.1).map { labelNames[$0.0] }
        }
        return TokenClassificationResult(
            loss: labelled > 0 ? lossSum / Double(labelled) : 0,
            report: EntityMetrics.classificationReport(predictions: predictedTags, labels: goldTags),
            accuracy: EntityMetrics.accuracy(predictions: predictedTags, labels: goldTags),
            predictions: predictedTags)
    }
}
