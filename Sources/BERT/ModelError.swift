// swift-bert — the BERT model.

/// Errors loading or running a BERT model.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// A checkpoint tensor's shape disagrees with the config.
    case shapeMismatch(file: String, tensor: String, expected: [Int], actual: [Int])
    /// A required tensor is absent from the checkpoint.
    case missingTensor(file: String, tensor: String)
    /// The folder has no weights file.
    case missingWeights(folder: String)
    /// The tokenizer has more tokens than the embedding has rows.
    case vocabularyMismatch(folder: String, tokenizer: Int, embeddingRows: Int)
    /// An input is longer than the position embeddings allow, or has an out-of-range id.
    case invalidInput(String)
    /// The model computed NaN or infinite logits (its weights hold NaN or infinity, or they
    /// overflow); `input` is the 0-based index of the first such input.
    case nonFiniteLogits(folder: String, input: Int)
    /// The model computed a NaN or infinite embedding; `input` is the 0-based index of the
    /// first such input.
    case nonFiniteEmbedding(folder: String, input: Int)

    public var description: String {
        switch self {
        case .shapeMismatch(let file, let tensor, let expected, let actual):
            return "\(file): tensor '\(tensor)': shape \(actual), expected \(expected) from config.json"
        case .missingTensor(let file, let tensor):
            return "\(file): tensor '\(tensor)' is missing"
        case .missingWeights(let folder):
            return "\(folder): no model.safetensors in the folder"
        case .vocabularyMismatch(let folder, let tokenizer, let rows):
            return
                "\(folder): the tokenizer has \(tokenizer) tokens but word_embeddings has \(rows) rows (config.json vocab_size)"
        case .invalidInput(let message):
            return message
        case .nonFiniteLogits(let folder, let input):
            return "\(folder): the model's logits for input \(input + 1) are not finite (NaN or "
                + "infinity): its weights are damaged or overflow"
        case .nonFiniteEmbedding(let folder, let input):
            return "\(folder): the model's embedding of input \(input + 1) is not finite (NaN or "
                + "infinity): its weights are damaged or overflow"
        }
    }
}
