// swift-bert — BERT: the model's hyper-parameters, read from and written to config.json.

import Checkpoints
import Foundation
import _RegularFile

/// A BERT model's hyper-parameters: transformers' `BertConfig`, as stored in `config.json`.
///
/// Loading follows `BertConfig.from_pretrained`, with one deliberate difference: the five
/// sizes that fix the shapes of the weights — `vocab_size`, `hidden_size`,
/// `num_hidden_layers`, `num_attention_heads`, `intermediate_size` — are **required**, because
/// a checkpoint whose config omits one would silently get bert-base's value and then fail (or
/// worse, not fail) when its weights load. Every other field takes `BertConfig`'s default when
/// it is absent: `hidden_act` "gelu", dropouts 0.1, 512 positions, 2 token types,
/// `layer_norm_eps` 1e-12, `initializer_range` 0.02, `pad_token_id` 0, no
/// `classifier_dropout` (the hidden dropout is used), no `problem_type`, and two labels
/// `LABEL_0`, `LABEL_1` (when `id2label` is present its size is the label count and
/// `num_labels` is ignored, as in transformers).
///
/// Only what this implementation computes is accepted: `hidden_act` "gelu" (exact erf GELU,
/// transformers' `GELUActivation`), `position_embedding_type` "absolute", `model_type` "bert",
/// and not `is_decoder`. Anything else is an error that names the field, rather than a model
/// that silently differs from PyTorch's.
///
/// Every key this type does not model (`_name_or_path`, `use_cache`, `torch_dtype`,
/// `transformers_version`, ...) is kept in ``additionalFields`` and written back by
/// ``write(to:)``, and number literals that were not changed are written back as they were
/// read, so that a fine-tuned model's `config.json` is the original with only the changed
/// fields overlaid (labels, `architectures`), and transformers loads it.
public struct BertConfiguration: Codable, Sendable, Equatable {
    /// The activation in the feed-forward block (`hidden_act`).
    public enum Activation: String, Sendable, CaseIterable {
        /// Exact GELU, `x·Φ(x)` with erf: PyTorch's `nn.GELU()`, transformers' "gelu".
        case gelu
    }

    /// How positions are encoded (`position_embedding_type`).
    public enum PositionEmbeddingType: String, Sendable, CaseIterable {
        /// A learned embedding per position, added to the token embeddings.
        case absolute
    }

    /// The loss that sequence classification uses (`problem_type`).
    public enum ProblemType: String, Sendable, CaseIterable {
        /// Mean squared error on a single output (transformers' default when `num_labels` is 1).
        case regression
        /// Cross-entropy over the labels (the default when `num_labels` > 1 and labels are ints).
        case singleLabelClassification = "single_label_classification"
        /// Binary cross-entropy with logits per label.
        case multiLabelClassification = "multi_label_classification"
    }

    /// The `model_type` this type reads and writes.
    public static let modelType = "bert"

    /// Rows of the word-embedding table (`vocab_size`); required.
    public var vocabSize: Int
    /// Width of every token vector (`hidden_size`); required.
    public var hiddenSize: Int
    /// Number of encoder layers (`num_hidden_layers`); required.
    public var numHiddenLayers: Int
    /// Number of attention heads; divides ``hiddenSize`` (`num_attention_heads`); required.
    public var numAttentionHeads: Int
    /// Width of the feed-forward block (`intermediate_size`); required.
    public var intermediateSize: Int
    /// The feed-forward activation (`hidden_act`, default "gelu").
    public var hiddenAct: Activation
    /// Dropout after the embeddings and before each residual add (`hidden_dropout_prob`, 0.1).
    public var hiddenDropoutProb: Double
    /// Dropout on attention probabilities (`attention_probs_dropout_prob`, 0.1).
    public var attentionProbsDropoutProb: Double
    /// Rows of the position-embedding table (`max_position_embeddings`, 512).
    public var maxPositionEmbeddings: Int
    /// Rows of the token-type-embedding table (`type_vocab_size`, 2).
    public var typeVocabSize: Int
    /// The LayerNorm epsilon (`layer_norm_eps`, 1e-12).
    public var layerNormEps: Double
    /// Standard deviation of new weights' normal initialization (`initializer_range`, 0.02).
    public var initializerRange: Double
    /// The padding token's id, or `nil` (`pad_token_id`, 0).
    public var padTokenID: Int?
    /// Dropout before the classifier; `nil` means ``hiddenDropoutProb`` (`classifier_dropout`).
    public var classifierDropout: Double?
    /// The classification loss, or `nil` to infer it as transformers does (`problem_type`).
    public var problemType: ProblemType?
    /// How positions are encoded (`position_embedding_type`, "absolute").
    public var positionEmbeddingType: PositionEmbeddingType
    /// The model classes the checkpoint was saved from (`architectures`).
    ///
    /// A fine-tuned classifier's is `["BertForSequenceClassification"]`.
    public var architectures: [String]?
    /// Label names by id (`id2label`); set through ``setLabels(_:)`` or ``setNumLabels(_:)``.
    public private(set) var id2label: [Int: String]
    /// Label ids by name (`label2id`).
    public private(set) var label2id: [String: Int]
    /// Every key of the source `config.json` that this type does not model, written back
    /// unchanged.
    public var additionalFields: [String: JSONValue]

