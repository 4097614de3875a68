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
        precondition(labelNames.count == model.configuration.numLabels, "evaluate: label names")
        let outputs = try self.outputs(
            model, on: examples, windows: 0..<examples.count, batchSize: batchSize,
            activations: activations)
        return result(outputs, on: examples, labelNames: labelNames)
    }

    /// The eval-mode outputs of `examples`' windows in `windows`, `batchSize` at a time from
    /// its start: per batch two values, its summed cross-entropy (`loss × labelled tokens`,
    /// 0 without any) and its labelled tokens; per window, the `[numLabels]` logits of each
    /// word's first piece, in token order.
    /// - Throws: `ModelError` for ids outside the embeddings.
    public static func outputs(
        _ model: BertForTokenClassification, on examples: TokenClassificationExamples,
        windows: Range<Int>, batchSize: Int, activations: TokenClassificationActivations? = nil
    ) throws -> EvaluationOutputs {
        precondition(batchSize >= 1, "evaluate: batchSize must be ≥ 1")
        let classes = model.configuration.numLabels
        let activations =
            activations ?? TokenClassificationActivations(configuration: model.configuration)
        var unused = SeededGenerator(seed: 0)
        var batch = PackedBatch()
        var outputs = EvaluationOutputs()
        outputs.rows.reserveCapacity(firstPieces(in: windows, of: examples) * classes)
        for batchRange in EvaluationShards.batchRanges(windows, batchSize: batchSize) {
            batch.fill(from: examples, indices: batchRange)
            try model.validate(batch)
            model.forward(batch, activations: activations, training: false, generator: &unused)
            let batchLabelled = batch.labels.reduce(0) { $0 + ($1 == -100 ? 0 : 1) }
            let loss =
                batchLabelled > 0
                ? Double(model.loss(labels: batch.labels, activations: activations))
                    * Double(batchLabelled) : 0
            outputs.batchValues += [loss, Double(batchLabelled)]
            let logits = activations.logits.pointer
            for window in batchRange {
                let first = examples.encoded.offsets[window]
                let row0 = Int(batch.sequenceOffsets[window - batchRange.lowerBound])
                for position in 0..<examples.encoded.length(of: window)
                where examples.firstPieces[first + position] {
                    outputs.rows.append(
                        contentsOf: UnsafeBufferPointer(
                            start: logits + (row0 + position) * classes, count: classes))
                }
            }
        }
        return outputs
    }

    /// The number of words' first pieces in `windows` (each gives one logits row).
    public static func firstPieces(
        in windows: Range<Int>, of examples: TokenClassificationExamples
    ) -> Int {
        let offsets = examples.encoded.offsets
        let tokens = offsets[windows.lowerBound]..<offsets[windows.upperBound]
        return examples.firstPieces[tokens].reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    /// The scores of ``outputs(_:on:windows:batchSize:activations:)`` over all the windows
    /// of `examples`: the loss sums added in batch order, each word's argmax from its best
    /// window, seqeval's report on the word tags.
    /// - Parameter labelNames: The tag of each label id (`id2label`).
    public static func result(
        _ outputs: EvaluationOutputs, on examples: TokenClassificationExamples,
        labelNames: [String]
    ) -> TokenClassificationResult {
        let classes = labelNames.count
        precondition(
            outputs.rows.count == firstPieces(in: 0..<examples.count, of: examples) * classes
                && outputs.batchValues.count % 2 == 0, "evaluate: outputs")
        let counts = examples.wordCounts
        var predicted = counts.map { [Int](repeating: 0, count: $0) }
        var gold = counts.map { [Int](repeating: 0, count: $0) }
        // The context of the piece each word's prediction came from, to keep the best window.
        var context = counts.map { [Int](repeating: -1, count: $0) }
        var lossSum = 0.0
        var labelled = 0
        for batch in 0..<(outputs.batchValues.count / 2) {
            let batchLabelled = Int(outputs.batchValues[2 * batch + 1])
            if batchLabelled > 0 {
                lossSum += outputs.batchValues[2 * batch]
                labelled += batchLabelled
            }
        }
        var row = 0
        for window in 0..<examples.count {
            let sentence = examples.sentence(of: window)
            let first = examples.encoded.offsets[window]
            let length = examples.encoded.length(of: window)
            for position in 0..<length where examples.firstPieces[first + position] {
                let word = Int(examples.wordIDs[first + position])
                let here = min(position - 1, length - 2 - position)
                gold[sentence][word] = Int(examples.tokenLabels[first + position])
                let start = row * classes
                row += 1
                guard here > context[sentence][word] else { continue }
                context[sentence][word] = here
                var best = 0
                for j in 1..<classes where outputs.rows[start + j] > outputs.rows[start + best] {
                    best = j
                }
                predicted[sentence][word] = best
            }
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
