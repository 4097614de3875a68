// swift-bert — the BERT model.

/// transformers' `BertModel` without its pooler: the embeddings and the stack of encoder
/// layers, from a packed batch to the sequence output (`last_hidden_state`), forward and
/// backward. Every task model (``BertForSequenceClassification``, ``BertForTokenClassification``,
/// …) runs one and adds its head; the encoder owns no storage, only where its tensors live in
/// the model's flat buffer.
public struct BertEncoder: Sendable {
    /// The embedding tensors, by role.
    public enum EmbeddingTensor: Int, CaseIterable, Sendable {
        case wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings, normWeight, normBias

        /// The HF state-dict name.
        public var name: String {
            switch self {
            case .wordEmbeddings: return "bert.embeddings.word_embeddings.weight"
            case .positionEmbeddings: return "bert.embeddings.position_embeddings.weight"
            case .tokenTypeEmbeddings: return "bert.embeddings.token_type_embeddings.weight"
            case .normWeight: return "bert.embeddings.LayerNorm.weight"
            case .normBias: return "bert.embeddings.LayerNorm.bias"
            }
        }
    }

    /// The tensors of one encoder layer, by role.
    public enum LayerTensor: Int, CaseIterable, Sendable {
        case queryWeight, keyWeight, valueWeight, queryBias, keyBias, valueBias
        case attentionOutputWeight, attentionOutputBias, attentionNormWeight, attentionNormBias
        case intermediateWeight, intermediateBias, outputWeight, outputBias
        case outputNormWeight, outputNormBias

        /// The HF state-dict name within `bert.encoder.layer.{i}.`.
        public var suffix: String {
            switch self {
            case .queryWeight: return "attention.self.query.weight"
            case .keyWeight: return "attention.self.key.weight"
            case .valueWeight: return "attention.self.value.weight"
            case .queryBias: return "attention.self.query.bias"
            case .keyBias: return "attention.self.key.bias"
            case .valueBias: return "attention.self.value.bias"
            case .attentionOutputWeight: return "attention.output.dense.weight"
            case .attentionOutputBias: return "attention.output.dense.bias"
            case .attentionNormWeight: return "attention.output.LayerNorm.weight"
            case .attentionNormBias: return "attention.output.LayerNorm.bias"
            case .intermediateWeight: return "intermediate.dense.weight"
            case .intermediateBias: return "intermediate.dense.bias"
            case .outputWeight: return "output.dense.weight"
            case .outputBias: return "output.dense.bias"
            case .outputNormWeight: return "output.LayerNorm.weight"
            case .outputNormBias: return "output.LayerNorm.bias"
            }
        }

        /// The full HF name in layer `layer`.
        public func name(layer: Int) -> String { "bert.encoder.layer.\(layer).\(suffix)" }
    }

    /// Which of the encoder's parameters train, as setting `requires_grad = False` on
    /// transformers' modules does: frozen tensors get no gradient, no optimizer state
    /// update and no weight decay, and the backward pass stops where nothing below trains.
    public enum Freezing: Sendable, Equatable {
        /// Everything trains.
        case none
        /// The embeddings and the first `n` layers are frozen (`n` may be 0: embeddings only).
        case layers(Int)
        /// The whole encoder is frozen: only the head trains (the "feature extractor" use).
        case encoder

        /// The first layer whose parameters train (`layers` when none does), or nil when
        /// everything, the embeddings included, trains.
        func firstTrainableLayer(layers: Int) -> Int? {
            switch self {
            case .none: return nil
            case .layers(let n): return min(n, layers)
            case .encoder: return layers
            }
        }
    }

    /// The encoder's tensors in buffer order, with HF's names and `configuration`'s shapes.
    public static func tensorShapes(_ c: BertConfiguration) -> [ParameterTable.TensorShape] {
        let hidden = c.hiddenSize
        var shapes: [ParameterTable.TensorShape] = [
            (EmbeddingTensor.wordEmbeddings.name, [c.vocabSize, hidden]),
            (EmbeddingTensor.positionEmbeddings.name, [c.maxPositionEmbeddings, hidden]),
            (EmbeddingTensor.tokenTypeEmbeddings.name, [c.typeVocabSize, hidden]),
            (EmbeddingTensor.normWeight.name, [hidden]),
            (EmbeddingTensor.normBias.name, [hidden]),
        ]
        for layer in 0..<c.numHiddenLayers {
            for tensor in LayerTensor.allCases {
                let shape: [Int]
                switch tensor {
                case .queryWeight, .keyWeight, .valueWeight, .attentionOutputWeight:
                    shape = [hidden, hidden]
                case .intermediateWeight: shape = [c.intermediateSize, hidden]
                case .intermediateBias: shape = [c.intermediateSize]
                case .outputWeight: shape = [hidden, c.intermediateSize]
                default: shape = [hidden]
                }
                shapes.append((tensor.name(layer: layer), shape))
            }
        }
        return shapes
    }

    public let configuration: BertConfiguration
    private let embeddingOffsets: [Int]
    private let layerOffsets: [Int]
    /// The number of floats before the first tensor of each layer, then of the head: where
    /// the trainable suffix of the buffer starts for each ``Freezing``.
    private let layerStarts: [Int]
    /// The number of floats in the whole buffer, the head's included.
    private let parameterCount: Int

    /// The encoder whose tensors `table` places.
    public init(configuration: BertConfiguration, table: ParameterTable) {
        self.configuration = configuration
        embeddingOffsets = EmbeddingTensor.allCases.map { table[$0.name].offset }
        var offsets: [Int] = []
        var starts: [Int] = []
        for layer in 0..<configuration.numHiddenLayers {
            for tensor in LayerTensor.allCases { offsets.append(table[tensor.name(layer: layer)].offset) }
            starts.append(table[LayerTensor.queryWeight.name(layer: layer)].offset)
        }
        let last = table[EmbeddingTensor.normBias.name]
        let encoderEnd =
            configuration.numHiddenLayers > 0
            ? table[LayerTensor.outputNormBias.name(layer: configuration.numHiddenLayers - 1)].range
                .upperBound
            : last.range.upperBound
        starts.append(encoderEnd)
        layerOffsets = offsets
        layerStarts = starts
        parameterCount = table.count
    }

    /// The offset of an embedding tensor.
    @inline(__always) public func offset(_ tensor: EmbeddingTensor) -> Int {
        embeddingOffsets[tensor.rawValue]
    }

    /// The offset of a tensor of layer `layer`.
    @inline(__always) public func offset(_ layer: Int, _ tensor: LayerTensor) -> Int {
        layerOffsets[layer * LayerTensor.allCases.count + tensor.rawValue]
    }

    /// How many floats at the start of the buffer `freezing` freezes (the encoder's tensors
    /// come first, so the frozen ones are a prefix).
    public func frozenCount(_ freezing: Freezing) -> Int {
        guard let first = freezing.firstTrainableLayer(layers: configuration.numHiddenLayers)
        else { return 0 }
        return layerStarts[first]
    }

    /// The buffer range of layer `layer`'s tensors.
    public func layerRange(_ layer: Int) -> Range<Int> {
        layerStarts[layer]..<layerStarts[layer + 1]
    }

    /// The buffer range of the embedding tensors: the start of the buffer, before layer 0.
    public var embeddingRange: Range<Int> { 0..<layerStarts[0] }

    /// The buffer range after the encoder's tensors: the head's.
    public var headRange: Range<Int> { layerStarts[layerStarts.count - 1]..<parameterCount }
}
