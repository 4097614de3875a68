// swift-bert — the BERT model.

import Kernels
import Randomness

/// transformers' `BertForMaskedLM`: the encoder (no pooler) and the masked-language-model
/// head (``MaskedLanguageModelingHead``, `cls.predictions.*`) whose decoder is tied to the
/// word embeddings, for masked-LM fine-tuning (domain adaptation) and fill-mask. Tensor names
/// and layout are transformers' own, so a saved folder loads there; the decoder weight is not
/// a tensor of its own (transformers does not save a tied weight either).
public final class BertForMaskedLM: BertPreTrainedModel, @unchecked Sendable {
    /// The prediction head.
    public let head: MaskedLanguageModelingHead

    /// A model with all parameters zero.
    public required init(configuration: BertConfiguration) {
        let table = ParameterTable(
            tensors: BertEncoder.tensorShapes(configuration)
                + MaskedLanguageModelingHead.tensorShapes(configuration))
        head = MaskedLanguageModelingHead(configuration: configuration, table: table)
        super.init(configuration: configuration, table: table)
    }

    public override class var architecture: String { "BertForMaskedLM" }
    /// A `BertModel` checkpoint (MiniLM, a classifier's encoder) has no `cls.*`: the head is
    /// newly initialized, as `from_pretrained` does and says.
    public override class var optionalTensorPrefixes: [String] { ["cls.predictions."] }
    /// transformers' `BertForMaskedLM._tied_weights_keys`: the decoder's weight is the word
    /// embedding and its bias `cls.predictions.bias`; checkpoints saved before the tie was
    /// dropped from the file may hold the decoder's names.
    public override class var tiedTensorNames: [String: String] {
        [
            "cls.predictions.decoder.weight": BertEncoder.EmbeddingTensor.wordEmbeddings.name,
            "cls.predictions.decoder.bias": "cls.predictions.bias",
        ]
    }

    /// Runs the forward pass: the encoder on every token, then the head on the rows chosen in
    /// `activations` (``MaskedLanguageModelingActivations/selectLabelledRows(_:tokens:)`` or
    /// ``MaskedLanguageModelingActivations/selectRows(_:)``), leaving their logits,
    /// `[rows, vocab]`, in `activations.logits`.
    /// - Precondition: `input` passed ``validate(_:)``.
    public func forward(
        _ input: PackedBatch, activations: MaskedLanguageModelingActivations, training: Bool,
        generator: inout SeededGenerator
    ) {
        let w = weights
        encoder.forward(
            input, weights: w, activations: activations, training: training, generator: &generator)
        head.forward(weights: w, activations: activations)
    }

    /// The backward pass from `gradients.dLogits` (written by the loss gradient),
    /// ACCUMULATING every trainable parameter's gradient into `gradients`: the decoder's
    /// gradient and the embedding lookup's both land in the word embedding's.
    public func backward(
        _ input: PackedBatch, activations: MaskedLanguageModelingActivations,
        gradients: MaskedLanguageModelingGradients
    ) {
        checkBackward(input, activations: activations, gradients: gradients)
        gradients.reservePredictions(like: activations)
        let w = weights
        head.backward(
            input, weights: w, activations: activations, gradients: gradients,
            embeddingsTrain: freezing == .none, encoderTrains: freezing != .encoder)
        gradients.reportReady(encoder.headRange)
        encoder.backward(
            input, weights: w, activations: activations, gradients: gradients, freezing: freezing)
    }

    /// The logits of the given packed rows of `input` (`[rows][vocab]`), in eval mode: for
    /// fill-mask, the rows of the [MASK] tokens; for a check against transformers, every row.
    /// - Throws: ``ModelError/invalidInput(_:)`` when an id or a length is out of range.
    public func logits(
        for input: PackedBatch, rows: [Int32],
        activations: MaskedLanguageModelingActivations? = nil
    ) throws -> [[Float]] {
        try validate(input)
        precondition(rows.allSatisfy { $0 >= 0 && Int($0) < input.tokens }, "logits: row outside the batch")
        let workspace = activations ?? MaskedLanguageModelingActivations(configuration: configuration)
        workspace.reserve(for: input)
        workspace.selectRows(rows)
        var unused = SeededGenerator(seed: 0)
        forward(input, activations: workspace, training: false, generator: &unused)
        let vocabulary = configuration.vocabSize
        return rows.indices.map { index in
            workspace.logits.array((index * vocabulary)..<((index + 1) * vocabulary))
        }
    }
}
