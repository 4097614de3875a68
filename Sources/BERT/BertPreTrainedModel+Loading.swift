// swift-bert — the BERT model.

import Checkpoints
import Foundation
import Randomness
import Tokenization

/// What loading a checkpoint did, as transformers' loading report lists it.
public struct LoadReport: Sendable, Equatable {
    /// Tensors absent from the checkpoint (or of another shape, for the classifier) that
    /// were newly initialized: "You should probably TRAIN this model…".
    public var newlyInitialized: [String] = []
    /// Checkpoint tensors the model does not use (pretraining heads such as `cls.*`).
    public var unused: [String] = []
    /// Buffers that are not parameters (`embeddings.position_ids`), ignored as transformers does.
    public var ignoredBuffers: [String] = []

    public init(newlyInitialized: [String] = [], unused: [String] = [], ignoredBuffers: [String] = [])
    {
        self.newlyInitialized = newlyInitialized
        self.unused = unused
        self.ignoredBuffers = ignoredBuffers
    }
}

/// A model type `from_pretrained` can make: every ``BertPreTrainedModel``, each loading into
/// its own type (`BertForSequenceClassification.load(from:…)` gives that type).
public protocol PretrainedLoadable: BertPreTrainedModel {
    init(configuration: BertConfiguration)
}

extension BertPreTrainedModel: PretrainedLoadable {}

extension PretrainedLoadable {
    /// Loads `config.json` and `model.safetensors` from a Hugging Face model folder into a
    /// model of this type.
    ///
    /// Follows `from_pretrained`: tensor names are found with or without the `bert.` prefix
    /// (a `BertModel` checkpoint such as MiniLM has none); buffers ending in `position_ids`
    /// or `token_type_ids` are ignored; the head's tensors (``optionalTensorPrefixes``), when
    /// absent — or for ``resizableTensorPrefixes``, when their shape differs because the label
    /// count changed — are newly initialized N(0, initializer_range) with zero biases and
    /// listed in the report. Any other missing tensor, or a shape that disagrees with the
    /// config, is an error naming the tensor.
    /// - Parameters:
    ///   - folder: The model folder.
    ///   - labels: Label names to use instead of the config's (changes `num_labels`).
    ///   - dropout: Overrides `hidden_dropout_prob` and `attention_probs_dropout_prob`.
    ///   - problemType: Overrides `problem_type` (`from_pretrained(problem_type=…)`).
    ///   - generator: Draws the new weights.
    /// - Throws: `ConfigurationError`, `CheckpointError` or ``ModelError``.
    public static func load(
        from folder: URL, labels: [String]? = nil, dropout: Double? = nil,
        problemType: BertConfiguration.ProblemType? = nil, generator: inout SeededGenerator
    ) throws -> (model: Self, report: LoadReport) {
        var configuration = try BertConfiguration.load(
            from: folder.appendingPathComponent("config.json"))
        if let labels, labels != configuration.labelNames { configuration.setLabels(labels) }
        if let problemType { configuration.problemType = problemType }
        if let dropout {
            configuration.hiddenDropoutProb = dropout
            configuration.attentionProbsDropoutProb = dropout
        }
        let weightsURL = folder.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ModelError.missingWeights(folder: folder.path)
        }
        let file = try SafeTensorsFile(contentsOf: weightsURL)
        // Before allocating: the config's sizes must be the file's, so a config.json that asks
        // for more than the file holds fails here, not in the allocator.
        try checkShapes(ParameterTable(tensors: BertEncoder.tensorShapes(configuration)), in: file)
        let model = Self(configuration: configuration)
        let report = try model.loadParameters(from: file, generator: &generator)
        return (model, report)
    }
}

extension PretrainedLoadable {
    /// A model folder loaded for inference, as the pipelines load one: its tokenizer
    /// (checked by `checkTokenizer` before the weights are read), then this model type, a
    /// missing head drawn from a fixed seed (listed in the report), and the tokenizer's ids
    /// checked against the embeddings.
    /// - Throws: What `checkTokenizer` throws, loading errors,
    ///   ``ModelError/vocabularyMismatch(folder:tokenizer:embeddingRows:)``.
    public static func loadForInference(
        from folder: URL, checkTokenizer: (BertTokenizer) throws -> Void = { _ in }
    ) throws -> (tokenizer: BertTokenizer, model: Self, report: LoadReport) {
        let tokenizer = try BertTokenizer.load(from: folder)
        try checkTokenizer(tokenizer)
        var generator = SeededGenerator(seed: 42)
        let (model, report) = try load(from: folder, generator: &generator)
        try model.checkVocabulary(of: tokenizer, folder: folder.path)
        return (tokenizer, model, report)
    }
}

