// swift-bert — the BERT model.

import Checkpoints
import Foundation
import Kernels
import _RegularFile

/// The pooling sentence-transformers applies to a model's last hidden state.
public typealias PoolingMode = SequencePooling.Mode

/// How a sentence-transformers folder turns token vectors into a sentence embedding: the
/// pooling of its `Pooling` module, whether a `Normalize` module follows, and
/// `sentence_bert_config.json`'s `max_seq_length` and `do_lower_case`.
///
/// Read from the folder's `modules.json`, `<Pooling path>/config.json` and
/// `sentence_bert_config.json`, all untrusted: every problem is a ``ConfigurationError``
/// naming the file and the field. Only the modules whose arithmetic is implemented here are
/// accepted (`Transformer`, one `Pooling` with a single mean, cls or max mode, `Normalize`);
/// any other module (`Dense`, `LayerNorm`, …) is an error rather than a silently different
/// embedding.
public struct SentenceTransformersRecipe: Sendable, Equatable {
    /// The `Pooling` module's mode, or `nil` when the folder has no `modules.json`.
    public var pooling: PoolingMode?
    /// Whether `modules.json` lists a `Normalize` module.
    public var normalize: Bool
    /// `sentence_bert_config.json`'s `max_seq_length`, when present.
    public var maxSequenceLength: Int?
    /// `sentence_bert_config.json`'s `do_lower_case` (default false): sentence-transformers
    /// then applies `str.lower()` before tokenizing; ``SentenceEmbedder`` applies Swift's
    /// `lowercased()` (the same on all but context-dependent cases such as a final sigma).
    public var lowercase: Bool

    public init(
        pooling: PoolingMode? = nil, normalize: Bool = false, maxSequenceLength: Int? = nil,
        lowercase: Bool = false
    ) {
        self.pooling = pooling
        self.normalize = normalize
        self.maxSequenceLength = maxSequenceLength
        self.lowercase = lowercase
    }

    /// The largest sentence-transformers file read (they are a few hundred bytes).
    static let fileLimit = 1 << 20

    /// Reads the sentence-transformers files of `folder`; absent files give the defaults
    /// (no pooling recipe, no normalization, no length, no lower-casing).
    /// - Parameters:
    ///   - folder: The model folder.
    ///   - hiddenSize: The model's `hidden_size`, which the pooling's dimension must equal.
    /// - Throws: ``ConfigurationError`` naming the file and the field.
    public static func load(from folder: URL, hiddenSize: Int) throws -> SentenceTransformersRecipe {
        var recipe = SentenceTransformersRecipe()
        let settings = folder.appendingPathComponent("sentence_bert_config.json")
        if let object = try readObject(settings) {
            let file = settings.path
            if let value = object["max_seq_length"], value != .null {
                guard let length = value.intValue else {
                    throw wrongType(file, "max_seq_length", "an integer", value)
                }
                guard length >= 2 else {
                    throw ConfigurationError.invalidValue(
                        file: file, field: "max_seq_length", expected: "≥ 2", actual: "\(length)")
                }
                recipe.maxSequenceLength = length
            }
            if let value = object["do_lower_case"] {
                guard case .bool(let flag) = value else {
                    throw wrongType(file, "do_lower_case", "a boolean", value)
                }
                recipe.lowercase = flag
            }
        }
        let modulesURL = folder.appendingPathComponent("modules.json")
        guard let json = try readJSON(modulesURL) else { return recipe }
        let file = modulesURL.path
        guard case .array(let modules) = json else {
            throw ConfigurationError.invalidJSON(
                file: file, reason: "expected an array of modules, found \(json.kindName)")
        }
        var sawTransformer = false
        for (index, module) in modules.enumerated() {
            guard case .object(let fields) = module else {
                throw wrongType(file, "[\(index)]", "an object", module)
            }
            guard let typeValue = fields["type"] else {
                throw ConfigurationError.missingField(file: file, field: "[\(index)].type")
            }
            guard let type = typeValue.stringValue else {
                throw wrongType(file, "[\(index)].type", "a string", typeValue)
            }
            switch type.split(separator: ".").last.map(String.init) ?? "" {
            case "Transformer":
                guard !sawTransformer else {
                    throw ConfigurationError.invalidValue(
                        file: file, field: "[\(index)].type", expected: "one Transformer module",
                        actual: "a second one")
                }
                sawTransformer = true
            case "Pooling":
                guard recipe.pooling == nil else {
                    throw ConfigurationError.invalidValue(
                        file: file, field: "[\(index)].type", expected: "one Pooling module",
                        actual: "a second one")
                }
                let path = try modulePath(fields, index: index, file: file)
                recipe.pooling = try poolingMode(
                    folder.appendingPathComponent(path).appendingPathComponent("config.json"),
                    hiddenSize: hiddenSize)
            case "Normalize":
                guard recipe.pooling != nil else {
                    throw ConfigurationError.invalidValue(
                        file: file, field: "[\(index)].type",
                        expected: "Normalize after the Pooling module", actual: "before it")
                }
                recipe.normalize = true
            default:
                throw ConfigurationError.unsupportedValue(
                    file: file, field: "[\(index)].type", value: type,
                    supported: [
                        "sentence_transformers.models.Transformer",
                        "sentence_transformers.models.Pooling",
                        "sentence_transformers.models.Normalize",
                    ])
            }
        }
        guard sawTransformer, recipe.pooling != nil else {
            throw ConfigurationError.invalidValue(
                file: file, field: "type",
                expected: "a Transformer and a Pooling module", actual: "\(modules.count) modules without them")
        }
        return recipe
    }

