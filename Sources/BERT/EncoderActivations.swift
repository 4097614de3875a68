// swift-bert — the BERT model.

import Kernels

/// The encoder's forward workspace: every activation of the embeddings and layers that the
/// backward pass needs, in buffers sized for a token and batch capacity and reused from batch
/// to batch. Each head's workspace extends it with the head's own activations
/// (``Activations`` for sequence classification, …) by overriding ``reserveHead(tokens:batch:)``.
///
/// Buffers grow (once) when a larger batch arrives; a training loop with a fixed batch size
/// reaches its largest batch early and then allocates nothing per step.
public class EncoderActivations: @unchecked Sendable {
    /// Activations of one encoder layer, `[tokens, width]` row-major unless noted.
    public final class Layer: @unchecked Sendable {
        /// The layer's input (the previous layer's output or the embeddings).
        public var input = FloatBuffer(count: 0)
        /// Query, key and value side by side: `[tokens, 3·hidden]`.
        public var qkv = FloatBuffer(count: 0)
        /// Attention probabilities before dropout, per sequence and head.
        public var probabilities = FloatBuffer(count: 0)
        public var probabilitiesMask = FloatBuffer(count: 0)
        public var context = FloatBuffer(count: 0)
        public var attentionDense = FloatBuffer(count: 0)
        public var attentionMask = FloatBuffer(count: 0)
        /// dropout(attention output) + input, before LayerNorm.
        public var attentionResidual = FloatBuffer(count: 0)
        public var attentionNormed = FloatBuffer(count: 0)
        public var attentionMean = FloatBuffer(count: 0)
        public var attentionReciprocalStd = FloatBuffer(count: 0)
        /// `[tokens, intermediate]` before and after GELU; the fp32 GELU output is not written
        /// when the pass keeps bf16 inputs (``keepsBFloat16Inputs``: its bf16 copy is all the
        /// products read).
        public var intermediate = FloatBuffer(count: 0)
        public var intermediateActivated = FloatBuffer(count: 0)
        public var outputDense = FloatBuffer(count: 0)
        public var outputMask = FloatBuffer(count: 0)
        /// dropout(output dense) + attentionNormed, before LayerNorm.
        public var outputResidual = FloatBuffer(count: 0)
        public var outputMean = FloatBuffer(count: 0)
        public var outputReciprocalStd = FloatBuffer(count: 0)
        /// Where bf16 products run natively: the four linear layers' inputs (`input`,
        /// `context`, `attentionNormed`, `intermediateActivated`) rounded to bf16 by the
        /// forward pass, for the backward's `dWeight` products (``keepsBFloat16Inputs``).
        public var inputBFloat16 = BFloat16Buffer(count: 0)
        public var contextBFloat16 = BFloat16Buffer(count: 0)
        public var attentionNormedBFloat16 = BFloat16Buffer(count: 0)
        public var intermediateActivatedBFloat16 = BFloat16Buffer(count: 0)
    }

    public private(set) var tokenCapacity = 0
    public private(set) var batchCapacity = 0
    public private(set) var probabilityCapacity = 0
    /// Tokens the layers' bf16 input copies hold (0 until a native-bf16 pass needs them).
    public private(set) var bfloat16Capacity = 0
    /// Whether the last forward pass kept the linear layers' bf16 inputs.
    public internal(set) var keepsBFloat16Inputs = false

    public var embeddingSum = FloatBuffer(count: 0)
    public var embeddingNormed = FloatBuffer(count: 0)
    public var embeddingMean = FloatBuffer(count: 0)
    public var embeddingReciprocalStd = FloatBuffer(count: 0)
    public var embeddingMask = FloatBuffer(count: 0)
    public let layers: [Layer]
    /// The last layer's output: `[tokens, hidden]`, or `[batch, hidden]` (each sequence's
    /// first row) when ``outputRows`` is ``EncoderOutputRows/firstTokens``.
    public var sequenceOutput = FloatBuffer(count: 0)
    /// The rows the last forward pass computed in ``sequenceOutput``.
    public internal(set) var outputRows = EncoderOutputRows.all
    /// With ``EncoderOutputRows/firstTokens``: the last layer's attention context and input
    /// on each sequence's first row, `[batch, hidden]`.
    public var firstTokenContext = FloatBuffer(count: 0)
    public var firstTokenInput = FloatBuffer(count: 0)
    /// `0, 1, …, batch`: sequence offsets of `[batch, width]` rows taken as one-row
    /// sequences, so that dropout keys each first row as the full pass keys it.
    public internal(set) var firstTokenOffsets: [Int32] = [0]
    public var attentionScratch = FloatBuffer(count: 0)

    let hidden: Int
    let intermediate: Int
    let heads: Int
    let classes: Int