extension BertPreTrainedModel {
    /// The most tokens an input may have, special tokens included: `requested`, else the
    /// tokenizer's `model_max_length`, else the model's positions, and never more than the
    /// positions (a longer input has no position embedding).
    public func inputLimit(_ requested: Int?, tokenizer: BertTokenizer) -> Int {
        let positions = configuration.maxPositionEmbeddings
        return min(requested ?? tokenizer.modelMaxLength ?? positions, positions)
    }
}

extension BertPreTrainedModel {
    /// Checks that every tensor of `table` is in `file` with the table's shape, without
    /// reading or allocating any tensor.
    /// - Throws: ``ModelError/missingTensor(file:tensor:)``,
    ///   ``ModelError/shapeMismatch(file:tensor:expected:actual:)``.
    public static func checkShapes(_ table: ParameterTable, in file: SafeTensorsFile) throws {
        let available = Set(file.tensorNames)
        for entry in table.entries where !isOptional(entry.name) {
            guard let found = candidates(entry.name).first(where: available.contains) else {
                throw ModelError.missingTensor(file: file.url.path, tensor: entry.name)
            }
            let shape = try file.info(found).shape
            guard shape == entry.shape else {
                throw ModelError.shapeMismatch(
                    file: file.url.path, tensor: found, expected: entry.shape, actual: shape)
            }
        }
    }

    /// Copies every parameter from `file` (see ``load(from:labels:dropout:generator:)``).
    public func loadParameters(from file: SafeTensorsFile, generator: inout SeededGenerator)
        throws -> LoadReport
    {
        var report = LoadReport()
        var used = Set<String>()
        let available = Set(file.tensorNames)
        let resizable = type(of: self).resizableTensorPrefixes
        for entry in table.entries {
            guard let found = Self.candidates(entry.name).first(where: available.contains) else {
                guard type(of: self).isOptional(entry.name) else {
                    throw ModelError.missingTensor(file: file.url.path, tensor: entry.name)
                }
                report.newlyInitialized.append(entry.name)
                continue
            }
            used.insert(found)
            for (tied, source) in type(of: self).tiedTensorNames where source == entry.name {
                used.insert(tied)  // the same tensor saved twice, as older checkpoints do
            }
            let info = try file.info(found)
            guard info.shape == entry.shape else {
                if resizable.contains(where: entry.name.hasPrefix) {
                    report.newlyInitialized.append(entry.name)
                    continue
                }
                throw ModelError.shapeMismatch(
                    file: file.url.path, tensor: found, expected: entry.shape, actual: info.shape)
            }
            try file.floats(found, into: parameter(entry.name))
        }
        // A classifier is kept or replaced whole, never half.
        for prefix in resizable
        where report.newlyInitialized.contains(where: { $0.hasPrefix(prefix) }) {
            for entry in table.entries
            where entry.name.hasPrefix(prefix) && !report.newlyInitialized.contains(entry.name) {
                report.newlyInitialized.append(entry.name)
            }
        }
        initialize(report.newlyInitialized, generator: &generator)
        for name in file.tensorNames.sorted() where !used.contains(name) {
            if name.hasSuffix("position_ids") || name.hasSuffix("token_type_ids") {
                report.ignoredBuffers.append(name)
            } else {
                report.unused.append(name)
            }
        }
        return report
    }

    /// The checkpoint names under which `name` may be stored: as is, and without `bert.`
    /// for checkpoints of a bare `BertModel`.
    static func candidates(_ name: String) -> [String] {
        var names = name.hasPrefix("bert.") ? [name, String(name.dropFirst("bert.".count))] : [name]
        names += tiedTensorNames.filter { $0.value == name }.map(\.key).sorted()
        return names
    }

    static func isOptional(_ name: String) -> Bool {
        optionalTensorPrefixes.contains(where: name.hasPrefix)
    }
}
