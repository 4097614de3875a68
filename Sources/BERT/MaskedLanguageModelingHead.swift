// swift-bert — the BERT model.

import Kernels

/// BertForMaskedLM's head, transformers' `BertOnlyMLMHead` (`cls.predictions`): on a token's
/// final hidden state, `transform` (dense `[hidden, hidden]`, the `hidden_act` activation,
/// LayerNorm), then the decoder, a linear layer onto the vocabulary whose weight IS the word
/// embedding matrix (tied, as transformers ties `cls.predictions.decoder.weight` to
/// `bert.embeddings.word_embeddings.weight`) plus its own bias `cls.predictions.bias`.
///
/// The head runs only on the rows it is given — the labelled (masked) tokens in training,
/// the [MASK] tokens in fill-mask — since the loss ignores every other row
/// (`ignore_index=-100`) and the vocabulary projection is the head's whole cost. Its logits
/// on those rows are the rows of transformers' `[tokens, vocab]` logits.
public struct MaskedLanguageModelingHead: Sendable {
    /// The head's own tensors, with HF's names; the decoder weight is the word embedding.
    public static func tensorShapes(_ c: BertConfiguration) -> [ParameterTable.TensorShape] {
        let hidden = c.hiddenSize
        return [
            ("cls.predictions.transform.dense.weight", [hidden, hidden]),
            ("cls.predictions.transform.dense.bias", [hidden]),
            ("cls.predictions.transform.LayerNorm.weight", [hidden]),
            ("cls.predictions.transform.LayerNorm.bias", [hidden]),
            ("cls.predictions.bias", [c.vocabSize]),
        ]
    }

    let configuration: BertConfiguration
    let denseWeight: Int
    let denseBias: Int
    let normWeight: Int
    let normBias: Int
    let decoderBias: Int
    /// The tied decoder weight: the word embedding's offset.
    let decoderWeight: Int

    /// The head whose tensors `table` places.
    public init(configuration: BertConfiguration, table: ParameterTable) {
        self.configuration = configuration
        denseWeight = table["cls.predictions.transform.dense.weight"].offset
        denseBias = table["cls.predictions.transform.dense.bias"].offset
        normWeight = table["cls.predictions.transform.LayerNorm.weight"].offset
        normBias = table["cls.predictions.transform.LayerNorm.bias"].offset
        decoderBias = table["cls.predictions.bias"].offset
        decoderWeight = table[BertEncoder.EmbeddingTensor.wordEmbeddings.name].offset
    }

    /// From the sequence output in `activations` to the logits of the rows in
    /// `activations.predictionRows` (`[rows, vocab]`): `BertLMPredictionHead.forward`
    /// (dense and decoder as autocast `linear`s under bf16; GELU and LayerNorm in fp32).
    public func forward(weights w: ModelWeights, activations a: MaskedLanguageModelingActivations) {
        let c = configuration
        let hidden = c.hiddenSize
        let rows = a.predictionCount
        let sequenceOutput = a.sequenceOutput.pointer
        for (index, row) in a.predictionRows.prefix(rows).enumerated() {
            (a.transformInput.pointer + index * hidden).update(
                from: sequenceOutput + Int(row) * hidden, count: hidden)
        }
        Linear.forward(
            output: a.transformDense.pointer, input: a.transformInput.pointer,
            weight: w[denseWeight], bias: w[denseBias], tokens: rows, inFeatures: hidden,
            outFeatures: hidden, precision: w.precision, weightBFloat16: w.bfloat16(denseWeight))
        GELU.forward(
            output: a.transformActivated.pointer, input: a.transformDense.pointer,
            count: rows * hidden)
        LayerNorm.forward(
            output: a.transformNormed.pointer, mean: a.transformMean.pointer,
            reciprocalStd: a.transformReciprocalStd.pointer, input: a.transformActivated.pointer,
            weight: w[normWeight], bias: w[normBias], tokens: rows, hidden: hidden,
            epsilon: Float(c.layerNormEps))
        Linear.forward(
            output: a.logits.pointer, input: a.transformNormed.pointer, weight: w[decoderWeight],
            bias: w[decoderBias], tokens: rows, inFeatures: hidden, outFeatures: c.vocabSize,
            precision: w.precision, weightBFloat16: w.bfloat16(decoderWeight))
    }