    /// An empty workspace for a model with `configuration`'s sizes.
    public init(configuration: BertConfiguration) {
        hidden = configuration.hiddenSize
        intermediate = configuration.intermediateSize
        heads = configuration.numAttentionHeads
        classes = configuration.numLabels
        layers = (0..<configuration.numHiddenLayers).map { _ in Layer() }
    }

    /// `buffer`'s bits where this pass keeps bf16 inputs (``keepsBFloat16Inputs``), else nil.
    func bfloat16Input(_ buffer: BFloat16Buffer) -> UnsafeMutablePointer<UInt16>? {
        keepsBFloat16Inputs ? buffer.pointer : nil
    }

    /// Grows the layers' bf16 input copies, if needed, to `tokens` rows. A forward pass
    /// whose products run bf16 natively grows them itself; a training loop reserves them
    /// with the rest of its workspace, so that no step allocates.
    public func reserveBFloat16Inputs(tokens: Int) {
        guard tokens > bfloat16Capacity else { return }
        for layer in layers {
            layer.inputBFloat16 = BFloat16Buffer(count: tokens * hidden)
            layer.contextBFloat16 = BFloat16Buffer(count: tokens * hidden)
            layer.attentionNormedBFloat16 = BFloat16Buffer(count: tokens * hidden)
            layer.intermediateActivatedBFloat16 = BFloat16Buffer(count: tokens * intermediate)
        }
        bfloat16Capacity = tokens
    }

    /// Grows the head's buffers for batches of `tokens` tokens in `batch` sequences; called by
    /// ``reserve(tokens:batch:attentionSquares:longestSequence:)`` when either capacity grows.
    /// The encoder alone has none.
    func reserveHead(tokens: Int, batch: Int) {}

    /// Grows the buffers, if needed, to hold `input`'s activations. Allocates nothing when
    /// the buffers are already large enough.
    public func reserve(for input: PackedInput) {
        let (squares, longest) = input.sequenceOffsets.withUnsafeBufferPointer {
            Attention.squaresAndLongest(sequenceOffsets: $0.baseAddress!, batch: input.batch)
        }
        reserve(
            tokens: input.tokens, batch: input.batch, attentionSquares: squares,
            longestSequence: longest)
    }

    /// Grows the buffers, if needed, to hold the activations of any batch of at most `tokens`
    /// tokens and `batch` sequences whose squared lengths sum to at most `attentionSquares`
    /// and whose longest has at most `longestSequence` tokens.
    public func reserve(tokens: Int, batch: Int, attentionSquares: Int, longestSequence: Int) {
        let probabilityCount = heads * attentionSquares
        let scratchCount = Attention.scratchCount(longestSequence: longestSequence)
        if tokens > tokenCapacity {
            let h = tokens * hidden
            embeddingSum = FloatBuffer(count: h)
            embeddingNormed = FloatBuffer(count: h)
            embeddingMean = FloatBuffer(count: tokens)
            embeddingReciprocalStd = FloatBuffer(count: tokens)
            embeddingMask = FloatBuffer(count: h)
            sequenceOutput = FloatBuffer(count: h)
            for layer in layers {
                layer.input = FloatBuffer(count: h)
                layer.qkv = FloatBuffer(count: 3 * h)
                layer.context = FloatBuffer(count: h)
                layer.attentionDense = FloatBuffer(count: h)
                layer.attentionMask = FloatBuffer(count: h)
                layer.attentionResidual = FloatBuffer(count: h)
                layer.attentionNormed = FloatBuffer(count: h)
                layer.attentionMean = FloatBuffer(count: tokens)
                layer.attentionReciprocalStd = FloatBuffer(count: tokens)
                layer.intermediate = FloatBuffer(count: tokens * intermediate)
                layer.intermediateActivated = FloatBuffer(count: tokens * intermediate)
                layer.outputDense = FloatBuffer(count: h)
                layer.outputMask = FloatBuffer(count: h)
                layer.outputResidual = FloatBuffer(count: h)
                layer.outputMean = FloatBuffer(count: tokens)
                layer.outputReciprocalStd = FloatBuffer(count: tokens)
            }
        }
        if probabilityCount > probabilityCapacity {
            probabilityCapacity = probabilityCount
            for layer in layers {
                layer.probabilities = FloatBuffer(count: probabilityCount)
                layer.probabilitiesMask = FloatBuffer(count: probabilityCount)
            }
        }
        if scratchCount > attentionScratch.count {
            attentionScratch = FloatBuffer(count: scratchCount)
        }
        if batch > batchCapacity {
            firstTokenContext = FloatBuffer(count: batch * hidden)
            firstTokenInput = FloatBuffer(count: batch * hidden)
            firstTokenOffsets = (0...batch).map { Int32($0) }
        }
        if tokens > tokenCapacity || batch > batchCapacity {
            reserveHead(tokens: max(tokens, tokenCapacity), batch: max(batch, batchCapacity))
            tokenCapacity = max(tokens, tokenCapacity)
            batchCapacity = max(batch, batchCapacity)
        }
    }
}
