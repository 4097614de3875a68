// swift-bert — the BERT model.

/// Where each tensor of `BertForSequenceClassification` lives in the flat parameter buffer.
///
/// The keys are transformers' exact state-dict names (`bert.embeddings.word_embeddings.weight`,
/// `bert.encoder.layer.0.attention.self.query.weight`, …, `classifier.bias`); this table is
/// the one place that binds them. Gradients and AdamW moments use the same layout. Within
/// each layer, query, key and value weights (then their biases) are adjacent, so the three
/// projections run as one GEMM over a `[3·hidden, hidden]` weight.
public struct ParameterTable: Sendable {
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
    /// Every tensor's offset by role (see ``Offsets``).
    public private(set) var offsets = Offsets.empty

    /// The table of a BertForSequenceClassification with `configuration`'s sizes.
    public init(configuration c: BertConfiguration) {
        let hidden = c.hiddenSize
        var shapes: [(String, [Int])] = [
            ("bert.embeddings.word_embeddings.weight", [c.vocabSize, hidden]),
            ("bert.embeddings.position_embeddings.weight", [c.maxPositionEmbeddings, hidden]),
            ("bert.embeddings.token_type_embeddings.weight", [c.typeVocabSize, hidden]),
            ("bert.embeddings.LayerNorm.weight", [hidden]),
            ("bert.embeddings.LayerNorm.bias", [hidden]),
        ]
        for layer in 0..<c.numHiddenLayers {
            let p = "bert.encoder.layer.\(layer)."
            shapes += [
                (p + "attention.self.query.weight", [hidden, hidden]),
                (p + "attention.self.key.weight", [hidden, hidden]),
                (p + "attention.self.value.weight", [hidden, hidden]),
                (p + "attention.self.query.bias", [hidden]),
                (p + "attention.self.key.bias", [hidden]),
                (p + "attention.self.value.bias", [hidden]),
                (p + "attention.output.dense.weight", [hidden, hidden]),
                (p + "attention.output.dense.bias", [hidden]),
                (p + "attention.output.LayerNorm.weight", [hidden]),
                (p + "attention.output.LayerNorm.bias", [hidden]),
                (p + "intermediate.dense.weight", [c.intermediateSize, hidden]),
                (p + "intermediate.dense.bias", [c.intermediateSize]),
                (p + "output.dense.weight", [hidden, c.intermediateSize]),
                (p + "output.dense.bias", [hidden]),
                (p + "output.LayerNorm.weight", [hidden]),
                (p + "output.LayerNorm.bias", [hidden]),
            ]
        }
        shapes += [
            ("bert.pooler.dense.weight", [hidden, hidden]),
            ("bert.pooler.dense.bias", [hidden]),
            ("classifier.weight", [c.numLabels, hidden]),
            ("classifier.bias", [c.numLabels]),
        ]
        var entries: [Entry] = []
        var offset = 0
        for (name, shape) in shapes {
            entries.append(Entry(name: name, offset: offset, shape: shape))
            offset += shape.reduce(1, *)
        }
        self.entries = entries
        self.count = offset
        self.index = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($1.name, $0) })
        self.offsets = Offsets(table: self, layers: c.numHiddenLayers)
    }

    /// The entry named `name`, or nil.
    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The entry named `name`; a missing name is a programming error.
    public subscript(name: String) -> Entry {
        guard let position = index[name] else { preconditionFailure("no parameter \(name)") }
        return entries[position]
    }

}
