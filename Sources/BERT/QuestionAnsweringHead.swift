// swift-bert — the BERT model.

import Kernels

/// BertForQuestionAnswering's head: one linear layer (`qa_outputs`, `[2, hidden]`) on every
/// token of the sequence output, giving a start and an end logit per token. transformers'
/// head has no dropout and no pooler.
public struct QuestionAnsweringHead: Sendable {
    /// The head's tensors, with HF's names: `qa_outputs.*`, `[num_labels = 2, hidden]`.
    public static func tensorShapes(_ c: BertConfiguration) -> [ParameterTable.TensorShape] {
        [("qa_outputs.weight", [2, c.hiddenSize]), ("qa_outputs.bias", [2])]
    }

    let configuration: BertConfiguration
    let weight: Int
    let bias: Int

    /// The head whose tensors `table` places.
    public init(configuration: BertConfiguration, table: ParameterTable) {
        self.configuration = configuration
        weight = table["qa_outputs.weight"].offset
        bias = table["qa_outputs.bias"].offset
    }

    /// From the sequence output in `activations` to `startLogits` and `endLogits`
    /// (`[tokens]` each): transformers' `BertForQuestionAnswering.forward` after `self.bert`,
    /// `logits = self.qa_outputs(sequence_output)` (an autocast `linear` under bf16), then
    /// `logits.split(1, dim=-1)`.
    public func forward(
        _ input: PackedBatch, weights w: ModelWeights, activations a: QuestionAnsweringActivations
    ) {
        let tokens = input.tokens
        Linear.forward(
            output: a.logits.pointer, input: a.sequenceOutput.pointer, weight: w[weight],
            bias: w[bias], tokens: tokens, inFeatures: configuration.hiddenSize, outFeatures: 2,
            precision: w.precision, weightBFloat16: w.bfloat16(weight))
        let logits = a.logits.pointer
        for row in 0..<tokens {
            a.startLogits.pointer[row] = logits[2 * row]
            a.endLogits.pointer[row] = logits[2 * row + 1]
        }
    }

    /// Backward of ``forward(_:weights:activations:)`` from d loss / d start and end logits
    /// (in `gradients`): accumulates `qa_outputs`' gradients and, when `encoderTrains`,
    /// writes d loss / d sequence output where the encoder's backward reads it.
    public func backward(
        _ input: PackedBatch, weights w: ModelWeights, activations a: QuestionAnsweringActivations,
        gradients g: QuestionAnsweringGradients, encoderTrains: Bool
    ) {
        let tokens = input.tokens
        let hidden = configuration.hiddenSize
        let dLogits = g.dLogits.pointer
        for row in 0..<tokens {
            dLogits[2 * row] = g.dStartLogits.pointer[row]
            dLogits[2 * row + 1] = g.dEndLogits.pointer[row]
        }
        let dp = g.parameters.pointer
        let dInput: UnsafeMutablePointer<Float>? = encoderTrains ? g.dHidden.pointer : nil
        dInput?.update(repeating: 0, count: tokens * hidden)  // Linear.backward accumulates
        Linear.backward(
            dInput: dInput, dWeight: dp + weight, dBias: dp + bias, dOutput: dLogits,
            input: a.sequenceOutput.pointer, weight: w[weight], tokens: tokens,
            inFeatures: hidden, outFeatures: 2, precision: w.precision,
            weightBFloat16: w.bfloat16(weight))
    }
}

/// BertForQuestionAnswering's forward workspace: the encoder's activations and the head's.
public final class QuestionAnsweringActivations: EncoderActivations, @unchecked Sendable {
    /// `qa_outputs`' output, `[tokens, 2]`: the start and end logit of each token.
    public var logits = FloatBuffer(count: 0)
    /// `[tokens]`, packed as the batch: sequence `s`'s logits are its rows.
    public var startLogits = FloatBuffer(count: 0)
    public var endLogits = FloatBuffer(count: 0)
    /// Softmax of each sequence's start and end logits over its own tokens, saved by the loss.
    public var startProbabilities = FloatBuffer(count: 0)
    public var endProbabilities = FloatBuffer(count: 0)

    override func reserveHead(tokens: Int, batch: Int) {
        guard tokens > tokenCapacity else { return }
        logits = FloatBuffer(count: 2 * tokens)
        startLogits = FloatBuffer(count: tokens)
        endLogits = FloatBuffer(count: tokens)
        startProbabilities = FloatBuffer(count: tokens)
        endProbabilities = FloatBuffer(count: tokens)
    }
}

/// BertForQuestionAnswering's backward workspace: the parameter gradients, the encoder's
/// scratch and the head's logit gradients.
public final class QuestionAnsweringGradients: EncoderGradients, @unchecked Sendable {
    /// `[tokens]` each: d loss / d start and end logits, written by the loss gradient.
    public private(set) var dStartLogits = FloatBuffer(count: 0)
    public private(set) var dEndLogits = FloatBuffer(count: 0)
    var dLogits = FloatBuffer(count: 0)

    /// A zeroed workspace for `model`.
    public init(model: BertForQuestionAnswering) {
        super.init(configuration: model.configuration, table: model.table)
    }

    override func reserveHead(tokens: Int, batch: Int) {
        guard tokens > tokenCapacity else { return }
        dStartLogits = FloatBuffer(count: tokens)
        dEndLogits = FloatBuffer(count: tokens)
        dLogits = FloatBuffer(count: 2 * tokens)
    }
}
