// swift-bert — training.

import BERT
import Checkpoints
import Datasets
import Foundation
import Kernels
import _RegularFile

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A checkpoint of a fine-tuning run: the folder `OUT/checkpoint-{step}/` holding the model
/// as ``ModelFolder/save(_:tokenizerFolder:to:alsoWriting:)`` writes it, the AdamW moments
/// (`optimizer.safetensors`: F32 tensors `exp_avg` and `exp_avg_sq`, flat, in the parameter
/// table's layout) and `trainer_state.json` (the ``TrainingState``, the settings that must
/// match to resume, and checksums of the parameters and moments).
///
/// A checkpoint is written into a hidden temporary folder, every file is flushed to disk, and
/// the folder is renamed into place, so a crash at any moment leaves the earlier checkpoints
/// as they were; a hidden leftover is removed by ``removeLeftovers(in:)``.
public enum TrainingCheckpoint {
    public static let stateFile = "trainer_state.json"
    public static let optimizerFile = "optimizer.safetensors"
    public static let folderPrefix = "checkpoint-"
    /// The version of `trainer_state.json`'s layout.
    public static let formatVersion = 1

    /// One setting that must be the same to resume (a name people read, and its value).
    public struct Setting: Sendable, Equatable, Codable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// What `trainer_state.json` holds.
    public struct Contents: Sendable, Equatable, Codable {
        public var formatVersion: Int
        /// Settings that must match to resume, in the order they are checked.
        public var settings: [Setting]
        /// `Kernels.threadCount` of the run: the same count gives the same bits.
        public var threadCount: Int
        /// Checksums (``checksum(_:count:)``) of the parameters and of both moments.
        public var parametersChecksum: String
        public var momentsChecksum: String
        public var state: TrainingState
    }

    /// The settings of a run that a checkpoint must share to be resumed: the model's
    /// labels, dropout and initial weights (which cover the architecture, the checkpoint and
    /// the seeded classifier), the training and validation examples, every option that
    /// changes the loss curve, and the number of data-parallel ranks (`worldSize`: each
    /// rank's share of a batch depends on it). `maxSteps` may change.
    public static func settings(
        model: BertPreTrainedModel, options: FineTuningOptions,
        train: some TrainingExamples, validation: some TrainingExamples, worldSize: Int = 1
    ) -> [Setting] {
        let c = model.configuration
        let total =
            (train.count + options.batchSize - 1) / options.batchSize * options.epochs
        return [
            Setting("labels", c.labelNames.joined(separator: ",")),
            Setting(
                "dropout", "hidden \(c.hiddenDropoutProb), attention \(c.attentionProbsDropoutProb)"),
            Setting("initial model weights", checksum(model.parameters.pointer, count: model.table.count)),
            Setting("training examples", describe(train)),
            Setting("validation examples", describe(validation)),
            Setting("epochs", "\(options.epochs)"),
            Setting("batch size", "\(options.batchSize)"),
            Setting("learning rate", "\(options.learningRate)"),
            Setting("warm-up steps", "\(options.effectiveWarmupSteps(totalSteps: total))"),
            Setting("adam epsilon", "\(options.adamEpsilon)"),
            Setting("adam betas", "\(options.adamBeta1), \(options.adamBeta2)"),
            Setting("weight decay", "\(options.weightDecay)"),
            Setting("max gradient norm", "\(options.maxGradientNorm)"),
            Setting("seed", "\(options.seed)"),
            Setting("shuffle", "\(options.shuffle)"),
            Setting("evaluation batch size", "\(options.evaluationBatchSize)"),
            // Another backend or precision sums in another order: the bits would differ.
            Setting("precision", options.precision.rawValue),
            Setting("gemm backend", Gemm.backend.rawValue),
        ] + optionalSettings(options)
            + (worldSize == 1 ? [] : [Setting(worldSizeSetting, "\(worldSize)")])
    }

    /// The setting of a data-parallel run's number of ranks: recorded when it is not 1, so a
    /// checkpoint without it is a single process's.
    public static let worldSizeSetting = "world size"

    /// The values of settings that a checkpoint (or this run) leaves out when they hold them.
    static let absentValues = [worldSizeSetting: "1"]

    /// Settings recorded only when they differ from their defaults, so that checkpoints
    /// written before the option existed still resume.
    static func optionalSettings(_ options: FineTuningOptions) -> [Setting] {
        var settings: [Setting] = []
        if options.gradientAccumulationSteps != 1 {
            settings.append(
                Setting("gradient accumulation steps", "\(options.gradientAccumulationSteps)"))
        }
        if let weights = options.classWeights {
            settings.append(Setting("class weights", weights.map { "\($0)" }.joined(separator: ",")))
        }
        switch options.freezing {
        case .none: break
        case .encoder: settings.append(Setting("frozen", "encoder"))
        case .layers(let n): settings.append(Setting("frozen", "embeddings and \(n) layers"))
        }
        return settings
    }

