// swift-bert — the BERT model.

import Kernels

extension BertEncoder {
    /// Runs the encoder's backward pass on the batch of the last
    /// ``forward(_:weights:activations:training:generator:)``, from the gradient of the
    /// sequence output that the head left in `gradients` (its `dHidden`), ACCUMULATING (`+=`)
    /// the gradient of every trainable encoder parameter into `gradients.parameters`.
    ///
    /// What `loss.backward()` computes for transformers' `BertModel` below its pooler, in
    /// reverse order of the forward pass: per layer, last to first: `BertOutput` (LayerNorm,
    /// residual, dropout, dense), GELU, `BertIntermediate` dense, `BertSelfOutput` (LayerNorm,
    /// residual, dropout, dense), `BertSelfAttention` (dropout on the probabilities, softmax,
    /// scores) and the fused query/key/value projection → embeddings dropout → LayerNorm →
    /// `nn.Embedding` scatter-adds into the word, position and token-type tables. Dropout
    /// reuses the masks saved by the forward pass. As `nn.Embedding(padding_idx=pad_token_id)`
    /// does, the [PAD] row of the word embeddings gets no gradient from the lookup (a tied
    /// decoder's gradient there stays, as PyTorch leaves it).
    ///
    /// With `freezing`, frozen tensors get no gradient (left as they are) and the pass stops
    /// at the lowest trainable layer, whose input gradient nothing needs: as PyTorch skips the
    /// work below tensors with `requires_grad = False`.
    ///
    /// After a forward pass with ``EncoderOutputRows/firstTokens``, `dHidden` holds the
    /// gradient of the `[batch, hidden]` first rows, and the last layer's backward runs on
    /// them before spreading to every row at its attention.
    ///
    /// Reports each trainable layer's tensors, then the embeddings', to
    /// `gradients.readinessObserver` as their backward finishes (``GradientReadinessObserver``).
    /// - Parameters:
    ///   - input: The batch passed to the forward pass that filled `activations`.
    ///   - weights: The weights of that forward pass.
    ///   - activations: The forward pass's saved activations (read only but for the attention
    ///     scratch).
    ///   - gradients: Holds d loss / d sequence output on entry; parameter gradients are
    ///     accumulated into it.
    ///   - freezing: Which encoder tensors train.
    public func backward(
        _ input: PackedBatch, weights w: ModelWeights, activations a: EncoderActivations,
        gradients g: EncoderGradients, freezing: Freezing = .none
    ) {
        precondition(
            a.tokenCapacity >= input.tokens && a.batchCapacity >= input.batch,
            "backward: activations were not filled for this batch")
        let first = freezing.firstTrainableLayer(layers: configuration.numHiddenLayers)
        if first == configuration.numHiddenLayers { return }
        g.reserve(for: input)
        let c = configuration
        let dp = g.parameters.pointer
        let tokens = input.tokens
        let batch = input.batch
        let hidden = c.hiddenSize
        let heads = c.numAttentionHeads
        let count = tokens * hidden
        let dHidden = g.dHidden.pointer
        // Kernels accumulate, so an activation gradient that several kernels add into starts
        // from zero; the first writer of a fresh one overwrites instead (`accumulate: false`).
        func zeroed(_ buffer: FloatBuffer, _ count: Int) -> UnsafeMutablePointer<Float> {
            buffer.pointer.update(repeating: 0, count: count)
            return buffer.pointer
        }

        // Encoder layers, last to first; dHidden holds d(layer output), then d(layer input).
        let dResidual = g.dResidual.pointer
        let dBranch = g.dBranch.pointer
        input.sequenceOffsets.withUnsafeBufferPointer { offsetsBuffer in
            let offsets = offsetsBuffer.baseAddress!
            for index in a.layers.indices.reversed() where index >= (first ?? 0) {
                let layer = a.layers[index]
                let firstTokensOnly = a.outputRows == .firstTokens && index + 1 == a.layers.count
                let dContext: UnsafeMutablePointer<Float>
                if firstTokensOnly {
                    // The forward pass went on with the [CLS] rows alone (EncoderOutputRows):
                    // spread their gradients back to rows offsets[s] of the full matrices.
                    feedForwardBackward(
                        a, layer: layer, index: index, weights: w, gradients: g,
                        context: a.firstTokenContext.pointer, rows: batch, dSkip: nil)
                    RowGather.backward(
                        dInput: zeroed(g.dHidden, count), dOutput: dResidual, rows: offsets,
                        count: batch, width: hidden)
                    dContext = zeroed(g.dResidual, count)
                    RowGather.backward(
                        dInput: dContext, dOutput: g.dContext.pointer, rows: offsets,
                        count: batch, width: hidden)
                } else {
                    // d(layer input) starts as the residual's share; the QKV backward adds.
                    feedForwardBackward(
                        a, layer: layer, index: index, weights: w, gradients: g,
                        context: layer.context.pointer, rows: tokens, dSkip: dHidden)
                    dContext = g.dContext.pointer
                }
                // BertSelfAttention: attention, then the fused [3·hidden, hidden] projection
                // (query, key and value weights and biases are adjacent in the table).
                let qkv = UnsafePointer(layer.qkv.pointer)
                let dQKV = zeroed(g.dQKV, 3 * count)
                Attention.backward(
                    dQuery: dQKV, dKey: dQKV + hidden, dValue: dQKV + 2 * hidden,
                    dContext: dContext, probabilities: layer.probabilities.pointer,
                    dropoutMask: layer.probabilitiesMask.pointer, query: qkv, key: qkv + hidden,
                    value: qkv + 2 * hidden, rowStride: 3 * hidden, sequenceOffsets: offsets,
                    batch: batch, heads: heads, headDim: hidden / heads,
                    scratch: a.attentionScratch.buffer)
                Linear.backward(
                    // Nothing below a frozen boundary needs d(layer input).
                    dInput: index == first ? nil : dHidden,
                    dWeight: dp + offset(index, .queryWeight),
                    dBias: dp + offset(index, .queryBias), dOutput: dQKV,
                    input: layer.input.pointer, weight: w[offset(index, .queryWeight)],
                    tokens: tokens, inFeatures: hidden, outFeatures: 3 * hidden, precision: w.precision,
                    weightBFloat16: w.bfloat16(offset(index, .queryWeight)),
                    inputBFloat16: a.bfloat16Input(layer.inputBFloat16))
                g.reportReady(layerRange(index))
            }
        }

        if first != nil { return }  // the embeddings are frozen
        // Embeddings: dropout, LayerNorm, then the three lookups.
        Dropout.backward(
            dInput: zeroed(g.dBranch, count), dOutput: dHidden, mask: a.embeddingMask.pointer,
            count: count)
        LayerNorm.backward(
            dInput: dResidual, dWeight: dp + offset(.normWeight),
            dBias: dp + offset(.normBias), dOutput: dBranch,
            input: a.embeddingSum.pointer, mean: a.embeddingMean.pointer,
            reciprocalStd: a.embeddingReciprocalStd.pointer,
            weight: w[offset(.normWeight)], tokens: tokens, hidden: hidden, accumulate: false)
        let dWord = dp + offset(.wordEmbeddings)
        input.inputIDs.withUnsafeBufferPointer { ids in
            input.tokenTypeIDs.withUnsafeBufferPointer { types in
                input.positionIDs.withUnsafeBufferPointer { positions in
                    Embedding.backward(
                        dWordEmbeddings: dWord,
                        dPositionEmbeddings: dp + offset(.positionEmbeddings),
                        dTokenTypeEmbeddings: dp + offset(.tokenTypeEmbeddings),
                        dOutput: dResidual, inputIDs: ids.baseAddress!,
                        positionIDs: positions.baseAddress!, tokenTypeIDs: types.baseAddress!,
                        tokens: tokens, hidden: hidden,
                        paddingIndex: c.padTokenID.map { Int32(truncatingIfNeeded: $0) })
                }
            }
        }
        g.reportReady(embeddingRange)
    }

