// swift-bert — the BERT model.

/// Where each tensor of a model lives in its flat parameter buffer.
///
/// The keys are transformers' exact state-dict names (`bert.embeddings.word_embeddings.weight`,
/// `bert.encoder.layer.0.attention.self.query.weight`, …, `classifier.bias`). A table is built
/// from segments: the encoder's tensors first (``BertEncoder/tensorShapes(_:)``), then the
/// head's (``SequenceClassificationHead/tensorShapes(_:)``, …), so that the encoder's
/// parameters are a prefix of the buffer and a frozen encoder is a prefix the optimizer skips.
/// Gradients and AdamW moments use the same layout, so zeroing, clipping, the update and a
/// gradient all-reduce are single passes over one buffer. Within each layer, query, key and
/// value weights (then their biases) are adjacent, so the three projections run as one GEMM
/// over a `[3·hidden, hidden]` weight.
public struct ParameterTable: Sendable {
    /// One tensor's name and shape, before it has a place.
    public typealias TensorShape = (name: String, shape: [Int])

    /// One tensor's place in the flat buffer.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let offset: Int
        public let shape: [Int]
        public var count: Int { shape.reduce(1, *) }
        public var range: Range<Int> { offset..<(offset + count) }
    }

    /// Entries in buffer order.
    public let entries: [Entry]
    /// Total number of floats.
    public let count: Int
    private let index: [String: Int]

    /// A table of `tensors`, laid out in that order.
    /// - Precondition: The names are unique.
    public init(tensors: [TensorShape]) {
        var entries: [Entry] = []
        var offset = 0
        for (name, shape) in tensors {
            entries.append(Entry(name: name, offset: offset, shape: shape))
            offset += shape.reduce(1, *)
        }
        self.entries = entries
        self.count = offset
        self.index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
    }

    /// The table of a BertForSequenceClassification with `configuration`'s sizes: the encoder,
    /// then the pooler and the classifier.
    public init(configuration c: BertConfiguration) {
        self.init(
            tensors: BertEncoder.tensorShapes(c) + SequenceClassificationHead.tensorShapes(c))
    }

    /// The entry named `name`, or nil.
    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The entry named `name`; a missing name is a programming error.
    public subscript(name: String) -> Entry {
        guard let position = index[name] else { preconditionFailure("no parameter \(name)") }
        return entries[position]
    }
}
