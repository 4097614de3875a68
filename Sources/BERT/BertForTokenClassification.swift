// swift-bert — the BERT model.

import Kernels
import Randomness

/// transformers' `BertForTokenClassification`: the encoder (no pooler: `add_pooling_layer=False`)
/// and a linear classifier on every token (``TokenClassificationHead``), for named-entity
/// recognition and other tagging tasks. Tensor names and layout are transformers' own
/// (`bert.*`, `classifier.*`), so a saved folder loads there.
public final class BertForTokenClassification: BertPreTrainedModel, @unchecked Sendable {
    /// The per-token classifier.
    public let head: TokenClassificationHead

    /// A model with all parameters zero.
    public required init(configuration: BertConfiguration) {
        let table = ParameterTable(
            tensors: BertEncoder.tensorShapes(configuration)
                + TokenClassificationHead.tensorShapes(configuration))
        head = TokenClassificationHead(configuration: configuration, table: table)
        super.init(configuration: configuration, table: table)
    }

    public override class var architecture: String { "BertForTokenClassification" }
    public override class var optionalTensorPrefixes: [String] { ["classifier."] }
    public override class var resizableTensorPrefixes: [String] { ["classifier."] }

    /// Runs BertForTokenClassification's forward pass on a packed batch, leaving every
    /// activation (and the logits, `[tokens, classes]`) in `activations`: the encoder
    /// (``BertEncoder/forward(_:weights:activations:training:generator:)``), then dropout and
    /// the classifier on every token.
    /// - Precondition: `input` passed ``validate(_:)``.
    public func forward(
        _ input: PackedBatch, activations: TokenClassificationActivations, training: Bool,
        generator: inout SeededGenerator
    ) {
        let w = weights
        encoder.forward(
            input, weights: w, activations: activations, training: training, generator: &generator)
        head.forward(
            input, weights: w, activations: activations, training: training, generator: &generator)
    }

    /// The backward pass from `dLogits` (`[tokens, classes]`), ACCUMULATING every trainable
    /// parameter's gradient into `gradients` (see
    /// ``BertForSequenceClassification/backward(_:activations:dLogits:gradients:)``).
    public func backward(
        _ input: PackedBatch, activations: TokenClassificationActivations,
        dLogits: UnsafePointer<Float>, gradients: TokenClassificationGradients
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

    /// The logits of every token of `input`, `[tokens][classes]`, in eval mode.
    /// - Throws: ``ModelError/invalidInput(_:)`` when an id or a length is out of range.
    public func logits(
        for input: PackedBatch, activations: TokenClassificationActivations? = nil
    ) throws -> [[Float]] {
        try validate(input)
        let workspace = activations ?? TokenClassificationActivations(configuration: configuration)
        var unused = SeededGenerator(seed: 0)
        forward(input, activations: workspace, training: false, generator: &unused)
        let classes = configuration.numLabels
        return (0..<input.tokens).map { row in
            workspace.logits.array((row * classes)..<((row + 1) * classes))
        }
    }
}