    /// Saves `tuner`'s parameters and moments with `state` into `output/checkpoint-{step}`.
    /// - Parameter beforeRename: Called once all files are on disk, before the rename (tests
    ///   crash the process there).
    /// - Returns: The checkpoint folder.
    /// - Throws: ``TrainingError/nonFiniteParameter(tensor:)`` (nothing written),
    ///   ``TrainingError/cannotWrite(path:reason:)``, `CheckpointError`; earlier checkpoints
    ///   are intact and no temporary folder remains.
    @discardableResult
    public static func save(
        _ tuner: FineTuner, state: TrainingState, settings: [Setting], tokenizerFolder: URL,
        in output: URL, beforeRename: () -> Void = {}
    ) throws -> URL {
        let folder = output.appendingPathComponent("\(folderPrefix)\(state.step)")
        let count = tuner.model.table.count
        let contents = Contents(
            formatVersion: formatVersion, settings: settings, threadCount: Kernels.threadCount,
            parametersChecksum: checksum(tuner.model.parameters.pointer, count: count),
            momentsChecksum: checksum(tuner.firstMoment.pointer, count: count) + "-"
                + checksum(tuner.secondMoment.pointer, count: count),
            state: state)
        let json = try encoder().encode(contents)
        do {
            try write(tuner, json: json, tokenizerFolder: tokenizerFolder, to: folder, beforeRename)
        } catch CheckpointError.writeFailed(let file, let operation, let reason) {
            // Name the file where it would have been, not the temporary folder.
            let name = URL(fileURLWithPath: file).lastPathComponent
            throw TrainingError.cannotWrite(
                path: folder.appendingPathComponent(name).path, reason: "\(operation): \(reason)")
        }
        try syncFolder(output, filesToo: false)
        return folder
    }

    private static func write(
        _ tuner: FineTuner, json: Data, tokenizerFolder: URL, to folder: URL,
        _ beforeRename: () -> Void
    ) throws {
        let count = tuner.model.table.count
        try ModelFolder.save(tuner.model, tokenizerFolder: tokenizerFolder, to: folder) {
            staging in
            var writer = SafeTensorsWriter(metadata: ["format": "swift-bert-adamw"])
            try writer.add(
                "exp_avg", shape: [count],
                borrowingFloats: UnsafeBufferPointer(start: tuner.firstMoment.pointer, count: count))
            try writer.add(
                "exp_avg_sq", shape: [count],
                borrowingFloats: UnsafeBufferPointer(
                    start: tuner.secondMoment.pointer, count: count))
            try writer.write(to: staging.appendingPathComponent(optimizerFile))
            try AtomicFile.write(json, to: staging.appendingPathComponent(stateFile))
            try syncFolder(staging)
            beforeRename()
        }
    }