    /// Backward of ``forward(weights:activations:)`` from `gradients.dLogits`: accumulates
    /// the head's gradients and the tied decoder's into the word embedding's (unless
    /// `embeddingsTrain` is false: a frozen encoder freezes the shared matrix too, as
    /// `requires_grad=False` on the one tensor does in PyTorch), and, when `encoderTrains`,
    /// writes d loss / d sequence output (zero on the rows the head did not read).
    public func backward(
        _ input: PackedBatch, weights w: ModelWeights,
        activations a: MaskedLanguageModelingActivations,
        gradients g: MaskedLanguageModelingGradients, embeddingsTrain: Bool, encoderTrains: Bool
    ) {
        let c = configuration
        let hidden = c.hiddenSize
        let rows = a.predictionCount
        let dp = g.parameters.pointer
        let count = rows * hidden
        let dNormed = g.dTransformNormed.pointer
        dNormed.update(repeating: 0, count: count)
        Linear.backward(
            dInput: dNormed, dWeight: embeddingsTrain ? dp + decoderWeight : nil,
            dBias: dp + decoderBias, dOutput: g.dLogits.pointer, input: a.transformNormed.pointer,
            weight: w[decoderWeight], tokens: rows, inFeatures: hidden, outFeatures: c.vocabSize,
            precision: w.precision, weightBFloat16: w.bfloat16(decoderWeight))
        let dActivated = g.dTransformActivated.pointer
        dActivated.update(repeating: 0, count: count)
        LayerNorm.backward(
            dInput: dActivated, dWeight: dp + normWeight, dBias: dp + normBias, dOutput: dNormed,
            input: a.transformActivated.pointer, mean: a.transformMean.pointer,
            reciprocalStd: a.transformReciprocalStd.pointer, weight: w[normWeight], tokens: rows,
            hidden: hidden)
        let dDense = g.dTransformDense.pointer
        dDense.update(repeating: 0, count: count)
        GELU.backward(
            dInput: dDense, dOutput: dActivated, input: a.transformDense.pointer, count: count)
        let dInput: UnsafeMutablePointer<Float>? = encoderTrains ? g.dTransformInput.pointer : nil
        dInput?.update(repeating: 0, count: count)
        Linear.backward(
            dInput: dInput, dWeight: dp + denseWeight, dBias: dp + denseBias, dOutput: dDense,
            input: a.transformInput.pointer, weight: w[denseWeight], tokens: rows,
            inFeatures: hidden, outFeatures: hidden, precision: w.precision,
            weightBFloat16: w.bfloat16(denseWeight))
        guard encoderTrains, let dInput else { return }
        let dSequenceOutput = g.dHidden.pointer
        dSequenceOutput.update(repeating: 0, count: input.tokens * hidden)
        for (index, row) in a.predictionRows.prefix(rows).enumerated() {
            (dSequenceOutput + Int(row) * hidden).update(from: dInput + index * hidden, count: hidden)
        }
    }
}

/// BertForMaskedLM's forward workspace: the encoder's activations and the head's, the
/// latter for the predicted rows only.
public final class MaskedLanguageModelingActivations: EncoderActivations, @unchecked Sendable {
    /// The packed rows the head predicts (`[predictionCount]` used), and their labels.
    public private(set) var predictionRows: [Int32] = []
    public private(set) var predictionLabels: [Int32] = []
    /// How many rows of ``predictionRows`` the last forward pass used.
    public private(set) var predictionCount = 0
    public private(set) var predictionCapacity = 0
    var transformInput = FloatBuffer(count: 0)
    var transformDense = FloatBuffer(count: 0)
    var transformActivated = FloatBuffer(count: 0)
    var transformNormed = FloatBuffer(count: 0)
    var transformMean = FloatBuffer(count: 0)
    var transformReciprocalStd = FloatBuffer(count: 0)
    /// `[predictionCount, vocab]`: the logits of the predicted rows.
    public private(set) var logits = FloatBuffer(count: 0)
    /// Softmax of ``logits``, saved by the loss.
    var probabilities = FloatBuffer(count: 0)
    private let vocabulary: Int

