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
    /// pass from `dLoss ×` its gradient, ACCUMULATED into `gradients`. The backward pass
    /// reports ``gradientSegments`` to `gradients.readinessObserver` as it finishes them.
    /// - Parameters:
    ///   - activations: From ``makeActivations()`` of this model.
    ///   - gradients: From ``makeGradients()`` of this model.
    ///   - classWeights: Per-class loss weights where the head's loss takes them, else nil.
    /// - Returns: The micro-batch's loss (unscaled).
    func accumulateGradients(
        _ batch: PackedBatch, activations: EncoderActivations, gradients: EncoderGradients,
        dLoss: Float, classWeights: UnsafePointer<Float>?, generator: inout SeededGenerator
    ) -> Float
    /// The denominator of this head's mean loss over `batch`: what the loss divides its sum
    /// by, so that a batch split into parts (data-parallel ranks) weighs each part's mean by
    /// its share of it.
    func lossDenominator(of batch: PackedBatch, classWeights: UnsafePointer<Float>?) -> Double
}

/// The labelled tokens (label not -100) of `batch`: the denominator of a per-token
/// cross-entropy with `ignore_index=-100`.
private func labelledTokens(_ batch: PackedBatch) -> Double {
    var counted = 0
    for label in batch.labels where label != -100 { counted += 1 }
    return Double(counted)
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

    /// The sequences; with class weights, the sum of the labels' weights
    /// (`CrossEntropyLoss(weight=…)`'s weighted mean). MSE and BCE average over the batch's
    /// rows too (per row one value, or `num_labels` of them: the same proportion).
    public func lossDenominator(of batch: PackedBatch, classWeights: UnsafePointer<Float>?)
        -> Double
    {
        guard let classWeights else { return Double(batch.batch) }
        var total = 0.0
        for label in batch.labels { total += Double(classWeights[Int(label)]) }
        return total
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

    /// The labelled tokens: the loss is the mean over the tokens whose label is not -100.
    public func lossDenominator(of batch: PackedBatch, classWeights: UnsafePointer<Float>?)
        -> Double
    {
        labelledTokens(batch)
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

    /// The sequences: the start and end cross-entropies are means over the windows (run_qa's
    /// positions always lie inside their window, so none is ignored).
    public func lossDenominator(of batch: PackedBatch, classWeights: UnsafePointer<Float>?)
        -> Double
    {
        Double(batch.batch)
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

    /// The masked tokens: the loss is the mean over the tokens whose label is not -100.
    public func lossDenominator(of batch: PackedBatch, classWeights: UnsafePointer<Float>?)
        -> Double
    {
        labelledTokens(batch)
    }
}
