// swift-bert — the BERT model.

import Kernels

extension BertForSequenceClassification {
    /// Runs BertForSequenceClassification's backward pass on the batch of the last
    /// ``forward(_:activations:training:generator:)``, ACCUMULATING (`+=`) the gradient of
    /// every parameter into `gradients.parameters`.
    ///
    /// What `loss.backward()` computes for transformers' `BertForSequenceClassification`
    /// (given `dLogits`, see ``lossGradient(labels:activations:dLogits:dLoss:)``), in reverse
    /// order of the forward pass: classifier (`nn.Linear`) → classifier dropout → tanh →
    /// pooler dense → the [CLS] rows → per layer, last to first: `BertOutput` (LayerNorm,
    /// residual, dropout, dense), GELU, `BertIntermediate` dense, `BertSelfOutput` (LayerNorm,
    /// residual, dropout, dense), `BertSelfAttention` (dropout on the probabilities, softmax,
    /// scores) and the fused query/key/value projection → embeddings dropout → LayerNorm →
    /// `nn.Embedding` scatter-adds into the word, position and token-type tables. Dropout
    /// reuses the masks saved by the forward pass. As `nn.Embedding(padding_idx=pad_token_id)`
    /// does, the [PAD] row of the word embeddings gets no gradient: it is left at zero.
    ///
    /// The caller zeroes `gradients` between optimizer steps (``Gradients/zero()``); calls in
    /// between add up, as PyTorch's gradient accumulation does. Activation gradients live in
    /// `gradients`' scratch buffers and `activations.attentionScratch`; `activations` is
    /// otherwise read only. The result is the same bits for the same thread count.
    /// - Parameters:
    ///   - input: The batch passed to the forward pass that filled `activations`.
    ///   - activations: The forward pass's saved activations.
    ///   - dLogits: `[batch, classes]`, d loss / d logits.
    ///   - gradients: The workspace; its parameter gradients are accumulated into.
    /// - Complexity: About twice the forward pass's work.
    public func backward(
        _ input: PackedInput, activations a: Activations, dLogits: UnsafePointer<Float>,
        gradients g: Gradients
    ) {
        precondition(
            a.tokenCapacity >= input.tokens && a.batchCapacity >= input.batch,
            "backward: activations were not filled for this batch")
        precondition(g.table.count == table.count, "backward: gradients of another model")
        g.reserve(for: input)
        let c = configuration
        let p = UnsafePointer(parameters.pointer)
        let dp = g.parameters.pointer
        let tokens = input.tokens
        let batch = input.batch
        let hidden = c.hiddenSize
        let inter = c.intermediateSize
        let heads = c.numAttentionHeads
        let count = tokens * hidden
        let pooledCount = batch * hidden
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
        func d(_ tensor: ParameterTable.ModelTensor) -> UnsafeMutablePointer<Float> { dp + o[tensor] }
        func d(_ layer: Int, _ tensor: ParameterTable.LayerTensor) -> UnsafeMutablePointer<Float> {
            dp + o[layer, tensor]
        }
        // Kernels accumulate, so each activation gradient starts from zero.
        func zeroed(_ buffer: FloatBuffer, _ count: Int) -> UnsafeMutablePointer<Float> {
            buffer.pointer.update(repeating: 0, count: count)
            return buffer.pointer
        }

        // Classifier, its dropout, the pooler (dense + tanh) and the [CLS] rows.
        Linear.backward(
            dInput: zeroed(g.dClassifierInput, pooledCount), dWeight: d(.classifierWeight),
            dBias: d(.classifierBias), dOutput: dLogits, input: a.classifierInput.pointer,
            weight: w(.classifierWeight), tokens: batch, inFeatures: hidden,
            outFeatures: c.numLabels, precision: precision,
                    weightBFloat16: w16(.classifierWeight))
        Dropout.backward(
            dInput: zeroed(g.dPooled, pooledCount), dOutput: g.dClassifierInput.pointer,
            mask: a.pooledMask.pointer, count: pooledCount)
        Tanh.backward(
            dInput: zeroed(g.dPooledLinear, pooledCount), dOutput: g.dPooled.pointer,
            output: a.pooled.pointer, count: pooledCount)
        Linear.backward(
            dInput: zeroed(g.dFirstTokens, pooledCount), dWeight: d(.poolerWeight),
            dBias: d(.poolerBias), dOutput: g.dPooledLinear.pointer,
            input: a.firstTokens.pointer, weight: w(.poolerWeight), tokens: batch,
            inFeatures: hidden, outFeatures: hidden, precision: precision,
                    weightBFloat16: w16(.poolerWeight))
        let dHidden = zeroed(g.dHidden, count)
        a.firstTokenRows.withUnsafeBufferPointer { rows in
            RowGather.backward(
                dInput: dHidden, dOutput: g.dFirstTokens.pointer, rows: rows.baseAddress!,
                count: batch, width: hidden)
        }

        // Encoder layers, last to first; dHidden holds d(layer output), then d(layer input).
        let dResidual = g.dResidual.pointer
        let dBranch = g.dBranch.pointer
        input.sequenceOffsets.withUnsafeBufferPointer { offsetsBuffer in
            let offsets = offsetsBuffer.baseAddress!
            for index in a.layers.indices.reversed() {
                let layer = a.layers[index]
                // BertOutput: LayerNorm(dropout(dense(x)) + attentionNormed).
                LayerNorm.backward(
                    dInput: zeroed(g.dResidual, count),
                    dWeight: d(index, .outputNormWeight),
                    dBias: d(index, .outputNormBias), dOutput: dHidden,
                    input: layer.outputResidual.pointer, mean: layer.outputMean.pointer,
                    reciprocalStd: layer.outputReciprocalStd.pointer,
                    weight: w(index, .outputNormWeight), tokens: tokens,
                    hidden: hidden)
                Residual.backward(
                    dInput: zeroed(g.dNormed, count), dOutput: dResidual, count: count)
                Dropout.backward(
                    dInput: zeroed(g.dBranch, count), dOutput: dResidual,
                    mask: layer.outputMask.pointer, count: count)
                Linear.backward(
                    dInput: zeroed(g.dIntermediateActivated, tokens * inter),
                    dWeight: d(index, .outputWeight),
                    dBias: d(index, .outputBias), dOutput: dBranch,
                    input: layer.intermediateActivated.pointer,
                    weight: w(index, .outputWeight), tokens: tokens, inFeatures: inter,
                    outFeatures: hidden, precision: precision,
                    weightBFloat16: w16(index, .outputWeight))
                // BertIntermediate: GELU(dense(attentionNormed)).
                GELU.backward(
                    dInput: zeroed(g.dIntermediate, tokens * inter),
                    dOutput: g.dIntermediateActivated.pointer, input: layer.intermediate.pointer,
                    count: tokens * inter)
                Linear.backward(
                    dInput: g.dNormed.pointer, dWeight: d(index, .intermediateWeight),
                    dBias: d(index, .intermediateBias), dOutput: g.dIntermediate.pointer,
                    input: layer.attentionNormed.pointer,
                    weight: w(index, .intermediateWeight), tokens: tokens,
                    inFeatures: hidden, outFeatures: inter, precision: precision,
                    weightBFloat16: w16(index, .intermediateWeight))
                // BertSelfOutput: LayerNorm(dropout(dense(context)) + input).
                LayerNorm.backward(
                    dInput: zeroed(g.dResidual, count),
                    dWeight: d(index, .attentionNormWeight),
                    dBias: d(index, .attentionNormBias),
                    dOutput: g.dNormed.pointer, input: layer.attentionResidual.pointer,
                    mean: layer.attentionMean.pointer,
                    reciprocalStd: layer.attentionReciprocalStd.pointer,
                    weight: w(index, .attentionNormWeight), tokens: tokens,
                    hidden: hidden)
                Residual.backward(
                    dInput: zeroed(g.dHidden, count), dOutput: dResidual, count: count)
                Dropout.backward(
                    dInput: zeroed(g.dBranch, count), dOutput: dResidual,
                    mask: layer.attentionMask.pointer, count: count)
                Linear.backward(
                    dInput: zeroed(g.dContext, count),
                    dWeight: d(index, .attentionOutputWeight),
                    dBias: d(index, .attentionOutputBias), dOutput: dBranch,
                    input: layer.context.pointer,
                    weight: w(index, .attentionOutputWeight), tokens: tokens,
                    inFeatures: hidden, outFeatures: hidden, precision: precision,
                    weightBFloat16: w16(index, .attentionOutputWeight))
                // BertSelfAttention: attention, then the fused [3·hidden, hidden] projection
                // (query, key and value weights and biases are adjacent in the table).
                let qkv = UnsafePointer(layer.qkv.pointer)
                let dQKV = zeroed(g.dQKV, 3 * count)
                Attention.backward(
                    dQuery: dQKV, dKey: dQKV + hidden, dValue: dQKV + 2 * hidden,
                    dContext: g.dContext.pointer, probabilities: layer.probabilities.pointer,
                    dropoutMask: layer.probabilitiesMask.pointer, query: qkv, key: qkv + hidden,
                    value: qkv + 2 * hidden, rowStride: 3 * hidden, sequenceOffsets: offsets,
                    batch: batch, heads: heads, headDim: hidden / heads,
                    scratch: a.attentionScratch.buffer)
                Linear.backward(
                    dInput: dHidden, dWeight: d(index, .queryWeight),
                    dBias: d(index, .queryBias), dOutput: dQKV,
                    input: layer.input.pointer, weight: w(index, .queryWeight),
                    tokens: tokens, inFeatures: hidden, outFeatures: 3 * hidden, precision: precision,
                    weightBFloat16: w16(index, .queryWeight))
            }
        }

        // Embeddings: dropout, LayerNorm, then the three lookups.
        Dropout.backward(
            dInput: zeroed(g.dBranch, count), dOutput: dHidden, mask: a.embeddingMask.pointer,
            count: count)
        LayerNorm.backward(
            dInput: zeroed(g.dResidual, count), dWeight: d(.embeddingNormWeight),
            dBias: d(.embeddingNormBias), dOutput: dBranch,
            input: a.embeddingSum.pointer, mean: a.embeddingMean.pointer,
            reciprocalStd: a.embeddingReciprocalStd.pointer,
            weight: w(.embeddingNormWeight), tokens: tokens, hidden: hidden)
        let dWord = d(.wordEmbeddings)
        input.inputIDs.withUnsafeBufferPointer { ids in
            input.tokenTypeIDs.withUnsafeBufferPointer { types in
                input.positionIDs.withUnsafeBufferPointer { positions in
                    Embedding.backward(
                        dWordEmbeddings: dWord,
                        dPositionEmbeddings: d(.positionEmbeddings),
                        dTokenTypeEmbeddings: d(.tokenTypeEmbeddings),
                        dOutput: dResidual, inputIDs: ids.baseAddress!,
                        positionIDs: positions.baseAddress!, tokenTypeIDs: types.baseAddress!,
                        tokens: tokens, hidden: hidden)
                }
            }
        }
        if let pad = c.padTokenID {
            (dWord + pad * hidden).update(repeating: 0, count: hidden)
        }
    }
}
