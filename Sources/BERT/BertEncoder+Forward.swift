// swift-bert — the BERT model.

import Kernels
import Randomness

extension BertEncoder {
    /// Runs the embeddings and every encoder layer on a packed batch, leaving every
    /// activation (and the sequence output, `[tokens, hidden]`) in `activations`.
    ///
    /// Matches transformers' `BertModel.forward` up to `last_hidden_state` (eval mode when
    /// `training` is false): embeddings (word + position + token type) → LayerNorm → dropout;
    /// per layer, self-attention (fused QKV projection, softmax(QKᵀ/√d) with dropout,
    /// context) → dense → dropout → residual → LayerNorm → dense → exact GELU → dense →
    /// dropout → residual → LayerNorm. Dropout uses `hidden_dropout_prob` and
    /// `attention_probs_dropout_prob`; when `training`, one word drawn from `generator` keys
    /// every mask of the pass (``DropoutKey``, with ``DropoutSite`` and the batch's
    /// ``PackedBatch/firstExampleIndex``), so each sequence's masks depend only on that word,
    /// its example index and the site.
    ///
    /// With `weights.precision` `.bfloat16`, as `torch.autocast("cpu", dtype=torch.bfloat16)`:
    /// the ops autocast runs in bf16 are `linear` (Q/K/V, attention output, intermediate,
    /// output) and `matmul`/`bmm`/SDPA (attention); the linear layers take bf16 inputs with
    /// fp32 accumulation, and the Q/K/V projection's output is rounded to bf16 (the tensor
    /// autocast hands to attention, which SDPA's math path computes in fp32). Embeddings,
    /// LayerNorm, GELU, softmax, dropout and every reduction run in fp32, and every output of
    /// a GEMM stays fp32.
    ///
    /// With `rows` ``EncoderOutputRows/firstTokens`` the last layer goes past its attention
    /// on each sequence's first row only, and `sequenceOutput` holds `[batch, hidden]`.
    /// - Precondition: `input` passed the model's `validate(_:)`.
    public func forward(
        _ input: PackedBatch, weights w: ModelWeights, activations a: EncoderActivations,
        training: Bool, generator: inout SeededGenerator, rows: EncoderOutputRows = .all
    ) {
        a.reserve(for: input)
        a.outputRows = rows
        a.keepsBFloat16Inputs = Gemm.runsBFloat16Natively(w.precision)
        if a.keepsBFloat16Inputs { a.reserveBFloat16Inputs(tokens: input.tokens) }
        let c = configuration
        let tokens = input.tokens
        let batch = input.batch
        let hidden = c.hiddenSize
        let heads = c.numAttentionHeads
        let count = tokens * hidden
        let eps = Float(c.layerNormEps)
        let hiddenDropout = training ? Float(c.hiddenDropoutProb) : 0
        let attentionDropout = training ? Float(c.attentionProbsDropoutProb) : 0
        let dropoutKey = DropoutKey(
            step: training ? generator.next() : 0, firstExample: input.firstExampleIndex)

        input.inputIDs.withUnsafeBufferPointer { ids in
            input.tokenTypeIDs.withUnsafeBufferPointer { types in
                input.positionIDs.withUnsafeBufferPointer { positions in
                    Embedding.forward(
                        output: a.embeddingSum.pointer, inputIDs: ids.baseAddress!,
                        positionIDs: positions.baseAddress!, tokenTypeIDs: types.baseAddress!,
                        wordEmbeddings: w[offset(.wordEmbeddings)],
                        positionEmbeddings: w[offset(.positionEmbeddings)],
                        tokenTypeEmbeddings: w[offset(.tokenTypeEmbeddings)],
                        tokens: tokens, hidden: hidden)
                }
            }
        }
        LayerNorm.forward(
            output: a.embeddingNormed.pointer, mean: a.embeddingMean.pointer,
            reciprocalStd: a.embeddingReciprocalStd.pointer, input: a.embeddingSum.pointer,
            weight: w[offset(.normWeight)],
            bias: w[offset(.normBias)], tokens: tokens, hidden: hidden,
            epsilon: eps)

        input.sequenceOffsets.withUnsafeBufferPointer { offsetsBuffer in
            let offsets = offsetsBuffer.baseAddress!
            Dropout.forward(
                output: a.layers.first?.input.pointer ?? a.sequenceOutput.pointer,
                mask: a.embeddingMask.pointer, input: a.embeddingNormed.pointer, width: hidden,
                sequenceOffsets: offsets, batch: batch,
                key: dropoutKey.at(site: DropoutSite.embeddings), probability: hiddenDropout)
            for (index, layer) in a.layers.enumerated() {
                let output =
                    index + 1 < a.layers.count
                    ? a.layers[index + 1].input.pointer : a.sequenceOutput.pointer
                Linear.forward(
                    output: layer.qkv.pointer, input: layer.input.pointer,
                    weight: w[offset(index, .queryWeight)],
                    bias: w[offset(index, .queryBias)], tokens: tokens,
                    inFeatures: hidden, outFeatures: 3 * hidden, precision: w.precision,
                    weightBFloat16: w.bfloat16(offset(index, .queryWeight)),
                    // Above the first layer, the previous layer's LayerNorm rounded it.
                    inputBFloat16: a.bfloat16Input(layer.inputBFloat16), inputRounded: index > 0)
                if w.precision == .bfloat16 {
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
                    dropoutProbability: attentionDropout,
                    dropoutKey: dropoutKey.at(
                        site: DropoutSite.attentionProbabilities(layer: index)),
                    scratch: a.attentionScratch.buffer)
                guard rows == .firstTokens && index + 1 == a.layers.count else {
                    feedForward(
                        a, layer: layer, index: index, weights: w, context: layer.context.pointer,
                        input: layer.input.pointer, output: output, rows: tokens,
                        sequenceOffsets: offsets, batch: batch, dropoutKey: dropoutKey,
                        dropout: hiddenDropout)
                    continue
                }
                // Only the [CLS] rows go on (EncoderOutputRows): offsets[s] is s's first row.
                RowGather.forward(
                    output: a.firstTokenContext.pointer, input: layer.context.pointer,
                    rows: offsets, count: batch, width: hidden)
                RowGather.forward(
                    output: a.firstTokenInput.pointer, input: layer.input.pointer, rows: offsets,
                    count: batch, width: hidden)
                a.firstTokenOffsets.withUnsafeBufferPointer { firstOffsets in
                    feedForward(
                        a, layer: layer, index: index, weights: w,
                        context: a.firstTokenContext.pointer, input: a.firstTokenInput.pointer,
                        output: output, rows: batch, sequenceOffsets: firstOffsets.baseAddress!,
                        batch: batch, dropoutKey: dropoutKey, dropout: hiddenDropout)
                }
            }
        }
    }

