// swift-bert — training: what a fine-tuning run may write into.

import Foundation

/// The checks on a training run's output folder, all made before the first step.
///
/// Like transformers' `Trainer`, which refuses an existing non-empty `output_dir` unless
/// `overwrite_output_dir` is set; we also refuse what would destroy the run's own inputs (the
/// pretrained model, a data file) even with the override, because no flag makes that safe.
public enum OutputFolder {
    /// Entries that mark a folder as an earlier `bert train` run's output (resumable or
    /// finished): its report files, checkpoints, or best model.
    static let runMarkers = ["metrics.jsonl", "summary.md", "best-model"]

    /// Checks that `output` may receive a run's model, checkpoints and report.
    ///
    /// - Parameters:
    ///   - output: The `--output` folder.
    ///   - model: The model folder the run reads (after resolving a Hub id).
    ///   - inputs: The data files or folders the run reads.
    ///   - overwrite: `--overwrite-output-dir`: allow an existing non-empty folder that is not
    ///     an earlier run.
    /// - Throws: ``TrainingError/unsafeOutput(path:reason:)`` naming what is in the way.
    public static func check(
        _ output: String, model: URL, inputs: [URL], overwrite: Bool
    ) throws {
        func refuse(_ reason: String) -> TrainingError {
            .unsafeOutput(path: output, reason: reason)
        }
        guard !output.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw refuse("empty; name a folder to write the model into")
        }
        let url = URL(fileURLWithPath: output)
        let target = canonical(url)
        let modelPath = canonical(model)
        if target == modelPath {
            throw refuse("is the model folder \(model.path); its weights would be overwritten")
        }
        if isInside(modelPath, target) {
            throw refuse("contains the model folder \(model.path)")
        }
        for input in inputs where isInside(canonical(input), target) || canonical(input) == target
        {
            throw refuse("contains the data file \(input.path)")
        }
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else { throw refuse("is a file, not a folder") }
        let entries: [String]
        do {
            entries = try manager.contentsOfDirectory(atPath: url.path)
        } catch {
            throw refuse("cannot list: \(ModelFolder.reason(error))")
        }
        let visible = entries.filter { !$0.hasPrefix(".") }
        if visible.isEmpty || overwrite || isEarlierRun(visible) { return }
        throw refuse(
            "exists and is not empty (\(visible.count) entries, e.g. '\(visible.sorted()[0])') "
                + "and is not an earlier bert train run; use --overwrite-output-dir to write "
                + "into it anyway")
    }

    /// Whether a folder's entries include a mark of an earlier run.
    static func isEarlierRun(_ entries: [String]) -> Bool {
        entries.contains { name in
            runMarkers.contains(name)
                || (name.hasPrefix("checkpoint-") && Int(name.dropFirst(11)) != nil)
        }
    }

    /// The absolute path with symlinks resolved, so two names of one folder compare equal.
    static func canonical(_ url: URL) -> String {
        var path = url.standardizedFileURL.resolvingSymlinksInPath().path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    private static func isInside(_ path: String, _ folder: String) -> Bool {
        let prefix = folder == "/" ? "/" : folder + "/"
        return path.hasPrefix(prefix)
    }
}