    /// The literals of modeled fields as read, reused when writing an unchanged value.
    private var sourceLiterals: [String: JSONValue] = [:]
    /// The file this configuration came from, for error messages.
    private var origin = "BertConfiguration"

    /// The number of labels: the size of ``id2label`` (transformers' `num_labels`).
    public var numLabels: Int { id2label.count }
    /// The label names in id order.
    public var labelNames: [String] { (0..<numLabels).map { id2label[$0] ?? "LABEL_\($0)" } }
    /// The width of one attention head: ``hiddenSize`` / ``numAttentionHeads``.
    public var headDim: Int { hiddenSize / numAttentionHeads }
    /// The dropout before the classifier: ``classifierDropout``, else ``hiddenDropoutProb``.
    public var effectiveClassifierDropout: Double { classifierDropout ?? hiddenDropoutProb }

    /// Creates a configuration; the defaults are `BertConfig()`'s (bert-base-uncased).
    public init(
        vocabSize: Int = 30522, hiddenSize: Int = 768, numHiddenLayers: Int = 12,
        numAttentionHeads: Int = 12, intermediateSize: Int = 3072, hiddenAct: Activation = .gelu,
        hiddenDropoutProb: Double = 0.1, attentionProbsDropoutProb: Double = 0.1,
        maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2, layerNormEps: Double = 1e-12,
        initializerRange: Double = 0.02, padTokenID: Int? = 0, numLabels: Int = 2,
        classifierDropout: Double? = nil, problemType: ProblemType? = nil,
        positionEmbeddingType: PositionEmbeddingType = .absolute, architectures: [String]? = nil,
        additionalFields: [String: JSONValue] = [:]
    ) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.hiddenAct = hiddenAct
        self.hiddenDropoutProb = hiddenDropoutProb
        self.attentionProbsDropoutProb = attentionProbsDropoutProb
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.initializerRange = initializerRange
        self.padTokenID = padTokenID
        self.classifierDropout = classifierDropout
        self.problemType = problemType
        self.positionEmbeddingType = positionEmbeddingType
        self.architectures = architectures
        self.additionalFields = additionalFields
        (id2label, label2id) = ([:], [:])
        setNumLabels(numLabels)
    }

    /// bert-base-uncased: 12 layers, hidden 768, 12 heads, intermediate 3072, vocab 30522.
    public static let bertBaseUncased = BertConfiguration(architectures: ["BertForMaskedLM"])

    /// sentence-transformers/all-MiniLM-L6-v2: 6 layers, hidden 384, 12 heads, intermediate
    /// 1536, the bert-base-uncased vocabulary.
    public static let miniLM = BertConfiguration(
        hiddenSize: 384, numHiddenLayers: 6, intermediateSize: 1536, architectures: ["BertModel"])

    // MARK: - Labels

    /// Sets the labels: id `i` is `names[i]`.
    ///
    /// If a name repeats, ``label2id`` maps it to its last id (as Python's `dict` would).
    /// - Precondition: `names` is not empty.
    public mutating func setLabels(_ names: [String]) {
        precondition(!names.isEmpty, "a classifier needs at least one label")
        id2label = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0, $1) })
        label2id = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { $1 })
    }

    /// Sets `count` labels named `LABEL_0` … as transformers' `num_labels` setter does.
    /// - Precondition: `count` ≥ 1.
    public mutating func setNumLabels(_ count: Int) {
        precondition(count >= 1, "a classifier needs at least one label, got \(count)")
        setLabels((0..<count).map { "LABEL_\($0)" })
    }

    // MARK: - Reading

    /// Reads and validates a `config.json`.
    /// - Parameter url: The file.
    /// - Returns: The validated configuration.
    /// - Throws: ``ConfigurationError`` naming the file and the field.
    public static func load(from url: URL) throws -> BertConfiguration {
        let path = url.path
        let data: Data
        do {
            data = try RegularFile.read(url, limit: 16 << 20)
        } catch {
            throw ConfigurationError.unreadable(file: path, reason: error.reason)
        }
        let json: JSONValue
        do {
            json = try data.withUnsafeBytes { try JSONValue(parsing: $0, file: path) }
        } catch let error as CheckpointError {
            guard case .invalidJSON(_, let offset, let reason) = error else { throw error }
            throw ConfigurationError.invalidJSON(file: path, reason: "byte \(offset): \(reason)")
        }
        guard case .object(let object) = json else {
            throw ConfigurationError.invalidJSON(
                file: path, reason: "expected an object, found \(json.kindName)")
        }
        return try BertConfiguration(jsonObject: object, file: path)
    }

    /// Builds and validates a configuration from a parsed `config.json` object.
    /// - Parameters:
    ///   - object: The file's top-level object.
    ///   - file: The name errors report.
    /// - Throws: ``ConfigurationError`` naming the file and the field.
    public init(jsonObject object: [String: JSONValue], file: String) throws {
        let fields = FieldReader(object: object, file: file)
        vocabSize = try fields.int("vocab_size", default: nil)
        hiddenSize = try fields.int("hidden_size", default: nil)
        numHiddenLayers = try fields.int("num_hidden_layers", default: nil)
        numAttentionHeads = try fields.int("num_attention_heads", default: nil)
        intermediateSize = try fields.int("intermediate_size", default: nil)
        hiddenAct = try fields.choice("hidden_act", default: .gelu)
        hiddenDropoutProb = try fields.double("hidden_dropout_prob", default: 0.1)
        attentionProbsDropoutProb = try fields.double("attention_probs_dropout_prob", default: 0.1)
        maxPositionEmbeddings = try fields.int("max_position_embeddings", default: 512)
        typeVocabSize = try fields.int("type_vocab_size", default: 2)
        layerNormEps = try fields.double("layer_norm_eps", default: 1e-12)
        initializerRange = try fields.double("initializer_range", default: 0.02)
        padTokenID = try fields.optional("pad_token_id", default: 0) {
            try fields.int($0, default: nil)
        }
        classifierDropout = try fields.optional("classifier_dropout", default: nil) {
            try fields.double($0, default: nil)
        }
        problemType = try fields.optional("problem_type", default: nil) {
            try fields.choice($0, default: nil) as ProblemType
        }
        positionEmbeddingType = try fields.choice("position_embedding_type", default: .absolute)
        let modelType: String = try fields.string("model_type", default: Self.modelType)
        guard modelType == Self.modelType else {
            throw ConfigurationError.unsupportedValue(
                file: file, field: "model_type", value: modelType, supported: [Self.modelType])
        }
        architectures = try fields.optional("architectures", default: nil) {
            try fields.strings($0)
        }
        (id2label, label2id) = try fields.labels()
        additionalFields = object.filter { !Self.modeledKeys.contains($0.key) }
        sourceLiterals = object.filter { Self.modeledKeys.contains($0.key) }
        origin = file
        try validate()
    }

    /// Decodes a configuration from any decoder holding a `config.json` object, validating it
    /// as ``load(from:)`` does; errors name the file given in
    /// `userInfo[BertConfiguration.fileUserInfoKey]`, else "config.json".
    public init(from decoder: any Decoder) throws {
        let file = decoder.userInfo[Self.fileUserInfoKey] as? String ?? "config.json"
        let json = try JSONValue(from: decoder)
        guard case .object(let object) = json else {
            throw ConfigurationError.invalidJSON(
                file: file, reason: "expected an object, found \(json.kindName)")
        }
        try self.init(jsonObject: object, file: file)
    }

    /// The `userInfo` key whose `String` value names the decoded file in errors.
    public static let fileUserInfoKey: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "BertConfiguration.file") else {
            preconditionFailure("CodingUserInfoKey rejected a constant raw value")
        }
        return key
    }()

    // MARK: - Validation

    /// Checks that this implementation can build the model the configuration describes.
    /// - Throws: ``ConfigurationError`` naming the field: a size below 1, a hidden size that
    ///   the head count does not divide, a dropout outside [0, 1), an epsilon ≤ 0, a negative
    ///   initializer range, a pad token outside the vocabulary, labels whose ids are not
    ///   0..<n, single-label classification with one label, or `is_decoder`.
    ///   Sizes above ``Limits`` and a parameter count above ``Limits/parameters`` are refused
    ///   too, before anything is allocated: a config.json is untrusted input.
    public func validate() throws {
        let file = origin
        for (field, value, limit) in [
            ("vocab_size", vocabSize, Limits.vocabSize), ("hidden_size", hiddenSize, Limits.hiddenSize),
            ("num_hidden_layers", numHiddenLayers, Limits.layers),
            ("num_attention_heads", numAttentionHeads, Limits.heads),
            ("intermediate_size", intermediateSize, Limits.intermediateSize),
            ("max_position_embeddings", maxPositionEmbeddings, Limits.positions),
            ("type_vocab_size", typeVocabSize, Limits.typeVocabSize),
            ("num_labels", numLabels, Limits.labels),
        ] where !(1...limit).contains(value) {
            throw ConfigurationError.invalidValue(
                file: file, field: field, expected: "an integer in 1...\(limit)",
                actual: String(value))
        }
        guard let parameters = Limits.parameterCount(self), parameters <= Limits.parameters else {
            throw ConfigurationError.invalidValue(
                file: file, field: "num_hidden_layers",
                expected: "sizes giving at most \(Limits.parameters) parameters",
                actual: "\(numHiddenLayers) layers of hidden_size \(hiddenSize), "
                    + "intermediate_size \(intermediateSize), vocab_size \(vocabSize)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw ConfigurationError.invalidValue(
                file: file, field: "num_attention_heads",
                expected: "a divisor of hidden_size \(hiddenSize)",
                actual: String(numAttentionHeads))
        }
        var dropouts = [
            ("hidden_dropout_prob", hiddenDropoutProb),
            ("attention_probs_dropout_prob", attentionProbsDropoutProb),
        ]
        if let classifierDropout { dropouts.append(("classifier_dropout", classifierDropout)) }
        for (field, value) in dropouts where !(value >= 0 && value < 1) {
            throw ConfigurationError.invalidValue(
                file: file, field: field, expected: "a probability in [0, 1)", actual: "\(value)")
        }
        guard layerNormEps > 0, layerNormEps.isFinite else {
            throw ConfigurationError.invalidValue(
                file: file, field: "layer_norm_eps", expected: "a number > 0",
                actual: "\(layerNormEps)")
        }
        guard initializerRange >= 0, initializerRange.isFinite else {
            throw ConfigurationError.invalidValue(
                file: file, field: "initializer_range", expected: "a number ≥ 0",
                actual: "\(initializerRange)")
        }
        if let padTokenID, !(0..<vocabSize).contains(padTokenID) {
            throw ConfigurationError.invalidValue(
                file: file, field: "pad_token_id", expected: "an id in 0..<\(vocabSize) or null",
                actual: String(padTokenID))
        }
        if problemType == .singleLabelClassification && numLabels == 1 {
            throw ConfigurationError.invalidValue(
                file: file, field: "problem_type",
                expected: "regression for a single label (single_label_classification needs 2+)",
                actual: "single_label_classification")
        }
        if additionalFields["is_decoder"] == .bool(true) {
            throw ConfigurationError.unsupportedValue(
                file: file, field: "is_decoder", value: "true", supported: ["false"])
        }
    }

    // MARK: - Writing

    /// The configuration as a `config.json` object: ``additionalFields`` overlaid with every
    /// modeled field (`model_type` "bert", `id2label` with string keys, `label2id`; no
    /// `num_labels`, which transformers derives from `id2label`).
    public var jsonObject: [String: JSONValue] {
        var object = additionalFields
        func set(_ key: String, _ value: JSONValue) {
            // Keep the source's literal ("1e-12", "0.10") when the value did not change.
            if let old = sourceLiterals[key], old.doubleValue != nil,
                old.doubleValue == value.doubleValue
            {
                object[key] = old
            } else {
                object[key] = value
            }
        }
        set("vocab_size", JSONValue(vocabSize))
        set("hidden_size", JSONValue(hiddenSize))
        set("num_hidden_layers", JSONValue(numHiddenLayers))
        set("num_attention_heads", JSONValue(numAttentionHeads))
        set("intermediate_size", JSONValue(intermediateSize))
        set("hidden_act", .string(hiddenAct.rawValue))
        set("hidden_dropout_prob", JSONValue(hiddenDropoutProb))
        set("attention_probs_dropout_prob", JSONValue(attentionProbsDropoutProb))
        set("max_position_embeddings", JSONValue(maxPositionEmbeddings))
        set("type_vocab_size", JSONValue(typeVocabSize))
        set("layer_norm_eps", JSONValue(layerNormEps))
        set("initializer_range", JSONValue(initializerRange))
        set("pad_token_id", padTokenID.map { JSONValue($0) } ?? .null)
        set("classifier_dropout", classifierDropout.map { JSONValue($0) } ?? .null)
        set("problem_type", problemType.map { .string($0.rawValue) } ?? .null)
        set("position_embedding_type", .string(positionEmbeddingType.rawValue))
        set("model_type", .string(Self.modelType))
        if let architectures {
            set("architectures", .array(architectures.map { .string($0) }))
        } else {
            object["architectures"] = nil
        }
        set(
            "id2label",
            .object(
                Dictionary(
                    uniqueKeysWithValues: id2label.map {
                        (String($0.key), JSONValue.string($0.value))
                    })))
        set("label2id", .object(label2id.mapValues { JSONValue($0) }))
        return object
    }

    /// Writes `config.json` atomically, formatted as transformers writes it
    /// (`json.dumps(indent=2, sort_keys=True)` and a newline).
    /// - Parameter url: The destination file.
    /// - Throws: `CheckpointError.writeFailed` from the atomic write; the destination is then
    ///   unchanged.
    public func write(to url: URL) throws {
        let text = JSONValue.object(jsonObject).serialized(style: .pythonIndented) + "\n"
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    /// Encodes ``jsonObject``.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(jsonObject).encode(to: encoder)
    }

    /// Equal when every modeled field and every additional field is equal (the source file
    /// and its number spellings do not count).
    public static func == (left: BertConfiguration, right: BertConfiguration) -> Bool {
        left.withoutProvenance.jsonObject == right.withoutProvenance.jsonObject
    }

    private var withoutProvenance: BertConfiguration {
        var copy = self
        copy.sourceLiterals = [:]
        copy.origin = ""
        return copy
    }

    /// The keys this type models; everything else goes to ``additionalFields``.
    private static let modeledKeys: Set<String> = [
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
        "intermediate_size", "hidden_act", "hidden_dropout_prob", "attention_probs_dropout_prob",
        "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "initializer_range",
        "pad_token_id", "classifier_dropout", "problem_type", "position_embedding_type",
        "model_type", "architectures", "num_labels", "id2label", "label2id",
    ]
}

