// swift-bert — the BERT model.

/// BertForSequenceClassification's forward workspace: the encoder's activations and the
/// head's (the [CLS] rows, the pooler, the classifier's input, logits and softmax).
public final class Activations: EncoderActivations, @unchecked Sendable {
    /// Each sequence's first row of ``sequenceOutput``: `[batch, hidden]`.
    public var firstTokens = FloatBuffer(count: 0)
    public var pooledLinear = FloatBuffer(count: 0)
    /// tanh(pooler dense): BertModel's `pooler_output`, `[batch, hidden]`.
    public var pooled = FloatBuffer(count: 0)
    public var pooledMask = FloatBuffer(count: 0)
    public var classifierInput = FloatBuffer(count: 0)
    /// `[batch, classes]`.
    public var logits = FloatBuffer(count: 0)
    /// Softmax of the logits, saved by the loss: `[batch, classes]`.
    public var probabilities = FloatBuffer(count: 0)
    /// Row index of each sequence's [CLS] token: `[batch]`.
    public var firstTokenRows: [Int32] = []

    override func reserveHead(tokens: Int, batch: Int) {
        guard batch > batchCapacity else { return }
        firstTokens = FloatBuffer(count: batch * hidden)
        pooledLinear = FloatBuffer(count: batch * hidden)
        pooled = FloatBuffer(count: batch * hidden)
        pooledMask = FloatBuffer(count: batch * hidden)
        classifierInput = FloatBuffer(count: batch * hidden)
        logits = FloatBuffer(count: batch * classes)
        probabilities = FloatBuffer(count: batch * classes)
        firstTokenRows = [Int32](repeating: 0, count: batch)
    }
}