    /// A module's `path`, relative and inside the folder.
    private static func modulePath(_ fields: [String: JSONValue], index: Int, file: String) throws
        -> String
    {
        let field = "[\(index)].path"
        guard let value = fields["path"] else {
            throw ConfigurationError.missingField(file: file, field: field)
        }
        guard let path = value.stringValue else { throw wrongType(file, field, "a string", value) }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), !components.contains(".."), !path.contains("\0") else {
            throw ConfigurationError.invalidValue(
                file: file, field: field, expected: "a relative folder inside the model folder",
                actual: JSONValue.quoted(path))
        }
        return path
    }

    /// The single pooling mode of a `Pooling` module's `config.json`: the legacy
    /// `pooling_mode_*_tokens` booleans (all false means mean, as sentence-transformers reads
    /// them) or the newer `pooling_mode` string.
    private static func poolingMode(_ url: URL, hiddenSize: Int) throws -> PoolingMode {
        let file = url.path
        guard let object = try readObject(url) else {
            throw ConfigurationError.unreadable(file: file, reason: "no such file")
        }
        let dimensionKeys = ["word_embedding_dimension", "embedding_dimension"]
        for key in dimensionKeys {
            guard let value = object[key] else { continue }
            guard let dimension = value.intValue else {
                throw wrongType(file, key, "an integer", value)
            }
            guard dimension == hiddenSize else {
                throw ConfigurationError.invalidValue(
                    file: file, field: key, expected: "\(hiddenSize) (config.json hidden_size)",
                    actual: "\(dimension)")
            }
        }
        // sentence-transformers' legacy keys, in its concatenation order.
        let legacy: [(key: String, mode: String)] = [
            ("pooling_mode_cls_token", "cls"), ("pooling_mode_max_tokens", "max"),
            ("pooling_mode_mean_tokens", "mean"),
            ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"),
            ("pooling_mode_weightedmean_tokens", "weightedmean"),
            ("pooling_mode_lasttoken", "lasttoken"),
        ]
        var modes: [String] = []
        var field = "pooling_mode"
        if let value = object["pooling_mode"] {
            switch value {
            case .string(let mode): modes = [mode]
            case .array(let items):
                for (index, item) in items.enumerated() {
                    guard let mode = item.stringValue else {
                        throw wrongType(file, "pooling_mode[\(index)]", "a string", item)
                    }
                    modes.append(mode)
                }
            default: throw wrongType(file, "pooling_mode", "a string or an array", value)
            }
        } else {
            for (key, mode) in legacy {
                guard let value = object[key] else { continue }
                guard case .bool(let on) = value else { throw wrongType(file, key, "a boolean", value) }
                if on {
                    modes.append(mode)
                    field = key
                }
            }
            if modes.isEmpty { modes = ["mean"] }
        }
        guard modes.count == 1 else {
            throw ConfigurationError.unsupportedValue(
                file: file, field: field, value: modes.joined(separator: "+"),
                supported: PoolingMode.allCases.map(\.rawValue))
        }
        guard let mode = PoolingMode(rawValue: modes[0]) else {
            throw ConfigurationError.unsupportedValue(
                file: file, field: field, value: modes[0],
                supported: PoolingMode.allCases.map(\.rawValue))
        }
        return mode
    }

    private static func wrongType(_ file: String, _ field: String, _ expected: String, _ value: JSONValue)
        -> ConfigurationError
    {
        .wrongType(
            file: file, field: field, expected: expected,
            actual: "\(value.kindName) \(value.serialized())")
    }

    /// The parsed JSON of `url`, or `nil` when the file does not exist.
    private static func readJSON(_ url: URL) throws -> JSONValue? {
        let path = url.path
        let data: Data
        do {
            data = try RegularFile.read(url, limit: fileLimit)
        } catch {
            if error.isMissing { return nil }
            throw ConfigurationError.unreadable(file: path, reason: error.reason)
        }
        do {
            return try data.withUnsafeBytes { try JSONValue(parsing: $0, file: path) }
        } catch let error as CheckpointError {
            guard case .invalidJSON(_, let offset, let reason) = error else { throw error }
            throw ConfigurationError.invalidJSON(file: path, reason: "byte \(offset): \(reason)")
        }
    }

    /// The parsed JSON object of `url`, or `nil` when the file does not exist.
    private static func readObject(_ url: URL) throws -> [String: JSONValue]? {
        guard let json = try readJSON(url) else { return nil }
        guard case .object(let object) = json else {
            throw ConfigurationError.invalidJSON(
                file: url.path, reason: "expected an object, found \(json.kindName)")
        }
        return object
    }
}