// MARK: - Errors

/// An error in a BERT `config.json`: every case names the file and the field.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read.
    case unreadable(file: String, reason: String)
    /// The file is not a JSON object.
    case invalidJSON(file: String, reason: String)
    /// A required field is absent.
    case missingField(file: String, field: String)
    /// A field holds the wrong kind of JSON value.
    case wrongType(file: String, field: String, expected: String, actual: String)
    /// A field's value is out of range or inconsistent with another field.
    case invalidValue(file: String, field: String, expected: String, actual: String)
    /// A field's value is valid for transformers but not implemented here.
    case unsupportedValue(file: String, field: String, value: String, supported: [String])

    /// A one-line message naming the file, the field and the expected and actual values.
    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .invalidJSON(let file, let reason):
            return "\(file): not a JSON object: \(reason)"
        case .missingField(let file, let field):
            return "\(file): missing required field '\(field)'"
        case .wrongType(let file, let field, let expected, let actual):
            return "\(file): field '\(field)' must be \(expected), found \(actual)"
        case .invalidValue(let file, let field, let expected, let actual):
            return "\(file): field '\(field)' must be \(expected), found \(actual)"
        case .unsupportedValue(let file, let field, let value, let supported):
            let list = supported.map { "'\($0)'" }.joined(separator: ", ")
            return "\(file): field '\(field)' = '\(value)' is not supported (supported: \(list))"
        }
    }
}

