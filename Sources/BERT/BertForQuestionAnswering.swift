// swift-bert — the BERT model.

import Kernels
import Randomness

/// transformers' `BertForQuestionAnswering`: the encoder (no pooler) and a start/end span
/// classifier on every token (``QuestionAnsweringHead``), for extractive question answering
/// (SQuAD). Tensor names and layout are transformers' own (`bert.*`, `qa_outputs.*`), so a
/// saved folder loads there.
public final class BertForQuestionAnswering: BertPreTrainedModel, @unchecked Sendable {
    /// The span classifier.
    public let head: QuestionAnsweringHead

    /// A model with all parameters zero. transformers sizes `qa_outputs` by `num_labels` and
    /// splits its output in two, so anything but 2 labels cannot run: a configuration with
    /// another count (a classifier's) gets transformers' default two, `LABEL_0` and `LABEL_1`.
    public required init(configuration: BertConfiguration) {
        var configuration = configuration
        if configuration.numLabels != 2 { configuration.setNumLabels(2) }
        let table = ParameterTable(
            tensors: BertEncoder.tensorShapes(configuration)
                + QuestionAnsweringHead.tensorShapes(configuration))
        head = QuestionAnsweringHead(configuration: configuration, table: table)
        super.init(configuration: configuration, table: table)
    }

    public override class var architecture: String { "BertForQuestionAnswering" }
    public override class var optionalTensorPrefixes: [String] { ["qa_outputs."] }

    /// Runs BertForQuestionAnswering's forward pass on a packed batch, leaving every
    /// activation (and the start and end logits, `[tokens]` each) in `activations`.
    /// - Precondition: `input` passed ``validate(_:)``.
    public func forward(
        _ input: PackedBatch, activations: QuestionAnsweringActivations, training: Bool,
        generator: inout SeededGenerator
    ) {
        let w = weights
        encoder.forward(
            input, weights: w, activations: activations, training: training, generator: &generator)
        head.forward(input, weights: w, activations: activations)
    }

    /// The backward pass from d loss / d start and end logits (``QuestionAnsweringGradients``'
    /// `dStartLogits` and `dEndLogits`, written by ``lossGradient(positions:activations:gradients:dLoss:)``),
    /// ACCUMULATING every trainable parameter's gradient into `gradients`.
    public func backward(
        _ input: PackedBatch, activations: QuestionAnsweringActivations,
        gradients: QuestionAnsweringGradients
    ) {
        checkBackward(input, activations: activations, gradients: gradients)
        let w = weights
        head.backward(
            input, weights: w, activations: activations, gradients: gradients,
            encoderTrains: freezing != .encoder)
        gradients.reportReady(encoder.headRange)
        encoder.backward(
            input, weights: w, activations: activations, gradients: gradients, freezing: freezing)
    }

    /// The start and end logits of every token of `input`, in eval mode: per sequence,
    /// `[length]` each.
    /// - Throws: ``ModelError/invalidInput(_:)`` when an id or a length is out of range.
    public func logits(
        for input: PackedBatch, activations: QuestionAnsweringActivations? = nil
    ) throws -> [(start: [Float], end: [Float])] {
        try validate(input)
        let workspace = activations ?? QuestionAnsweringActivations(configuration: configuration)
        var unused = SeededGenerator(seed: 0)
        forward(input, activations: workspace, training: false, generator: &unused)
        return (0..<input.batch).map { s in
            let rows = Int(input.sequenceOffsets[s])..<Int(input.sequenceOffsets[s + 1])
            return (workspace.startLogits.array(rows), workspace.endLogits.array(rows))
        }
    }
}
