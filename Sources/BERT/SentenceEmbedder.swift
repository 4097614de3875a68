// swift-bert — the BERT model.

import Foundation
import Kernels
import Randomness
import Tokenization

/// Sentence embeddings from a model folder, as sentence-transformers'
/// `SentenceTransformer.encode` computes them: the encoder's last hidden state (before the
/// pooler), pooled over each text's real tokens, optionally L2-normalized.
///
/// ```swift
/// let embedder = try SentenceEmbedder(folder: URL(fileURLWithPath: ".models/all-MiniLM-L6-v2"))
/// let vectors = try embedder.embed(["A man is eating food.", "A man is eating pasta."])
/// let cosine = zip(vectors[0], vectors[1]).map(*).reduce(0, +)  // normalized: dot = cosine
/// ```
///
/// The recipe comes from the folder's sentence-transformers files when it has them
/// (``SentenceTransformersRecipe``); arguments override it; without either it is mean pooling
/// without normalization. The classification head, if any, is loaded but unused.
public final class SentenceEmbedder: @unchecked Sendable {
    public let tokenizer: BertTokenizer
    public let model: BertForSequenceClassification
    /// What the folder's sentence-transformers files say (defaults when it has none).
    public let recipe: SentenceTransformersRecipe
    /// The folder the model came from (named in errors).
    public let folder: URL
    /// How token vectors become one vector.
    public var pooling: PoolingMode
    /// Whether each embedding is divided by its L2 norm.
    public var normalize: Bool
    /// Texts longer than this are truncated (special tokens included).
    public var maxLength: Int
    private let activations: Activations
    private var pooled = FloatBuffer(count: 0)

    /// The length of every embedding (`hidden_size`).
    public var dimension: Int { model.configuration.hiddenSize }

    /// Loads the tokenizer, the model and the sentence-transformers recipe of a folder.
    /// - Parameters:
    ///   - folder: A Hugging Face model folder, with or without sentence-transformers files.
    ///   - pooling: Overrides the folder's pooling (default: its `Pooling` module, else mean).
    ///   - normalize: Overrides whether to L2-normalize (default: whether the folder lists a
    ///     `Normalize` module).
    ///   - maxLength: Overrides the truncation length (default: `sentence_bert_config.json`'s
    ///     `max_seq_length`, else the tokenizer's `model_max_length`, else 512), capped by
    ///     `max_position_embeddings`.
    /// - Throws: `ConfigurationError` for bad config or sentence-transformers files,
    ///   `CheckpointError` or ``ModelError`` for bad weights, `TokenizerError`.
    public init(
        folder: URL, pooling: PoolingMode? = nil, normalize: Bool? = nil, maxLength: Int? = nil
    ) throws {
        self.folder = folder
        tokenizer = try BertTokenizer.load(from: folder)
        var generator = SeededGenerator(seed: 42)
        (model, _) = try BertForSequenceClassification.load(from: folder, generator: &generator)
        try model.checkVocabulary(of: tokenizer, folder: folder.path)
        let c = model.configuration
        recipe = try SentenceTransformersRecipe.load(from: folder, hiddenSize: c.hiddenSize)
        self.pooling = pooling ?? recipe.pooling ?? .mean
        self.normalize = normalize ?? recipe.normalize
        let limit = maxLength ?? recipe.maxSequenceLength ?? tokenizer.modelMaxLength ?? 512
        self.maxLength = min(limit, c.maxPositionEmbeddings)
        activations = Activations(configuration: c)
    }

    /// Embeds texts, `batchSize` at a time, in input order.
    /// - Returns: One vector of ``dimension`` floats per text.
    /// - Throws: ``ModelError/nonFiniteEmbedding(folder:input:)`` for NaN or infinite values.
    public func embed(_ texts: [String], batchSize: Int = 32) throws -> [[Float]] {
        try embed(texts.map { (text: $0, pair: nil) }, batchSize: batchSize)
    }

    /// Embeds texts or text pairs (encoded as BERT pairs, token types 0 then 1).
    /// - Returns: One vector of ``dimension`` floats per input.
    /// - Throws: ``ModelError/nonFiniteEmbedding(folder:input:)`` for NaN or infinite values.
    public func embed(_ inputs: [(text: String, pair: String?)], batchSize: Int = 32) throws
        -> [[Float]]
    {
        var result: [[Float]] = []
        result.reserveCapacity(inputs.count)
        try embed(inputs, batchSize: batchSize) { _, rows in
            let hidden = dimension
            for row in 0..<(rows.count / hidden) {
                result.append(Array(rows[(row * hidden)..<((row + 1) * hidden)]))
            }
        }
        return result
    }

    /// Embeds inputs batch by batch, handing each batch's embeddings to `body` as one
    /// row-major `[batch, dimension]` buffer (valid only during the call) with the index of
    /// its first input.
    /// - Throws: ``ModelError/nonFiniteEmbedding(folder:input:)``, ``ModelError/invalidInput(_:)``,
    ///   or what `body` throws.
    public func embed(
        _ inputs: [(text: String, pair: String?)], batchSize: Int = 32,
        _ body: (_ firstInput: Int, _ embeddings: UnsafeBufferPointer<Float>) throws -> Void
    ) throws {
        precondition(batchSize > 0, "batchSize must be positive")
        let hidden = dimension
        if pooled.count < batchSize * hidden { pooled = FloatBuffer(count: batchSize * hidden) }
        let buffer = pooled
        var start = 0
        while start < inputs.count {
            let slice = inputs[start..<min(start + batchSize, inputs.count)]
            let encodings = slice.map { item in
                recipe.lowercase
                    ? tokenizer.encode(
                        item.text.lowercased(), pair: item.pair?.lowercased(), maxLength: maxLength)
                    : tokenizer.encode(item.text, pair: item.pair, maxLength: maxLength)
            }
            let input = PackedInput(encodings: encodings)
            try model.validate(input)
            var unused = SeededGenerator(seed: 0)
            model.forward(
                input, activations: activations, training: false, generator: &unused, rows: .all)
            input.sequenceOffsets.withUnsafeBufferPointer { offsets in
                SequencePooling.forward(
                    output: buffer.pointer, input: activations.sequenceOutput.pointer,
                    sequenceOffsets: offsets.baseAddress!, batch: input.batch, hidden: hidden,
                    mode: pooling)
            }
            if normalize {
                L2Normalize.forward(rows: buffer.pointer, count: input.batch, width: hidden)
            }
            let rows = UnsafeBufferPointer(start: buffer.pointer, count: input.batch * hidden)
            if let bad = rows.firstIndex(where: { !$0.isFinite }) {
                throw ModelError.nonFiniteEmbedding(folder: folder.path, input: start + bad / hidden)
            }
            try body(start, rows)
            start += slice.count
        }
    }
}
