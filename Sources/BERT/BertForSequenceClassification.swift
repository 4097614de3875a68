// swift-bert — the BERT model.

import Kernels
import Randomness

/// transformers' `BertForSequenceClassification`: the encoder, its pooler and a linear
/// classifier (``SequenceClassificationHead``), with every parameter in one flat buffer.
///
/// The forward pass (``forward(_:activations:training:generator:)``) runs on packed batches;
/// its activations stay in an ``Activations`` workspace for the backward pass.
public final class BertForSequenceClassification: BertPreTrainedModel, @unchecked Sendable {
    /// The pooler and classifier.
    public let head: SequenceClassificationHead

    /// A model with all parameters zero.
    public required init(configuration: BertConfiguration) {
        let table = ParameterTable(configuration: configuration)
        head = SequenceClassificationHead(configuration: configuration, table: table)
        super.init(configuration: configuration, table: table)
    }

    public override class var architecture: String { "BertForSequenceClassification" }
    public override class var optionalTensorPrefixes: [String] { ["bert.pooler.", "classifier."] }
    public override class var resizableTensorPrefixes: [String] { ["classifier."] }

    /// Runs BertForSequenceClassification's forward pass on a packed batch; returns nothing,
    /// leaving every activation (and the logits, `[batch, classes]`) in `activations`.
    ///
    /// Matches transformers' `BertForSequenceClassification.forward` (eval mode when
    /// `training` is false): the encoder (``BertEncoder/forward(_:weights:activations:training:generator:)``),
    /// then the pooler, dropout and classifier
    /// (``SequenceClassificationHead/forward(_:weights:activations:training:generator:)``);
    /// their doc comments name the ops `torch.autocast` runs in bf16 under ``precision``
    /// `.bfloat16`.
    ///
    /// The head reads each sequence's first row only, so by default the last layer computes
    /// no other row past its attention (``EncoderOutputRows/firstTokens``; the logits and
    /// gradients are the full pass's); `rows: .all` keeps the whole `last_hidden_state` in
    /// `activations.sequenceOutput`, for a caller that reads it.
    /// - Precondition: `input` passed ``validate(_:)``.
    public func forward(
        _ input: PackedBatch, activations: Activations, training: Bool,
        generator: inout SeededGenerator, rows: EncoderOutputRows = .firstTokens
    ) {
        let w = weights
        encoder.forward(
            input, weights: w, activations: activations, training: training, generator: &generator,
            rows: rows)
        head.forward(
            input, weights: w, activations: activations, training: training, generator: &generator)
    }

    /// Runs BertForSequenceClassification's backward pass on the batch of the last
    /// ``forward(_:activations:training:generator:)``, ACCUMULATING (`+=`) the gradient of
    /// every trainable parameter into `gradients.parameters`: what `loss.backward()` computes
    /// for transformers' model given `dLogits` (see
    /// ``lossGradient(labels:activations:dLogits:dLoss:)``), head first
    /// (``SequenceClassificationHead/backward(_:weights:activations:dLogits:gradients:encoderTrains:)``),
    /// then the encoder (``BertEncoder/backward(_:weights:activations:gradients:freezing:)``).
    ///
    /// The caller zeroes `gradients` between optimizer steps (``EncoderGradients/zero()``);
    /// calls in between add up, as PyTorch's gradient accumulation does. The result is the
    /// same bits for the same thread count.
    /// - Complexity: About twice the forward pass's work.
    public func backward(
        _ input: PackedBatch, activations: Activations, dLogits: UnsafePointer<Float>,
        gradients: Gradients
    ) {
        checkBackward(input, activations: activations, gradients: gradients)
        let w = weights
        head.backward(
            input, weights: w, activations: activations, dLogits: dLogits, gradients: gradients,
            encoderTrains: freezing != .encoder)
        gradients.reportReady(encoder.headRange)
        encoder.backward(
            input, weights: w, activations: activations, gradients: gradients, freezing: freezing)
    }

    /// The logits of `input`, `[batch][classes]`, in eval mode (no dropout).
    /// - Throws: ``ModelError/invalidInput(_:)`` when an id or a length is out of range.
    public func logits(for input: PackedBatch, activations: Activations? = nil) throws -> [[Float]]
    {
        try validate(input)
        let workspace = activations ?? Activations(configuration: configuration)
        var unused = SeededGenerator(seed: 0)
        forward(input, activations: workspace, training: false, generator: &unused)
        let classes = configuration.numLabels
        return (0..<input.batch).map { row in
            workspace.logits.array((row * classes)..<((row + 1) * classes))
        }
    }
}