// MARK: - Field decoding

/// Reads typed fields out of a `config.json` object, with errors that name file and field.
private struct FieldReader {
    let object: [String: JSONValue]
    let file: String

    func wrongType(_ field: String, _ expected: String, _ value: JSONValue) -> ConfigurationError {
        .wrongType(
            file: file, field: field, expected: expected,
            actual: "\(value.kindName) \(value.serialized())")
    }

    /// Throws the error for an absent required field.
    func missing<T>(_ field: String) throws -> T {
        throw ConfigurationError.missingField(file: file, field: field)
    }

    func int(_ field: String, default fallback: Int?) throws -> Int {
        guard let value = object[field] else { return try fallback ?? missing(field) }
        guard let number = value.intValue else { throw wrongType(field, "an integer", value) }
        return number
    }

    func double(_ field: String, default fallback: Double?) throws -> Double {
        guard let value = object[field] else { return try fallback ?? missing(field) }
        guard let number = value.doubleValue, number.isFinite else {
            throw wrongType(field, "a number", value)
        }
        return number
    }

    func string(_ field: String, default fallback: String?) throws -> String {
        guard let value = object[field] else { return try fallback ?? missing(field) }
        guard let string = value.stringValue else { throw wrongType(field, "a string", value) }
        return string
    }

