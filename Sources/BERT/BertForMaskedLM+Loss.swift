// swift-bert — the BERT model.

import Kernels
import Randomness

extension BertForMaskedLM {
    /// The masked-LM loss transformers' `BertForMaskedLM.forward(labels=…)` returns:
    /// `CrossEntropyLoss()` over `prediction_scores.view(-1, vocab_size)` against
    /// `labels.view(-1)`, the mean over the tokens whose label is not -100 — here over the
    /// rows the head predicted, which are exactly those (nan when there are none, as PyTorch).
    ///
    /// Saves the softmax in `activations` for ``lossGradient(activations:gradients:dLoss:)``.
    public func loss(activations a: MaskedLanguageModelingActivations) -> Float {
        a.predictionLabels.withUnsafeBufferPointer { labels in
            CrossEntropy.forward(
                probabilities: a.probabilities.pointer, logits: a.logits.pointer,
                labels: labels.baseAddress!, classWeights: nil, ignoreIndex: nil,
                batch: a.predictionCount, classes: configuration.vocabSize)
        }
    }

    /// Writes d loss / d logits of ``loss(activations:)`` (call it first) into
    /// `gradients.dLogits`, `[rows, vocab]`, OVERWRITTEN.
    public func lossGradient(
        activations a: MaskedLanguageModelingActivations,
        gradients g: MaskedLanguageModelingGradients, dLoss: Float = 1
    ) {
        g.reservePredictions(like: a)
        guard a.predictionCount > 0 else { return }
        a.predictionLabels.withUnsafeBufferPointer { labels in
            CrossEntropy.backward(
                dLogits: g.dLogits.pointer, probabilities: a.probabilities.pointer,
                labels: labels.baseAddress!, batch: a.predictionCount,
                classes: configuration.vocabSize, dLoss: dLoss)
        }
    }

    /// One micro-batch of a training step (see
    /// ``BertForSequenceClassification/accumulateGradients(_:activations:gradients:dLoss:classWeights:generator:)``),
    /// with `[tokens]` labels in `batch.labels`: the original id of each masked token, -100
    /// elsewhere (DataCollatorForLanguageModeling's labels).
    /// - Returns: The micro-batch's loss (unscaled).
    public func accumulateGradients(
        _ batch: PackedBatch, activations: MaskedLanguageModelingActivations,
        gradients: MaskedLanguageModelingGradients, dLoss: Float, generator: inout SeededGenerator
    ) -> Float {
        activations.reserve(for: batch)
        activations.selectLabelledRows(batch.labels, tokens: batch.tokens)
        forward(batch, activations: activations, training: true, generator: &generator)
        let loss = loss(activations: activations)
        gradients.reserve(for: batch)
        lossGradient(activations: activations, gradients: gradients, dLoss: dLoss)
        backward(batch, activations: activations, gradients: gradients)
        return loss
    }
}
