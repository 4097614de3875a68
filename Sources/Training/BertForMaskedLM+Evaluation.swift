// swift-bert — training.

import BERT
import Randomness

extension BertForMaskedLM: MaskedLanguageModel {
    /// The eval-mode loss of `batch`'s masked tokens and how many the argmax predicts: the
    /// head runs on the labelled rows only (``MaskedLanguageModelingActivations/selectLabelledRows(_:tokens:)``).
    public func evaluateMaskedLanguageModeling(
        _ batch: PackedBatch, activations: EncoderActivations
    ) throws -> (loss: Float, correct: Int) {
        guard let workspace = activations as? MaskedLanguageModelingActivations else {
            preconditionFailure("evaluateMaskedLanguageModeling: activations of another model")
        }
        workspace.reserve(for: batch)
        workspace.selectLabelledRows(batch.labels, tokens: batch.tokens)
        var unused = SeededGenerator(seed: 0)
        forward(batch, activations: workspace, training: false, generator: &unused)
        guard workspace.predictionCount > 0 else { return (.nan, 0) }
        let loss = loss(activations: workspace)
        let vocabulary = configuration.vocabSize
        let logits = workspace.logits.pointer
        var correct = 0
        for row in 0..<workspace.predictionCount {
            let scores = logits + row * vocabulary
            var best = 0
            for j in 1..<vocabulary where scores[j] > scores[best] { best = j }
            if Int32(best) == workspace.predictionLabels[row] { correct += 1 }
        }
        return (loss, correct)
    }
}