    func strings(_ field: String) throws -> [String] {
        guard let value = object[field], let array = value.arrayValue,
            case let strings = array.compactMap(\.stringValue), strings.count == array.count
        else {
            throw wrongType(field, "an array of strings", object[field] ?? .null)
        }
        return strings
    }

    func choice<Choice: RawRepresentable & CaseIterable>(
        _ field: String, default fallback: Choice?
    ) throws -> Choice where Choice.RawValue == String {
        let name = try string(field, default: fallback?.rawValue)
        guard let choice = Choice(rawValue: name) else {
            throw ConfigurationError.unsupportedValue(
                file: file, field: field, value: name, supported: Choice.allCases.map(\.rawValue))
        }
        return choice
    }

    /// A nullable field: `null` is `nil`, absent is `fallback`, anything else goes to `read`.
    func optional<T>(_ field: String, default fallback: T?, _ read: (String) throws -> T) throws
        -> T?
    {
        guard let value = object[field] else { return fallback }
        if value == .null { return nil }
        return try read(field)
    }

    /// `id2label` and `label2id` as transformers' `PretrainedConfig.__init__` builds them.
    func labels() throws -> ([Int: String], [String: Int]) {
        guard let id2labelValue = object["id2label"], id2labelValue != .null else {
            let count = try int("num_labels", default: 2)
            guard (1...BertConfiguration.Limits.labels).contains(count) else {
                throw ConfigurationError.invalidValue(
                    file: file, field: "num_labels",
                    expected: "an integer in 1...\(BertConfiguration.Limits.labels)",
                    actual: String(count))
            }
            let names = (0..<count).map { "LABEL_\($0)" }
            return (
                Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0, $1) }),
                Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
            )
        }
        guard case .object(let entries) = id2labelValue else {
            throw wrongType("id2label", "an object of id strings to names", id2labelValue)
        }
        var id2label: [Int: String] = [:]
        for (key, value) in entries {
            guard let id = Int(key) else {
                throw ConfigurationError.invalidValue(
                    file: file, field: "id2label", expected: "integer keys", actual: "key '\(key)'")
            }
            guard let name = value.stringValue else {
                throw wrongType("id2label", "an object of id strings to names", value)
            }
            id2label[id] = name
        }
        guard !id2label.isEmpty, id2label.keys.sorted() == Array(0..<id2label.count) else {
            throw ConfigurationError.invalidValue(
                file: file, field: "id2label", expected: "keys 0..<\(id2label.count)",
                actual: "keys \(id2label.keys.sorted())")
        }
        guard let label2idValue = object["label2id"], label2idValue != .null else {
            return (id2label, Dictionary(id2label.map { ($1, $0) }, uniquingKeysWith: max))
        }
        guard case .object(let names) = label2idValue else {
            throw wrongType("label2id", "an object of names to ids", label2idValue)
        }
        var label2id: [String: Int] = [:]
        for (name, value) in names {
            // transformers types label2id as dict[str, int] | dict[str, str].
            guard let id = value.intValue ?? value.stringValue.flatMap({ Int($0) }) else {
                throw wrongType("label2id", "an object of names to integer ids", value)
            }
            label2id[name] = id
        }
        return (id2label, label2id)
    }
}
