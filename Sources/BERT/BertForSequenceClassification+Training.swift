// swift-bert — the BERT model.

import Kernels
import Randomness

extension BertForSequenceClassification {
    /// One micro-batch of a training step, as `loss = model(**batch).loss; (loss * dLoss).backward()`
    /// does in PyTorch: a training-mode forward pass (dropout masks from `generator`), the
    /// loss of the batch's labels, and the backward pass from `dLoss ×` its gradient,
    /// ACCUMULATED into `gradients` (gradient accumulation sums micro-batches before one
    /// update, with `dLoss = 1 / micro-batches`, HF Trainer's scaling).
    ///
    /// Allocates nothing once the workspaces hold a batch this large.
    /// - Parameters:
    ///   - batch: The micro-batch, already checked by ``validate(_:)``, with `[batch]` class
    ///     ids in `labels` (single-label classification) or float `targets` (regression:
    ///     `[batch]`; multi-label: `[batch, num_labels]`), as ``effectiveProblemType`` says.
    ///   - dLoss: The scale of this micro-batch's loss in the objective.
    ///   - classWeights: Single-label only: `CrossEntropyLoss(weight=…)`'s `[num_labels]`.
    /// - Returns: The micro-batch's loss (unscaled).
    public func accumulateGradients(
        _ batch: PackedBatch, activations: Activations, gradients: Gradients, dLoss: Float,
        classWeights: UnsafePointer<Float>? = nil, generator: inout SeededGenerator
    ) -> Float {
        forward(batch, activations: activations, training: true, generator: &generator)
        gradients.reserve(for: batch)
        let dLogits = gradients.dLogits.pointer
        let loss: Float
        if effectiveProblemType == .singleLabelClassification {
            loss = self.loss(
                labels: batch.labels, activations: activations, classWeights: classWeights)
            lossGradient(
                labels: batch.labels, activations: activations, dLogits: dLogits, dLoss: dLoss,
                classWeights: classWeights)
        } else {
            loss = self.loss(targets: batch.targets, activations: activations)
            lossGradient(
                targets: batch.targets, activations: activations, dLogits: dLogits, dLoss: dLoss)
        }
        backward(
            batch, activations: activations, dLogits: gradients.dLogits.pointer,
            gradients: gradients)
        return loss
    }
}