    /// Backward of the layer past its attention (``forward(_:weights:activations:training:generator:rows:)``'s
    /// `feedForward`) on `rows` rows, from d(layer output) in `gradients.dHidden`: leaves
    /// d(attention LayerNorm input), the residual's gradient to the layer input, in
    /// `gradients.dResidual` and, when `dSkip` is given, a copy there; d(context) in
    /// `gradients.dContext`; and accumulates the parameter gradients of the attention output,
    /// intermediate and output blocks.
    private func feedForwardBackward(
        _ a: EncoderActivations, layer: EncoderActivations.Layer, index: Int, weights w: ModelWeights,
        gradients g: EncoderGradients, context: UnsafePointer<Float>, rows: Int,
        dSkip: UnsafeMutablePointer<Float>?
    ) {
        let c = configuration
        let hidden = c.hiddenSize
        let inter = c.intermediateSize
        let count = rows * hidden
        let dp = g.parameters.pointer
        let dHidden = g.dHidden.pointer
        let dResidual = g.dResidual.pointer
        let dBranch = g.dBranch.pointer
        // BertOutput: LayerNorm(dropout(dense(x)) + attentionNormed).
        LayerNorm.backward(
            dInput: dResidual,
            dWeight: dp + offset(index, .outputNormWeight),
            dBias: dp + offset(index, .outputNormBias), dOutput: dHidden,
            input: layer.outputResidual.pointer, mean: layer.outputMean.pointer,
            reciprocalStd: layer.outputReciprocalStd.pointer,
            weight: w[offset(index, .outputNormWeight)], tokens: rows,
            hidden: hidden, accumulate: false)
        Dropout.backwardThroughResidual(
            dBranch: dBranch, dSkip: g.dNormed.pointer, dOutput: dResidual,
            mask: layer.outputMask.pointer, count: count)
        Linear.backward(
            dInput: g.dIntermediateActivated.pointer,
            dWeight: dp + offset(index, .outputWeight),
            dBias: dp + offset(index, .outputBias), dOutput: dBranch,
            input: layer.intermediateActivated.pointer,
            weight: w[offset(index, .outputWeight)], tokens: rows, inFeatures: inter,
            outFeatures: hidden, precision: w.precision,
            weightBFloat16: w.bfloat16(offset(index, .outputWeight)),
            inputBFloat16: a.bfloat16Input(layer.intermediateActivatedBFloat16),
            accumulateInput: false)
        // BertIntermediate: GELU(dense(attentionNormed)).
        GELU.backward(
            dInput: g.dIntermediate.pointer,
            dOutput: g.dIntermediateActivated.pointer, input: layer.intermediate.pointer,
            count: rows * inter, accumulate: false)
        Linear.backward(
            dInput: g.dNormed.pointer, dWeight: dp + offset(index, .intermediateWeight),
            dBias: dp + offset(index, .intermediateBias), dOutput: g.dIntermediate.pointer,
            input: layer.attentionNormed.pointer,
            weight: w[offset(index, .intermediateWeight)], tokens: rows,
            inFeatures: hidden, outFeatures: inter, precision: w.precision,
            weightBFloat16: w.bfloat16(offset(index, .intermediateWeight)),
            inputBFloat16: a.bfloat16Input(layer.attentionNormedBFloat16))
        // BertSelfOutput: LayerNorm(dropout(dense(context)) + input).
        LayerNorm.backward(
            dInput: dResidual,
            dWeight: dp + offset(index, .attentionNormWeight),
            dBias: dp + offset(index, .attentionNormBias),
            dOutput: g.dNormed.pointer, input: layer.attentionResidual.pointer,
            mean: layer.attentionMean.pointer,
            reciprocalStd: layer.attentionReciprocalStd.pointer,
            weight: w[offset(index, .attentionNormWeight)], tokens: rows,
            hidden: hidden, accumulate: false)
        Dropout.backwardThroughResidual(
            dBranch: dBranch, dSkip: dSkip, dOutput: dResidual,
            mask: layer.attentionMask.pointer, count: count)
        Linear.backward(
            dInput: g.dContext.pointer,
            dWeight: dp + offset(index, .attentionOutputWeight),
            dBias: dp + offset(index, .attentionOutputBias), dOutput: dBranch,
            input: context,
            weight: w[offset(index, .attentionOutputWeight)], tokens: rows,
            inFeatures: hidden, outFeatures: hidden, precision: w.precision,
            weightBFloat16: w.bfloat16(offset(index, .attentionOutputWeight)),
            inputBFloat16: a.bfloat16Input(layer.contextBFloat16), accumulateInput: false)
    }
}