    public override init(configuration: BertConfiguration) {
        vocabulary = configuration.vocabSize
        super.init(configuration: configuration)
    }

    /// Chooses the rows the head predicts: those of `labels` (`[tokens]`) that are not -100,
    /// their labels kept beside them. Grows the head's buffers when there are more rows than
    /// ever before, with headroom (a quarter of the largest batch's tokens and 16 more: a 15 %
    /// mask rate rarely exceeds it), so a training loop stops allocating after its first step.
    public func selectLabelledRows(_ labels: [Int32], tokens: Int) {
        var count = 0
        for label in labels where label != -100 { count += 1 }
        reservePredictions(count, headroom: max(tokens, tokenCapacity) / 4 + 16)
        var index = 0
        for (row, label) in labels.enumerated() where label != -100 {
            predictionRows[index] = Int32(truncatingIfNeeded: row)
            predictionLabels[index] = label
            index += 1
        }
        predictionCount = count
    }

    /// Chooses `rows` (packed row indices) as the rows the head predicts, without labels.
    public func selectRows(_ rows: [Int32]) {
        reservePredictions(rows.count, headroom: 0)
        for (index, row) in rows.enumerated() { predictionRows[index] = row }
        predictionCount = rows.count
    }

    private func reservePredictions(_ count: Int, headroom: Int) {
        guard count > predictionCapacity else { return }
        let rows = max(count, headroom)
        predictionCapacity = rows
        predictionRows = [Int32](repeating: 0, count: rows)
        predictionLabels = [Int32](repeating: 0, count: rows)
        transformInput = FloatBuffer(count: rows * hidden)
        transformDense = FloatBuffer(count: rows * hidden)
        transformActivated = FloatBuffer(count: rows * hidden)
        transformNormed = FloatBuffer(count: rows * hidden)
        transformMean = FloatBuffer(count: rows)
        transformReciprocalStd = FloatBuffer(count: rows)
        logits = FloatBuffer(count: rows * vocabulary)
        probabilities = FloatBuffer(count: rows * vocabulary)
    }
}

/// BertForMaskedLM's backward workspace: the parameter gradients, the encoder's scratch and
/// the head's activation gradients for the predicted rows.
public final class MaskedLanguageModelingGradients: EncoderGradients, @unchecked Sendable {
    /// `[rows, vocab]`: d loss / d logits of the predicted rows.
    public private(set) var dLogits = FloatBuffer(count: 0)
    var dTransformNormed = FloatBuffer(count: 0)
    var dTransformActivated = FloatBuffer(count: 0)
    var dTransformDense = FloatBuffer(count: 0)
    var dTransformInput = FloatBuffer(count: 0)
    private var predictionCapacity = 0
    private let vocabulary: Int

    /// A zeroed workspace for `model`.
    public init(model: BertForMaskedLM) {
        vocabulary = model.configuration.vocabSize
        super.init(configuration: model.configuration, table: model.table)
    }

    /// Grows the head's buffers to the prediction capacity of `activations`.
    func reservePredictions(like activations: MaskedLanguageModelingActivations) {
        let rows = activations.predictionCapacity
        guard rows > predictionCapacity else { return }
        predictionCapacity = rows
        dLogits = FloatBuffer(count: rows * vocabulary)
        dTransformNormed = FloatBuffer(count: rows * hidden)
        dTransformActivated = FloatBuffer(count: rows * hidden)
        dTransformDense = FloatBuffer(count: rows * hidden)
        dTransformInput = FloatBuffer(count: rows * hidden)
    }
}