    /// A layer past its attention, on `rows` rows: `BertSelfOutput` (dense → dropout →
    /// residual → LayerNorm), `BertIntermediate` (dense → GELU) and `BertOutput` (dense →
    /// dropout → residual → LayerNorm) into `output`. Dropout keys row `r` by the sequence
    /// `sequenceOffsets` puts it in.
    private func feedForward(
        _ a: EncoderActivations, layer: EncoderActivations.Layer, index: Int, weights w: ModelWeights,
        context: UnsafePointer<Float>, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, rows: Int, sequenceOffsets offsets: UnsafePointer<Int32>,
        batch: Int, dropoutKey: DropoutKey, dropout: Float
    ) {
        let c = configuration
        let hidden = c.hiddenSize
        let inter = c.intermediateSize
        let eps = Float(c.layerNormEps)
        Linear.forward(
            output: layer.attentionDense.pointer, input: context,
            weight: w[offset(index, .attentionOutputWeight)],
            bias: w[offset(index, .attentionOutputBias)], tokens: rows,
            inFeatures: hidden, outFeatures: hidden, precision: w.precision,
            weightBFloat16: w.bfloat16(offset(index, .attentionOutputWeight)),
            inputBFloat16: a.bfloat16Input(layer.contextBFloat16))
        Dropout.forward(
            output: layer.attentionResidual.pointer, mask: layer.attentionMask.pointer,
            input: layer.attentionDense.pointer, width: hidden, sequenceOffsets: offsets,
            batch: batch,
            key: dropoutKey.at(site: DropoutSite.attentionOutput(layer: index)),
            probability: dropout, residual: input)
        LayerNorm.forward(
            output: layer.attentionNormed.pointer, mean: layer.attentionMean.pointer,
            reciprocalStd: layer.attentionReciprocalStd.pointer,
            input: layer.attentionResidual.pointer,
            weight: w[offset(index, .attentionNormWeight)],
            bias: w[offset(index, .attentionNormBias)], tokens: rows,
            hidden: hidden, epsilon: eps,
            outputBFloat16: a.bfloat16Input(layer.attentionNormedBFloat16))
        Linear.forward(
            output: layer.intermediate.pointer, input: layer.attentionNormed.pointer,
            weight: w[offset(index, .intermediateWeight)],
            bias: w[offset(index, .intermediateBias)], tokens: rows,
            inFeatures: hidden, outFeatures: inter, precision: w.precision,
            weightBFloat16: w.bfloat16(offset(index, .intermediateWeight)),
            inputBFloat16: a.bfloat16Input(layer.attentionNormedBFloat16), inputRounded: true)
        // With kept bf16 inputs the output dense (forward and dWeight) reads only the bf16
        // copy, so the fp32 activation is not written (25 MB a layer at 2,048 tokens).
        GELU.forward(
            output: a.keepsBFloat16Inputs ? nil : layer.intermediateActivated.pointer,
            input: layer.intermediate.pointer, count: rows * inter,
            outputBFloat16: a.bfloat16Input(layer.intermediateActivatedBFloat16))
        Linear.forward(
            output: layer.outputDense.pointer, input: layer.intermediateActivated.pointer,
            weight: w[offset(index, .outputWeight)],
            bias: w[offset(index, .outputBias)], tokens: rows, inFeatures: inter,
            outFeatures: hidden, precision: w.precision,
            weightBFloat16: w.bfloat16(offset(index, .outputWeight)),
            inputBFloat16: a.bfloat16Input(layer.intermediateActivatedBFloat16), inputRounded: true)
        Dropout.forward(
            output: layer.outputResidual.pointer, mask: layer.outputMask.pointer,
            input: layer.outputDense.pointer, width: hidden, sequenceOffsets: offsets,
            batch: batch, key: dropoutKey.at(site: DropoutSite.output(layer: index)),
            probability: dropout, residual: layer.attentionNormed.pointer)
        LayerNorm.forward(
            output: output, mean: layer.outputMean.pointer,
            reciprocalStd: layer.outputReciprocalStd.pointer,
            input: layer.outputResidual.pointer,
            weight: w[offset(index, .outputNormWeight)],
            bias: w[offset(index, .outputNormBias)], tokens: rows, hidden: hidden,
            epsilon: eps,
            outputBFloat16: index + 1 < a.layers.count
                ? a.bfloat16Input(a.layers[index + 1].inputBFloat16) : nil)
    }
}
