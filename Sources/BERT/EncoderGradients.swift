// swift-bert — the BERT model.

/// The backward pass's workspace: the gradient of every parameter, laid out by the model's
/// ``ParameterTable``, plus the encoder's scratch buffers for the gradients of activations.
/// Each head's workspace extends it with the head's activation gradients (``Gradients`` for
/// sequence classification, …) by overriding ``reserveHead(tokens:batch:)``.
///
/// ``parameters`` is what `loss.backward()` leaves in every `param.grad` of PyTorch: the
/// backward pass ACCUMULATES into it, and the caller zeroes it between optimizer steps with
/// ``zero()`` (`optimizer.zero_grad()`), so several backward passes can sum their gradients.
/// Scratch buffers grow (once) when a larger batch arrives, like ``EncoderActivations``; a
/// training loop with a fixed batch size reaches its largest batch early and then allocates
/// nothing per step.
public class EncoderGradients: @unchecked Sendable {
    /// The layout of ``parameters``: the model's own table.
    public let table: ParameterTable
    /// d loss / d parameter for every parameter, at the offsets of ``table``.
    public let parameters: FloatBuffer

    /// Told which gradients are final as a backward pass runs (a data-parallel trainer's
    /// bucket launcher), or nil (one process: then each report is a nil check).
    public var readinessObserver: (any GradientReadinessObserver)?

    public private(set) var tokenCapacity = 0
    public private(set) var batchCapacity = 0

    // Activation gradients of the encoder, reused by every layer: `[tokens, width]`.
    /// The gradient of the sequence output (written by the head), then of each layer's input
    /// (the previous layer's output): `[tokens, hidden]`.
    var dHidden = FloatBuffer(count: 0)
    /// The gradient of a sum before LayerNorm (residual or embedding sum): `[tokens, hidden]`.
    var dResidual = FloatBuffer(count: 0)
    /// The gradient of `attentionNormed`, fed by the skip path and the feed-forward branch.
    var dNormed = FloatBuffer(count: 0)
    /// The gradient of a branch before dropout (`attentionDense`, `outputDense`,
    /// `embeddingNormed`): `[tokens, hidden]`.
    var dBranch = FloatBuffer(count: 0)
    var dContext = FloatBuffer(count: 0)
    /// `[tokens, 3·hidden]`, laid out as ``EncoderActivations/Layer/qkv``.
    var dQKV = FloatBuffer(count: 0)
    /// `[tokens, intermediate]` after and before GELU.
    var dIntermediateActivated = FloatBuffer(count: 0)
    var dIntermediate = FloatBuffer(count: 0)

    let hidden: Int
    let intermediate: Int
    let classes: Int

    /// A zeroed workspace for a model with `configuration`'s sizes and `table`'s layout.
    public init(configuration: BertConfiguration, table: ParameterTable) {
        self.table = table
        parameters = FloatBuffer(count: table.count)
        hidden = configuration.hiddenSize
        intermediate = configuration.intermediateSize
        classes = configuration.numLabels
    }

    /// Sets every parameter gradient to zero (`optimizer.zero_grad()`).
    public func zero() { parameters.zero() }

    /// The gradient of the parameter named `name` (an HF state-dict name), as a mutable view.
    public func gradient(_ name: String) -> UnsafeMutableBufferPointer<Float> {
        let entry = table[name]
        return UnsafeMutableBufferPointer(
            start: parameters.pointer + entry.offset, count: entry.count)
    }

    /// Makes every scratch buffer large enough for `input`.
    public func reserve(for input: PackedBatch) {
        reserve(tokens: input.tokens, batch: input.batch)
    }

    /// Grows the activation gradients, if needed, for batches of at most `tokens` tokens and
    /// `batch` sequences. Allocates nothing when they are already large enough.
    public func reserve(tokens: Int, batch: Int) {
        if tokens > tokenCapacity {
            let h = tokens * hidden
            dHidden = FloatBuffer(count: h)
            dResidual = FloatBuffer(count: h)
            dNormed = FloatBuffer(count: h)
            dBranch = FloatBuffer(count: h)
            dContext = FloatBuffer(count: h)
            dQKV = FloatBuffer(count: 3 * h)
            dIntermediateActivated = FloatBuffer(count: tokens * intermediate)
            dIntermediate = FloatBuffer(count: tokens * intermediate)
        }
        if tokens > tokenCapacity || batch > batchCapacity {
            reserveHead(tokens: max(tokens, tokenCapacity), batch: max(batch, batchCapacity))
            tokenCapacity = max(tokens, tokenCapacity)
            batchCapacity = max(batch, batchCapacity)
        }
    }

    /// Grows the head's buffers (see ``reserve(tokens:batch:)``); the encoder alone has none.
    func reserveHead(tokens: Int, batch: Int) {}
}
