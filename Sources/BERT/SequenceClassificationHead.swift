// swift-bert — the BERT model.

import Kernels
import Randomness

/// BertForSequenceClassification's head: BertModel's pooler (dense + tanh on each sequence's
/// [CLS] row), dropout and the linear classifier, forward and backward.
public struct SequenceClassificationHead: Sendable {
    /// The head's tensors in buffer order, with HF's names: the pooler (`bert.pooler.*`,
    /// part of `BertModel` in transformers) and `classifier.*`.
    public static func tensorShapes(_ c: BertConfiguration) -> [ParameterTable.TensorShape] {
        [
            ("bert.pooler.dense.weight", [c.hiddenSize, c.hiddenSize]),
            ("bert.pooler.dense.bias", [c.hiddenSize]),
            ("classifier.weight", [c.numLabels, c.hiddenSize]),
            ("classifier.bias", [c.numLabels]),
        ]
    }

    let configuration: BertConfiguration
    let poolerWeight: Int
    let poolerBias: Int
    let classifierWeight: Int
    let classifierBias: Int

    /// The head whose tensors `table` places.
    public init(configuration: BertConfiguration, table: ParameterTable) {
        self.configuration = configuration
        poolerWeight = table["bert.pooler.dense.weight"].offset
        poolerBias = table["bert.pooler.dense.bias"].offset
        classifierWeight = table["classifier.weight"].offset
        classifierBias = table["classifier.bias"].offset
    }

    /// From the encoder's sequence output in `activations` to the logits, `[batch, classes]`:
    /// transformers' `BertPooler` (dense + tanh on the first token of each sequence), dropout
    /// (`classifier_dropout`, else `hidden_dropout_prob`; none unless `training`) and
    /// `classifier` (`nn.Linear`). Under bf16 both dense layers are autocast `linear`s.
    /// When `training`, draws one word from `generator`: the step key of the dropout mask
    /// (``DropoutSite/classifier``, each pooled row its sequence's block).
    public func forward(
        _ input: PackedBatch, weights w: ModelWeights, activations a: Activations, training: Bool,
        generator: inout SeededGenerator
    ) {
        let c = configuration
        let batch = input.batch
        let hidden = c.hiddenSize
        let dropout = training ? Float(c.classifierDropout ?? c.hiddenDropoutProb) : 0
        // The sequence output holds every token's row, or only the first ones in order.
        let firstTokensOnly = a.outputRows == .firstTokens
        for sequence in 0..<batch {
            a.firstTokenRows[sequence] =
                firstTokensOnly ? Int32(sequence) : input.sequenceOffsets[sequence]
        }
        a.firstTokenRows.withUnsafeBufferPointer { rows in
            RowGather.forward(
                output: a.firstTokens.pointer, input: a.sequenceOutput.pointer,
                rows: rows.baseAddress!, count: batch, width: hidden)
        }
        Linear.forward(
            output: a.pooledLinear.pointer, input: a.firstTokens.pointer,
            weight: w[poolerWeight], bias: w[poolerBias], tokens: batch, inFeatures: hidden,
            outFeatures: hidden, precision: w.precision, weightBFloat16: w.bfloat16(poolerWeight))
        Tanh.forward(output: a.pooled.pointer, input: a.pooledLinear.pointer, count: batch * hidden)
        let key = DropoutKey(
            step: training ? generator.next() : 0, site: DropoutSite.classifier,
            firstExample: input.firstExampleIndex)
        Dropout.forward(
            output: a.classifierInput.pointer, mask: a.pooledMask.pointer, input: a.pooled.pointer,
            width: hidden, sequences: batch, key: key, probability: dropout)
        Linear.forward(
            output: a.logits.pointer, input: a.classifierInput.pointer,
            weight: w[classifierWeight], bias: w[classifierBias], tokens: batch,
            inFeatures: hidden, outFeatures: c.numLabels, precision: w.precision,
            weightBFloat16: w.bfloat16(classifierWeight))
    }

    /// Backward of ``forward(_:weights:activations:training:generator:)`` from `dLogits`:
    /// accumulates the head's parameter gradients and, when `encoderTrains`, writes d loss /
    /// d sequence output (nonzero only on the [CLS] rows; `[batch, hidden]` when the forward
    /// pass computed only those, ``EncoderOutputRows``) where the encoder's backward reads it.
    public func backward(
        _ input: PackedBatch, weights w: ModelWeights, activations a: Activations,
        dLogits: UnsafePointer<Float>, gradients g: Gradients, encoderTrains: Bool
    ) {
        let c = configuration
        let batch = input.batch
        let hidden = c.hiddenSize
        let pooledCount = batch * hidden
        let dp = g.parameters.pointer
        // Kernels accumulate, so each activation gradient starts from zero.
        func zeroed(_ buffer: FloatBuffer, _ count: Int) -> UnsafeMutablePointer<Float> {
            buffer.pointer.update(repeating: 0, count: count)
            return buffer.pointer
        }
        Linear.backward(
            dInput: zeroed(g.dClassifierInput, pooledCount), dWeight: dp + classifierWeight,
            dBias: dp + classifierBias, dOutput: dLogits, input: a.classifierInput.pointer,
            weight: w[classifierWeight], tokens: batch, inFeatures: hidden,
            outFeatures: c.numLabels, precision: w.precision,
            weightBFloat16: w.bfloat16(classifierWeight))
        Dropout.backward(
            dInput: zeroed(g.dPooled, pooledCount), dOutput: g.dClassifierInput.pointer,
            mask: a.pooledMask.pointer, count: pooledCount)
        Tanh.backward(
            dInput: zeroed(g.dPooledLinear, pooledCount), dOutput: g.dPooled.pointer,
            output: a.pooled.pointer, count: pooledCount)
        Linear.backward(
            dInput: encoderTrains ? zeroed(g.dFirstTokens, pooledCount) : nil,
            dWeight: dp + poolerWeight, dBias: dp + poolerBias,
            dOutput: g.dPooledLinear.pointer, input: a.firstTokens.pointer,
            weight: w[poolerWeight], tokens: batch, inFeatures: hidden, outFeatures: hidden,
            precision: w.precision, weightBFloat16: w.bfloat16(poolerWeight))
        guard encoderTrains else { return }
        let outputRows = a.outputRows == .firstTokens ? batch : input.tokens
        let dSequenceOutput = zeroed(g.dHidden, outputRows * hidden)
        a.firstTokenRows.withUnsafeBufferPointer { rows in
            RowGather.backward(
                dInput: dSequenceOutput, dOutput: g.dFirstTokens.pointer, rows: rows.baseAddress!,
                count: batch, width: hidden)
        }
    }
}
