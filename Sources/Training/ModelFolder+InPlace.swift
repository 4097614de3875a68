// swift-bert — training.

import BERT
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ModelFolder {
    /// Writes the model files into `output` as ``save(_:tokenizerFolder:to:alsoWriting:)``
    /// does, but file by file, keeping what else the folder holds (checkpoints, the report).
    ///
    /// The files are written into a hidden folder inside `output`, flushed, then each is
    /// renamed over its old version, so every file is either the old or the new one whole.
    /// Tokenizer files of an earlier save that this model's source lacks are removed.
    /// - Throws: ``TrainingError/nonFiniteParameter(tensor:)`` before writing anything;
    ///   ``TrainingError/cannotWrite(path:reason:)``; `CheckpointError`.
    public static func saveKeepingOtherFiles(
        _ model: BertPreTrainedModel, tokenizerFolder: URL, into output: URL
    ) throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: output, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.cannotWrite(path: output.path, reason: reason(error))
        }
        let staging = output.appendingPathComponent(".model-\(UUID().uuidString)")
        defer { try? manager.removeItem(at: staging) }
        try save(model, tokenizerFolder: tokenizerFolder, to: staging) { folder in
            try TrainingCheckpoint.syncFolder(folder)
        }
        let names = try manager.contentsOfDirectory(atPath: staging.path).sorted()
        // model.safetensors last: a folder whose weights are new has all its new files.
        for name in names.filter({ $0 != "model.safetensors" }) + ["model.safetensors"] {
            let from = staging.appendingPathComponent(name).path
            let to = output.appendingPathComponent(name).path
            guard rename(from, to) == 0 else {
                throw TrainingError.cannotWrite(
                    path: to, reason: "rename: \(String(cString: strerror(errno)))")
            }
        }
        for name in tokenizerFiles where !names.contains(name) {
            try? manager.removeItem(at: output.appendingPathComponent(name))
        }
        try TrainingCheckpoint.syncFolder(output, filesToo: false)
    }
}
