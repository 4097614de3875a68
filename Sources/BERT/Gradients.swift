// swift-bert — the BERT model.

/// BertForSequenceClassification's backward workspace: the parameter gradients and the
/// encoder's scratch (``EncoderGradients``), plus the head's activation gradients.
public final class Gradients: EncoderGradients, @unchecked Sendable {
    /// `[batch, classes]`: d loss / d logits, where the loss's gradient is written.
    public private(set) var dLogits = FloatBuffer(count: 0)
    // Activation gradients of the head, `[batch, hidden]`.
    var dClassifierInput = FloatBuffer(count: 0)
    var dPooled = FloatBuffer(count: 0)
    var dPooledLinear = FloatBuffer(count: 0)
    var dFirstTokens = FloatBuffer(count: 0)

    /// A zeroed workspace for a BertForSequenceClassification with `configuration`'s sizes.
    public init(configuration: BertConfiguration) {
        super.init(configuration: configuration, table: ParameterTable(configuration: configuration))
    }

    /// A zeroed workspace for `model`.
    public convenience init(model: BertForSequenceClassification) {
        self.init(configuration: model.configuration)
    }

    override func reserveHead(tokens: Int, batch: Int) {
        guard batch > batchCapacity else { return }
        dLogits = FloatBuffer(count: batch * classes)
        dClassifierInput = FloatBuffer(count: batch * hidden)
        dPooled = FloatBuffer(count: batch * hidden)
        dPooledLinear = FloatBuffer(count: batch * hidden)
        dFirstTokens = FloatBuffer(count: batch * hidden)
    }
}
