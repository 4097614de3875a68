// swift-bert — the BERT model.

import Kernels
import Randomness

extension BertForTokenClassification {
    /// The mean cross-entropy of the per-token logits against `labels`, as the `loss`
    /// transformers' `BertForTokenClassification.forward(labels=…)` returns:
    /// `CrossEntropyLoss()` (its default `ignore_index=-100`) over `logits.view(-1, num_labels)`,
    /// the mean over the tokens whose label is not -100 (NaN when every label is -100, as
    /// PyTorch gives).
    ///
    /// Saves the softmax in `activations.probabilities` for
    /// ``lossGradient(labels:activations:dLogits:dLoss:)``.
    /// - Parameters:
    ///   - labels: `[tokens]` class ids in `0..<num_labels`, or -100.
    ///   - activations: Filled by the forward pass on the batch.
    public func loss(labels: [Int32], activations a: TokenClassificationActivations) -> Float {
        precondition(labels.count <= a.tokenCapacity, "loss: more labels than tokens")
        return labels.withUnsafeBufferPointer { labels in
            guard let base = labels.baseAddress else { return 0 }
            return CrossEntropy.forward(
                probabilities: a.probabilities.pointer, logits: a.logits.pointer, labels: base,
                classWeights: nil, ignoreIndex: -100, batch: labels.count,
                classes: configuration.numLabels)
        }
    }

    /// Writes d loss / d logits of ``loss(labels:activations:)`` (call it first), `[tokens,
    /// classes]`, OVERWRITTEN: zero on ignored tokens.
    public func lossGradient(
        labels: [Int32], activations a: TokenClassificationActivations,
        dLogits: UnsafeMutablePointer<Float>, dLoss: Float = 1
    ) {
        labels.withUnsafeBufferPointer { labels in
            guard let base = labels.baseAddress else { return }
            CrossEntropy.backward(
                dLogits: dLogits, probabilities: a.probabilities.pointer, labels: base,
                classWeights: nil, ignoreIndex: -100, batch: labels.count,
                classes: configuration.numLabels, dLoss: dLoss)
        }
    }

    /// One micro-batch of a training step (see
    /// ``BertForSequenceClassification/accumulateGradients(_:activations:gradients:dLoss:generator:)``),
    /// with `[tokens]` labels in `batch.labels`.
    /// - Returns: The micro-batch's loss (unscaled).
    public func accumulateGradients(
        _ batch: PackedBatch, activations: TokenClassificationActivations,
        gradients: TokenClassificationGradients, dLoss: Float, generator: inout SeededGenerator
    ) -> Float {
        forward(batch, activations: activations, training: true, generator: &generator)
        let loss = loss(labels: batch.labels, activations: activations)
        gradients.reserve(for: batch)
        lossGradient(
            labels: batch.labels, activations: activations, dLogits: gradients.dLogits.pointer,
            dLoss: dLoss)
        backward(
            batch, activations: activations, dLogits: gradients.dLogits.pointer,
            gradients: gradients)
        return loss
    }
}
