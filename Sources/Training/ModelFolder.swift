// swift-bert — training.

import BERT
import Checkpoints
import Foundation
import Randomness

/// Reading a model to fine-tune, and writing a fine-tuned one as `save_pretrained` does.
public enum ModelFolder {
    /// The tokenizer files copied next to a saved model when the source folder has them.
    public static let tokenizerFiles = [
        "tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
    ]

    /// Loads a model for fine-tuning, as `BertForSequenceClassification.from_pretrained` with
    /// `num_labels`/`id2label` and, optionally, `hidden_dropout_prob` and
    /// `attention_probs_dropout_prob` overridden.
    /// - Throws: `ConfigurationError`, `CheckpointError` or `ModelError`.
    public static func load(
        from folder: URL, labels: [String], dropout: Double? = nil,
        generator: inout SeededGenerator
    ) throws -> (model: BertForSequenceClassification, report: LoadReport) {
        try BertForSequenceClassification.load(
            from: folder, labels: labels, dropout: dropout, generator: &generator)
    }

    /// Checks that `output` can be created or replaced, by creating and removing a
    /// temporary folder beside it; run it before a long training run.
    /// - Throws: ``TrainingError/cannotWrite(path:reason:)``.
    public static func checkWritable(_ output: URL) throws {
        let staging = try makeStaging(for: output)
        try? FileManager.default.removeItem(at: staging)
    }

    /// Writes a fine-tuned model folder that `from_pretrained` loads: `model.safetensors`
    /// (every parameter under its HF name, F32, metadata `{"format": "pt"}`), `config.json`
    /// (architectures: the model's class, such as `["BertForSequenceClassification"]`; the
    /// model's labels) and the
    /// tokenizer files `tokenizerFolder` has.
    ///
    /// Everything is written into a temporary folder beside `output`, which then takes
    /// `output`'s place (an existing folder there is replaced), so an interrupted save leaves
    /// the previous state.
    /// - Throws: ``TrainingError/nonFiniteParameter(tensor:)`` before writing anything;
    ///   ``TrainingError/cannotWrite(path:reason:)``; `CheckpointError`.
    /// - Parameter alsoWriting: Writes more files into the temporary folder (its argument)
    ///   before it takes `output`'s place, as checkpoints add the optimizer and trainer state.
    public static func save(
        _ model: BertPreTrainedModel, tokenizerFolder: URL, to output: URL,
        alsoWriting: (URL) throws -> Void = { _ in }
    ) throws {
        for entry in model.table.entries {
            let values = model.parameter(entry.name)
            if values.contains(where: { !$0.isFinite }) {
                throw TrainingError.nonFiniteParameter(tensor: entry.name)
            }
        }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: output.path, isDirectory: &isDirectory),
            !isDirectory.boolValue
        {
            throw TrainingError.cannotWrite(path: output.path, reason: "a file is in the way")
        }
        let staging = try makeStaging(for: output)
        do {
            var writer = SafeTensorsWriter(metadata: ["format": "pt"])
            for entry in model.table.entries {
                try writer.add(
                    entry.name, shape: entry.shape,
                    borrowingFloats: UnsafeBufferPointer(model.parameter(entry.name)))
            }
            try writer.write(to: staging.appendingPathComponent("model.safetensors"))
            var configuration = model.configuration
            configuration.architectures = [type(of: model).architecture]
            try configuration.write(to: staging.appendingPathComponent("config.json"))
            for name in tokenizerFiles {
                // An HF cache snapshot holds relative symlinks into blobs/: copy the target.
                let source = tokenizerFolder.appendingPathComponent(name)
                    .resolvingSymlinksInPath()
                if manager.fileExists(atPath: source.path) {
                    try manager.copyItem(at: source, to: staging.appendingPathComponent(name))
                }
            }
            try alsoWriting(staging)
            try moveIntoPlace(staging, output)
        } catch {
            try? manager.removeItem(at: staging)
            if error is TrainingError || error is CheckpointError { throw error }
            throw TrainingError.cannotWrite(path: output.path, reason: reason(error))
        }
    }

    /// Creates an empty hidden folder in `output`'s parent (creating the parent if needed).
    static func makeStaging(for output: URL) throws -> URL {
        let manager = FileManager.default
        let parent = output.standardizedFileURL.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(
            ".\(output.lastPathComponent).partial-\(UUID().uuidString)")
        var ancestor = parent
        while !manager.fileExists(atPath: ancestor.path), ancestor.path != "/" {
            ancestor = ancestor.deletingLastPathComponent()
        }
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: ancestor.path, isDirectory: &isDirectory),
            !isDirectory.boolValue
        {
            throw TrainingError.cannotWrite(
                path: output.path, reason: "\(ancestor.path) is not a directory")
        }
        do {
            try manager.createDirectory(at: parent, withIntermediateDirectories: true)
            try manager.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw TrainingError.cannotWrite(path: output.path, reason: reason(error))
        }
        return staging
    }

    /// Renames `staging` to `output`; an existing `output` folder is moved aside first and
    /// removed after.
    static func moveIntoPlace(_ staging: URL, _ output: URL) throws {
        let manager = FileManager.default
        guard manager.fileExists(atPath: output.path) else {
            try manager.moveItem(at: staging, to: output)
            return
        }
        let old = output.standardizedFileURL.deletingLastPathComponent().appendingPathComponent(
            ".\(output.lastPathComponent).old-\(UUID().uuidString)")
        try manager.moveItem(at: output, to: old)
        do {
            try manager.moveItem(at: staging, to: output)
        } catch {
            try? manager.moveItem(at: old, to: output)
            throw error
        }
        try? manager.removeItem(at: old)
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? CocoaError, let underlying = error.underlying {
            return underlying.localizedDescription
        }
        return (error as NSError).localizedDescription
    }
}

extension CocoaError {
    fileprivate var underlying: (any Error)? { userInfo[NSUnderlyingErrorKey] as? any Error }
}
