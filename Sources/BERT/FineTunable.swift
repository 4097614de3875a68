// swift-bert — the BERT model.

import Randomness

/// A task model the training loop can fine-tune without knowing its head: it makes its own
/// workspaces and runs one micro-batch's forward pass, loss and backward pass
/// (`model(**batch).loss.backward()` in PyTorch), the labels read from the batch.
public protocol FineTunable: BertPreTrainedModel {
    /// An empty forward workspace of this model's head type.
    func makeActivations() -> EncoderActivations
    /// A zeroed backward workspace of this model's head type and layout.
    func makeGradients() -> EncoderGradients
    /// One micro-batch: training-mode forward, the loss of `batch`'s labels, and the backward
    /// pass from `dLoss ×` its gradient, ACCUMULATED into `gradients`.
    /// - Parameters:
    ///   - activations: From ``makeActivations()`` of this model.
    ///   - gradients: From ``makeGradients()`` of this model.
    ///   - classWeights: Per-class loss weights where the head's loss takes them, else nil.
    /// - Returns: The micro-batch's loss (unscaled).
    func accumulateGradients(
        _ batch: PackedBatch, activations: EncoderActivations, gradients: EncoderGradients,
        dLoss: Float, classWeights: UnsafePointer<Float>?, generator: inout SeededGenerator
    ) -> Float
}

extension BertForSequenceClassification: FineTunable {
    public func makeActivations() -> EncoderActivations { Activations(configuration: configuration) }
    public func makeGradients() -> EncoderGradients { Gradients(model: self) }

    public func accumulateGradients(
        _ batch: PackedBatch, activations: EncoderActivations, gradients: EncoderGradients,
        dLoss: Float, classWeights: UnsafePointer<Float>?, generator: inout SeededGenerator
    ) -> Float {
        accumulateGradients(
            batch, activations: unsafeDowncast(activations, to: Activations.self),
            gradients: unsafeDowncast(gradients, to: Gradients.self), dLoss: dLoss,
            classWeights: classWeights, generator: &generator)
    }
}

extension BertForTokenClassification: FineTunable {
    public func makeActivations() -> EncoderActivations {
        TokenClassificationActivations(configuration: configuration)
    }
    public func makeGradients() -> EncoderGradients { TokenClassificationGradients(model: self) }

    public func accumulateGradients(
        _ batch: PackedBatch, activations: EncoderActivations, gradients: EncoderGradients,
        dLoss: Float, classWeights: UnsafePointer<Float>?, generator: inout SeededGenerator
    ) -> Float {
        accumulateGradients(
            batch, activations: unsafeDowncast(activations, to: TokenClassificationActivations.self),
            gradients: unsafeDowncast(gradients, to: TokenClassificationGradients.self),
            dLoss: dLoss, generator: &generator)
    }
}

extension BertForQuestionAnswering: FineTunable {
    public func makeActivations() -> EncoderActivations {
        QuestionAnsweringActivations(configuration: configuration)
    }
    public func makeGradients() -> EncoderGradients { QuestionAnsweringGradients(model: self) }

    public func accumulateGradients(
        _ batch: PackedBatch, activations: EncoderActivations, gradients: EncoderGradients,
        dLoss: Float, classWeights: UnsafePointer<Float>?, generator: inout SeededGenerator
    ) -> Float {
        accumulateGradients(
            batch, activations: unsafeDowncast(activations, to: QuestionAnsweringActivations.self),
            gradients: unsafeDowncast(gradients, to: QuestionAnsweringGradients.self),
            dLoss: dLoss, generator: &generator)
    }
}

extension BertForMaskedLM: FineTunable {
    public func makeActivations() -> EncoderActivations {
        MaskedLanguageModelingActivations(configuration: configuration)
    }
    public func makeGradients() -> EncoderGradients { MaskedLanguageModelingGradients(model: self) }

    public func accumulateGradients(
        _ batch: PackedBatch, activations: EncoderActivations, gradients: EncoderGradients,
        dLoss: Float, classWeights: UnsafePointer<Float>?, generator: inout SeededGenerator
    ) -> Float {
        accumulateGradients(
            batch,
            activations: unsafeDowncast(activations, to: MaskedLanguageModelingActivations.self),
            gradients: unsafeDowncast(gradients, to: MaskedLanguageModelingGradients.self),
            dLoss: dLoss, generator: &generator)
    }
}
