// swift-bert — the BERT model.

import Kernels
import Randomness

/// BertForTokenClassification's head: dropout and a linear classifier on every token of the
/// sequence output (no pooler), forward and backward.
public struct TokenClassificationHead: Sendable {
    /// The head's tensors, with HF's names: `classifier.*`, `[num_labels, hidden]`.
    public static func tensorShapes(_ c: BertConfiguration) -> [ParameterTable.TensorShape] {
        [("classifier.weight", [c.numLabels, c.hiddenSize]), ("classifier.bias", [c.numLabels])]
    }

    let configuration: BertConfiguration
    let classifierWeight: Int
    let classifierBias: Int

    /// The head whose tensors `table` places.
    public init(configuration: BertConfiguration, table: ParameterTable) {
        self.configuration = configuration
        classifierWeight = table["classifier.weight"].offset
        classifierBias = table["classifier.bias"].offset
    }

    /// From the sequence output in `activations` to per-token logits, `[tokens, classes]`:
    /// transformers' `BertForTokenClassification.forward` after `self.bert`: dropout
    /// (`classifier_dropout`, else `hidden_dropout_prob`; none unless `training`), then
    /// `classifier` (`nn.Linear`, an autocast `linear` under bf16). When `training`, draws
    /// one word from `generator`: the step key of the dropout mask (``DropoutSite/classifier``).
    public func forward(
        _ input: PackedBatch, weights w: ModelWeights, activations a: TokenClassificationActivations,
        training: Bool, generator: inout SeededGenerator
    ) {
        let c = configuration
        let tokens = input.tokens
        let hidden = c.hiddenSize
        let dropout = training ? Float(c.classifierDropout ?? c.hiddenDropoutProb) : 0
        let key = DropoutKey(
            step: training ? generator.next() : 0, site: DropoutSite.classifier,
            firstExample: input.firstExampleIndex)
        input.sequenceOffsets.withUnsafeBufferPointer { offsets in
            Dropout.forward(
                output: a.classifierInput.pointer, mask: a.classifierMask.pointer,
                input: a.sequenceOutput.pointer, width: hidden,
                sequenceOffsets: offsets.baseAddress!, batch: input.batch, key: key,
                probability: dropout)
        }
        Linear.forward(
            output: a.logits.pointer, input: a.classifierInput.pointer,
            weight: w[classifierWeight], bias: w[classifierBias], tokens: tokens,
            inFeatures: hidden, outFeatures: c.numLabels, precision: w.precision,
            weightBFloat16: w.bfloat16(classifierWeight))
    }

    /// Backward of ``forward(_:weights:activations:training:generator:)`` from `dLogits`
    /// (`[tokens, classes]`): accumulates the classifier's gradients and, when
    /// `encoderTrains`, writes d loss / d sequence output where the encoder's backward reads it.
    public func backward(
        _ input: PackedBatch, weights w: ModelWeights, activations a: TokenClassificationActivations,
        dLogits: UnsafePointer<Float>, gradients g: TokenClassificationGradients,
        encoderTrains: Bool
    ) {
        let c = configuration
        let tokens = input.tokens
        let hidden = c.hiddenSize
        let count = tokens * hidden
        let dp = g.parameters.pointer
        let dInput: UnsafeMutablePointer<Float>? =
            encoderTrains ? g.dClassifierInput.pointer : nil
        dInput?.update(repeating: 0, count: count)  // Linear.backward accumulates
        Linear.backward(
            dInput: dInput, dWeight: dp + classifierWeight, dBias: dp + classifierBias,
            dOutput: dLogits, input: a.classifierInput.pointer, weight: w[classifierWeight],
            tokens: tokens, inFeatures: hidden, outFeatures: c.numLabels, precision: w.precision,
            weightBFloat16: w.bfloat16(classifierWeight))
        guard encoderTrains else { return }
        let dSequenceOutput = g.dHidden.pointer
        dSequenceOutput.update(repeating: 0, count: count)
        Dropout.backward(
            dInput: dSequenceOutput, dOutput: g.dClassifierInput.pointer,
            mask: a.classifierMask.pointer, count: count)
    }
}

/// BertForTokenClassification's forward workspace: the encoder's activations and the head's
/// (the classifier's input after dropout, per-token logits and softmax).
public final class TokenClassificationActivations: EncoderActivations, @unchecked Sendable {
    public var classifierInput = FloatBuffer(count: 0)
    public var classifierMask = FloatBuffer(count: 0)
    /// `[tokens, classes]`.
    public var logits = FloatBuffer(count: 0)
    /// Softmax of the logits, saved by the loss: `[tokens, classes]`.
    public var probabilities = FloatBuffer(count: 0)

    override func reserveHead(tokens: Int, batch: Int) {
        guard tokens > tokenCapacity else { return }
        classifierInput = FloatBuffer(count: tokens * hidden)
        classifierMask = FloatBuffer(count: tokens * hidden)
        logits = FloatBuffer(count: tokens * classes)
        probabilities = FloatBuffer(count: tokens * classes)
    }
}

/// BertForTokenClassification's backward workspace: the parameter gradients, the encoder's
/// scratch and the head's activation gradients.
public final class TokenClassificationGradients: EncoderGradients, @unchecked Sendable {
    /// `[tokens, classes]`: d loss / d logits.
    public private(set) var dLogits = FloatBuffer(count: 0)
    var dClassifierInput = FloatBuffer(count: 0)

    /// A zeroed workspace for `model`.
    public init(model: BertForTokenClassification) {
        super.init(configuration: model.configuration, table: model.table)
    }

    override func reserveHead(tokens: Int, batch: Int) {
        guard tokens > tokenCapacity else { return }
        dLogits = FloatBuffer(count: tokens * classes)
        dClassifierInput = FloatBuffer(count: tokens * hidden)
    }
}
