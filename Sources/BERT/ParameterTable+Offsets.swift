// swift-bert — the BERT model.

extension ParameterTable {
    /// The tensors outside the encoder layers, by role.
    public enum ModelTensor: Int, CaseIterable, Sendable {
        case wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings
        case embeddingNormWeight, embeddingNormBias
        case poolerWeight, poolerBias, classifierWeight, classifierBias

        /// The HF state-dict name.
        public var name: String {
            switch self {
            case .wordEmbeddings: return "bert.embeddings.word_embeddings.weight"
            case .positionEmbeddings: return "bert.embeddings.position_embeddings.weight"
            case .tokenTypeEmbeddings: return "bert.embeddings.token_type_embeddings.weight"
            case .embeddingNormWeight: return "bert.embeddings.LayerNorm.weight"
            case .embeddingNormBias: return "bert.embeddings.LayerNorm.bias"
            case .poolerWeight: return "bert.pooler.dense.weight"
            case .poolerBias: return "bert.pooler.dense.bias"
            case .classifierWeight: return "classifier.weight"
            case .classifierBias: return "classifier.bias"
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

    /// Offsets by role, resolved once so the forward and backward passes look nothing up
    /// by name (no string building, no hashing, no allocation per step).
    public struct Offsets: Sendable {
        @usableFromInline let model: [Int]
        @usableFromInline let layers: [Int]

        static let empty = Offsets(model: [], layers: [])

        private init(model: [Int], layers: [Int]) {
            self.model = model
            self.layers = layers
        }

        init(table: ParameterTable, layers layerCount: Int) {
            model = ModelTensor.allCases.map { table[$0.name].offset }
            var layers: [Int] = []
            layers.reserveCapacity(layerCount * LayerTensor.allCases.count)
            for layer in 0..<layerCount {
                for tensor in LayerTensor.allCases { layers.append(table[tensor.name(layer: layer)].offset) }
            }
            self.layers = layers
        }

        /// The offset of a tensor outside the layers.
        @inlinable public subscript(tensor: ModelTensor) -> Int { model[tensor.rawValue] }

        /// The offset of a tensor of layer `layer`.
        @inlinable public subscript(layer: Int, tensor: LayerTensor) -> Int {
            layers[layer * LayerTensor.allCases.count + tensor.rawValue]
        }
    }
}