    /// Reads `folder/trainer_state.json`.
    /// - Throws: ``TrainingError/invalidCheckpoint(path:reason:)``.
    /// - Parameters:
    ///   - settings: This run's settings, when resuming: the first that differs is reported
    ///     (``check(_:at:against:)``) before the run state is decoded.
    ///   - trainingCount: The training set's size, when known: a sampler state of another
    ///     size is refused before anything is allocated for it.
    /// - Throws: ``TrainingError/invalidCheckpoint(path:reason:)``,
    ///   ``TrainingError/checkpointMismatch(path:setting:saved:current:)``.
    public static func contents(
        of folder: URL, checkedAgainst settings: [Setting]? = nil, trainingCount: Int? = nil
    ) throws -> Contents {
        let url = folder.appendingPathComponent(stateFile)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw TrainingError.invalidCheckpoint(path: folder.path, reason: "\(stateFile) is missing")
        }
        let data: Data
        do {
            data = try RegularFile.read(url, limit: 64 << 20)
        } catch {
            throw TrainingError.invalidCheckpoint(path: url.path, reason: error.reason)
        }
        if let settings {
            let header: Header
            do {
                header = try decoder().decode(Header.self, from: data)
            } catch {
                throw TrainingError.invalidCheckpoint(
                    path: url.path, reason: "damaged (\(describeDecoding(error)))")
            }
            try checkVersion(header.formatVersion, url)
            try check(header.settings, at: folder, against: settings)
        }
        let contents: Contents
        do {
            let decoder = decoder()
            if let trainingCount { decoder.userInfo[BatchSampler.expectedCountKey] = trainingCount }
            contents = try decoder.decode(Contents.self, from: data)
        } catch {
            throw TrainingError.invalidCheckpoint(
                path: url.path, reason: "damaged (\(describeDecoding(error)))")
        }
        try checkVersion(contents.formatVersion, url)
        if let problem = contents.state.problem {
            throw TrainingError.invalidCheckpoint(path: url.path, reason: "damaged (\(problem))")
        }
        return contents
    }

    /// The fields of `trainer_state.json` that are checked before the rest is decoded.
    private struct Header: Decodable {
        var formatVersion: Int
        var settings: [Setting]
    }

    private static func checkVersion(_ version: Int, _ url: URL) throws {
        guard version == formatVersion else {
            throw TrainingError.invalidCheckpoint(
                path: url.path, reason: "format version \(version), expected \(formatVersion)")
        }
    }

    /// Throws for the first setting that differs between a checkpoint and this run.
    /// - Throws: ``TrainingError/checkpointMismatch(path:setting:saved:current:)``.
    public static func check(_ contents: Contents, at folder: URL, against settings: [Setting])
        throws
    {
        try check(contents.settings, at: folder, against: settings)
    }

    static func check(_ savedSettings: [Setting], at folder: URL, against settings: [Setting])
        throws
    {
        let saved = Dictionary(savedSettings.map { ($0.name, $0.value) }) { first, _ in first }
        let current = Dictionary(settings.map { ($0.name, $0.value) }) { first, _ in first }
        // Either side may leave out a setting at its usual value (the world size of 1).
        let names = settings.map(\.name)
            + absentValues.keys.sorted().filter { current[$0] == nil && saved[$0] != nil }
        for name in names {
            let savedValue = saved[name] ?? absentValues[name]
            let currentValue = current[name] ?? absentValues[name] ?? ""
            guard savedValue != currentValue else { continue }
            throw TrainingError.checkpointMismatch(
                path: folder.path, setting: name, saved: savedValue ?? "absent",
                current: currentValue)
        }
    }

    /// Loads the checkpoint's parameters and moments into `tuner` and checks them against
    /// the checksums saved with them.
    /// - Throws: ``TrainingError/invalidCheckpoint(path:reason:)``, `CheckpointError` naming
    ///   a damaged file.
    public static func restore(into tuner: FineTuner, from folder: URL, contents: Contents)
        throws
    {
        let model = tuner.model
        let count = model.table.count
        let weights = folder.appendingPathComponent("model.safetensors")
        try loadParameters(into: model, from: folder)
        let optimizer = try SafeTensorsFile(contentsOf: folder.appendingPathComponent(optimizerFile))
        for (name, buffer) in [("exp_avg", tuner.firstMoment), ("exp_avg_sq", tuner.secondMoment)] {
            guard optimizer[name] != nil else {
                throw TrainingError.invalidCheckpoint(
                    path: optimizer.url.path, reason: "tensor '\(name)' is missing")
            }
            try optimizer.floats(name, into: UnsafeMutableBufferPointer(start: buffer.pointer, count: count))
        }
        if checksum(model.parameters.pointer, count: count) != contents.parametersChecksum {
            throw TrainingError.invalidCheckpoint(
                path: weights.path, reason: "the parameters' checksum differs from \(stateFile)'s")
        }
        let moments =
            checksum(tuner.firstMoment.pointer, count: count) + "-"
            + checksum(tuner.secondMoment.pointer, count: count)
        if moments != contents.momentsChecksum {
            throw TrainingError.invalidCheckpoint(
                path: optimizer.url.path, reason: "the moments' checksum differs from \(stateFile)'s")
        }
    }

    /// Loads every parameter of `model` from `folder/model.safetensors` (no tensor may be
    /// missing).
    /// - Throws: ``TrainingError/invalidCheckpoint(path:reason:)``, `CheckpointError`.
    public static func loadParameters(into model: BertPreTrainedModel, from folder: URL)
        throws
    {
        let weights = try SafeTensorsFile(
            contentsOf: folder.appendingPathComponent("model.safetensors"))
        for entry in model.table.entries {
            guard weights[entry.name] != nil else {
                throw TrainingError.invalidCheckpoint(
                    path: weights.url.path, reason: "tensor '\(entry.name)' is missing")
            }
            try weights.floats(entry.name, into: model.parameter(entry.name))
        }
    }

    /// The complete checkpoints in `output` (folders `checkpoint-{step}` with a
    /// `trainer_state.json`), by increasing step.
    public static func checkpoints(in output: URL) -> [(step: Int, folder: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix(folderPrefix), let step = Int(name.dropFirst(folderPrefix.count))
            else { return nil }
            let folder = output.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent(stateFile).path)
            else { return nil }
            return (step, folder)
        }.sorted { $0.0 < $1.0 }
    }

    /// Folders in `output` named `checkpoint-{step}` that lack a `trainer_state.json`.
    public static func incompleteCheckpoints(in output: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
        return names.sorted().compactMap { name -> URL? in
            guard name.hasPrefix(folderPrefix), Int(name.dropFirst(folderPrefix.count)) != nil
            else { return nil }
            let folder = output.appendingPathComponent(name)
            let state = folder.appendingPathComponent(stateFile).path
            return FileManager.default.fileExists(atPath: state) ? nil : folder
        }
    }

    /// Removes all but the newest `keep` checkpoints, never `protected`.
    public static func removeOld(in output: URL, keep: Int, protecting protected: URL? = nil) {
        let all = checkpoints(in: output)
        for (_, folder) in all.dropLast(max(keep, 0))
        where folder.standardizedFileURL != protected?.standardizedFileURL {
            try? FileManager.default.removeItem(at: folder)
        }
    }

    /// Removes the hidden temporary folders that an interrupted save left in `output`
    /// (`.NAME.partial-…`, `.model-…`); a folder moved aside (`.NAME.old-…`) whose
    /// replacement never arrived is moved back first.
    public static func removeLeftovers(in output: URL) {
        let manager = FileManager.default
        let names = (try? manager.contentsOfDirectory(atPath: output.path)) ?? []
        for name in names where name.hasPrefix(".") {
            let url = output.appendingPathComponent(name)
            if let range = name.range(of: ".old-") {
                let original = output.appendingPathComponent(
                    String(name[name.index(after: name.startIndex)..<range.lowerBound]))
                if !manager.fileExists(atPath: original.path) {
                    try? manager.moveItem(at: url, to: original)
                } else {
                    try? manager.removeItem(at: url)
                }
            } else if name.contains(".partial-") || name.hasPrefix(".model-") {
                try? manager.removeItem(at: url)
            }
        }
    }

    /// A 64-bit FNV-1a checksum of the values' bit patterns, as 16 hex digits.
    public static func checksum(_ values: UnsafePointer<Float>, count: Int) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        let words = UnsafeRawPointer(values).assumingMemoryBound(to: UInt32.self)
        for index in 0..<count {
            hash = (hash ^ UInt64(words[index])) &* 0x0000_0100_0000_01B3
        }
        return hex(hash)
    }

    /// `count examples, checksum …` over the examples' ids, token types, offsets and labels.
    /// The count and a checksum of what `examples` feeds the model: for sequences with class
    /// ids, of their ids, types, offsets and labels (the format of the first checkpoints);
    /// for any other set, of every batch it fills (ids, types, offsets, labels, targets), 64
    /// sequences at a time.
    static func describe(_ examples: some TrainingExamples) -> String {
        if let encoded = examples as? EncodedExamples { return describe(encoded) }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ value: UInt64) { hash = (hash ^ value) &* 0x0000_0100_0000_01B3 }
        var batch = PackedBatch()
        var start = 0
        while start < examples.count {
            let end = min(start + 64, examples.count)
            examples.fill(&batch, indices: Array(start..<end)[...])
            for id in batch.inputIDs { mix(UInt64(UInt32(bitPattern: id))) }
            for id in batch.tokenTypeIDs { mix(UInt64(UInt32(bitPattern: id))) }
            for offset in batch.sequenceOffsets { mix(UInt64(UInt32(bitPattern: offset))) }
            for label in batch.labels { mix(UInt64(UInt32(bitPattern: label))) }
            for target in batch.targets { mix(UInt64(target.bitPattern)) }
            start = end
        }
        return "\(examples.count) examples, checksum \(hex(hash))"
    }

    static func describe(_ examples: EncodedExamples) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ value: UInt64) { hash = (hash ^ value) &* 0x0000_0100_0000_01B3 }
        for id in examples.inputIDs { mix(UInt64(UInt32(bitPattern: id))) }
        for id in examples.tokenTypeIDs { mix(UInt64(UInt32(bitPattern: id))) }
        for offset in examples.offsets { mix(UInt64(offset)) }
        for label in examples.labels { mix(UInt64(UInt32(bitPattern: label))) }
        return "\(examples.count) examples, checksum \(hex(hash))"
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    static func describeDecoding(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            // Foundation's own text here is a debug dump of the CodingKey.
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return "missing field '\(path)'"
        case .dataCorrupted(let context), .typeMismatch(_, let context),
            .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }

    /// Flushes `folder`'s files (unless `filesToo` is false) and its entry list to disk.
    static func syncFolder(_ folder: URL, filesToo: Bool = true) throws {
        var paths: [String] = []
        if filesToo {
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            paths = names.map { folder.appendingPathComponent($0).path }
        }
        for path in paths + [folder.path] {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw TrainingError.cannotWrite(path: path, reason: "cannot open it to fsync")
            }
            defer { close(descriptor) }
            if fsync(descriptor) != 0 && errno != EINVAL && errno != ENOTSUP {
                throw TrainingError.cannotWrite(
                    path: path, reason: "fsync: \(String(cString: strerror(errno)))")
            }
        }
    }
}
