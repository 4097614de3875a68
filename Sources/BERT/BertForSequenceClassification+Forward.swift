// swift-bert — the BERT model.

import Kernels
import Randomness

extension BertForSequenceClassification {
    /// Runs BertForSequenceClassification's forward pass on a packed batch; returns nothing,
    /// leaving every activation (and the logits, `[batch, classes]`) in `activations`.
    ///
    /// Matches transformers' `BertForSequenceClassification.forward` (eval mode when
    /// `training` is false): embeddings (word + position + token type) → LayerNorm →
    /// dropout; per layer, self-attention (fused QKV projection, softmax(QKᵀ/√d) with dropout,
    /// context) → dense → dropout → residual → LayerNorm → dense → exact GELU → dense →
    /// dropout → residual → LayerNorm; pooler (dense + tanh on each [CLS] row); dropout;
    /// classifier. Dropout uses `hidden_dropout_prob`, `attention_probs_dropout_prob` and
    /// `classifier_dropout` (else `hidden_dropout_prob`), drawing masks from `generator`.
    ///
    /// With ``precision`` `.bfloat16`, as `torch.autocast("cpu", dtype=torch.bfloat16)`: the
    /// ops autocast runs in bf16 are `linear` (every dense layer here: Q/K/V, attention output,
    /// intermediate, output, pooler, classifier) and `matmul`/`bmm`/SDPA (attention); the
    /// linear layers take bf16 inputs with fp32 accumulation, and the Q/K/V projection's output
    /// is rounded to bf16 (the tensor autocast hands to attention, which SDPA's math path
    /// computes in fp32). Embeddings, LayerNorm, GELU, softmax, dropout, tanh, the loss and
    /// every reduction run in fp32, and every output of a GEMM stays fp32.
    /// - Precondition: `input` passed ``validate(_:)``.
    public func forward(
        _ input: PackedInput, activations a: Activations, training: Bool,
        generator: inout SeededGenerator
    ) {
        a.reserve(for: input)
        let c = configuration
        let p = UnsafePointer(parameters.pointer)
        let tokens = input.tokens
        let batch = input.batch
        let hidden = c.hiddenSize
        let inter = c.intermediateSize
        let heads = c.numAttentionHeads
        let count = tokens * hidden
        let eps = Float(c.layerNormEps)
        let hiddenDropout = training ? Float(c.hiddenDropoutProb) : 0
        let attentionDropout = training ? Float(c.attentionProbsDropoutProb) : 0
        let classifierDropout = training ? Float(c.classifierDropout ?? c.hiddenDropoutProb) : 0
        let o = table.offsets
        func w(_ tensor: ParameterTable.ModelTensor) -> UnsafePointer<Float> { p + o[tensor] }
        func w(_ layer: Int, _ tensor: ParameterTable.LayerTensor) -> UnsafePointer<Float> {
            p + o[layer, tensor]
        }
        let precision = self.precision
        let p16 = bfloat16Parameters.map { UnsafePointer($0.pointer) }
        func w16(_ tensor: ParameterTable.ModelTensor) -> UnsafePointer<UInt16>? {
            p16.map { $0 + o[tensor] }
        }
        func w16(_ layer: Int, _ tensor: ParameterTable.LayerTensor) -> UnsafePointer<UInt16>? {
            p16.map { $0 + o[layer, tensor] }
        }

        input.inputIDs.withUnsafeBufferPointer { ids in
            input.tokenTypeIDs.withUnsafeBufferPointer { types in
                input.positionIDs.withUnsafeBufferPointer { positions in
                    Embedding.forward(
                        output: a.embeddingSum.pointer, inputIDs: ids.baseAddress!,
                        positionIDs: positions.baseAddress!, tokenTypeIDs: types.baseAddress!,
                        wordEmbeddings: w(.wordEmbeddings),
                        positionEmbeddings: w(.positionEmbeddings),
                        tokenTypeEmbeddings: w(.tokenTypeEmbeddings),
                        tokens: tokens, hidden: hidden)
                }
            }
        }
        LayerNorm.forward(
            output: a.embeddingNormed.pointer, mean: a.embeddingMean.pointer,
            reciprocalStd: a.embeddingReciprocalStd.pointer, input: a.embeddingSum.pointer,
            weight: w(.embeddingNormWeight),
            bias: w(.embeddingNormBias), tokens: tokens, hidden: hidden,
            epsilon: eps)
        Dropout.forward(
            output: a.layers.first?.input.pointer ?? a.sequenceOutput.pointer,
            mask: a.embeddingMask.pointer, input: a.embeddingNormed.pointer, count: count,
            probability: hiddenDropout, generator: &generator)

        input.sequenceOffsets.withUnsafeBufferPointer { offsetsBuffer in
            let offsets = offsetsBuffer.baseAddress!
            for (index, layer) in a.layers.enumerated() {
                let output =
                    index + 1 < a.layers.count
                    ? a.layers[index + 1].input.pointer : a.sequenceOutput.pointer
                Linear.forward(
                    output: layer.qkv.pointer, input: layer.input.pointer,
                    weight: w(index, .queryWeight),
                    bias: w(index, .queryBias), tokens: tokens,
                    inFeatures: hidden, outFeatures: 3 * hidden, precision: precision,
                    weightBFloat16: w16(index, .queryWeight))
                if precision == .bfloat16 {
                    // Under autocast the projection's output is a bf16 tensor, and the
                    // attention (SDPA's math path while training) upcasts it to fp32.
                    BFloat16.roundInPlace(layer.qkv.pointer, count: 3 * count)
                }
                let qkv = UnsafePointer(layer.qkv.pointer)
                Attention.forward(
                    context: layer.context.pointer, probabilities: layer.probabilities.pointer,
                    dropoutMask: layer.probabilitiesMask.pointer, query: qkv, key: qkv + hidden,
                    value: qkv + 2 * hidden, rowStride: 3 * hidden, sequenceOffsets: offsets,
                    batch: batch, heads: heads, headDim: hidden / heads,
                    dropoutProbability: attentionDropout, generator: &generator,
                    scratch: a.attentionScratch.buffer)
                Linear.forward(
                    output: layer.attentionDense.pointer, input: layer.context.pointer,
                    weight: w(index, .attentionOutputWeight),
                    bias: w(index, .attentionOutputBias), tokens: tokens,
                    inFeatures: hidden, outFeatures: hidden, precision: precision,
                    weightBFloat16: w16(index, .attentionOutputWeight))
                Dropout.forward(
                    output: layer.attentionResidual.pointer, mask: layer.attentionMask.pointer,
                    input: layer.attentionDense.pointer, count: count, probability: hiddenDropout,
                    generator: &generator)
                Residual.forward(
                    output: layer.attentionResidual.pointer, input: layer.input.pointer,
                    count: count)
                LayerNorm.forward(
                    output: layer.attentionNormed.pointer, mean: layer.attentionMean.pointer,
                    reciprocalStd: layer.attentionReciprocalStd.pointer,
                    input: layer.attentionResidual.pointer,
                    weight: w(index, .attentionNormWeight),
                    bias: w(index, .attentionNormBias), tokens: tokens,
                    hidden: hidden, epsilon: eps)
                Linear.forward(
                    output: layer.intermediate.pointer, input: layer.attentionNormed.pointer,
                    weight: w(index, .intermediateWeight),
                    bias: w(index, .intermediateBias), tokens: tokens,
                    inFeatures: hidden, outFeatures: inter, precision: precision,
                    weightBFloat16: w16(index, .intermediateWeight))
                GELU.forward(
                    output: layer.intermediateActivated.pointer, input: layer.intermediate.pointer,
                    count: tokens * inter)
                Linear.forward(
                    output: layer.outputDense.pointer, input: layer.intermediateActivated.pointer,
                    weight: w(index, .outputWeight),
                    bias: w(index, .outputBias), tokens: tokens, inFeatures: inter,
                    outFeatures: hidden, precision: precision,
                    weightBFloat16: w16(index, .outputWeight))
                Dropout.forward(
                    output: layer.outputResidual.pointer, mask: layer.outputMask.pointer,
                    input: layer.outputDense.pointer, count: count, probability: hiddenDropout,
                    generator: &generator)
                Residual.forward(
                    output: layer.outputResidual.pointer, input: layer.attentionNormed.pointer,
                    count: count)
                LayerNorm.forward(
                    output: output, mean: layer.outputMean.pointer,
                    reciprocalStd: layer.outputReciprocalStd.pointer,
                    input: layer.outputResidual.pointer,
                    weight: w(index, .outputNormWeight),
                    bias: w(index, .outputNormBias), tokens: tokens, hidden: hidden,
                    epsilon: eps)
            }
            for sequence in 0..<batch { a.firstTokenRows[sequence] = offsets[sequence] }
        }
        a.firstTokenRows.withUnsafeBufferPointer { rows in
            RowGather.forward(
                output: a.firstTokens.pointer, input: a.sequenceOutput.pointer,
                rows: rows.baseAddress!, count: batch, width: hidden)
        }
        Linear.forward(
            output: a.pooledLinear.pointer, input: a.firstTokens.pointer,
            weight: w(.poolerWeight), bias: w(.poolerBias),
            tokens: batch, inFeatures: hidden, outFeatures: hidden, precision: precision,
                    weightBFloat16: w16(.poolerWeight))
        Tanh.forward(output: a.pooled.pointer, input: a.pooledLinear.pointer, count: batch * hidden)
        Dropout.forward(
            output: a.classifierInput.pointer, mask: a.pooledMask.pointer, input: a.pooled.pointer,
            count: batch * hidden, probability: classifierDropout, generator: &generator)
        Linear.forward(
            output: a.logits.pointer, input: a.classifierInput.pointer,
            weight: w(.classifierWeight), bias: w(.classifierBias), tokens: batch,
            inFeatures: hidden, outFeatures: c.numLabels, precision: precision,
                    weightBFloat16: w16(.classifierWeight))
    }

    /// The logits of `input`, `[batch][classes]`, in eval mode (no dropout).
    /// - Throws: ``ModelError/invalidInput(_:)`` when an id or a length is out of range.
    public func logits(for input: PackedInput, activations: Activations? = nil) throws -> [[Float]]
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
