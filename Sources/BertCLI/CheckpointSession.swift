// swift-bert — the `bert` command.

import Datasets
import Distributed
import Foundation
import Kernels
import Training

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `bert train`'s checkpoints: finds the one to resume, saves new ones as the options ask,
/// keeps the best epoch's model, and stops early.
///
/// Layout of `OUT`: `checkpoint-STEP/` (model, `optimizer.safetensors`, `trainer_state.json`),
/// the newest `--save-total-limit` of them; `best-model/` with `--metric-for-best`; then the
/// final model files and the report.
///
/// Data-parallel (`mpirun`): rank 0 alone reads and writes `OUT`. It finds and checks the
/// checkpoint to resume (whose settings hold the world size) and sends it to the other
/// ranks; every rank first checks that its settings (data, model, options) are rank 0's.
final class CheckpointSession {
    static let bestFolderName = "best-model"

    let options: CheckpointOptions
    let tuner: FineTuner
    let output: URL
    let tokenizerFolder: URL
    let settings: [TrainingCheckpoint.Setting]
    let out: Reporter
    let hasValidation: Bool
    /// The ranks of the run (``FineTuner/communicator``).
    let communicator: Communicator
    /// The state to continue from; nil for a run from the start.
    private(set) var resumed: TrainingState?
    /// The checkpoint folder's name when resumed.
    private(set) var resumedFrom: String?
    private var saves = 0

    /// Prepares the session; with `--resume`, restores the checkpoint into `tuner`.
    /// - Throws: `CLIError` when `OUT` holds checkpoints but `--resume` is absent, or when the
    ///   folder is no checkpoint; ``TrainingError`` for a damaged or mismatched checkpoint.
    init(
        options: CheckpointOptions, tuner: FineTuner, train: some TrainingExamples,
        validation: some TrainingExamples, output: URL, tokenizerFolder: URL, out: Reporter
    ) throws {
        self.options = options
        self.tuner = tuner
        self.output = output
        self.tokenizerFolder = tokenizerFolder
        self.out = out
        hasValidation = validation.count > 0
        communicator = tuner.communicator
        settings = TrainingCheckpoint.settings(
            model: tuner.model, options: tuner.options, train: train, validation: validation,
            worldSize: communicator.size)
        if options.metricForBest != nil && !hasValidation {
            throw CLIError("--metric-for-best needs a validation set (the split gave none)")
        }
        try checkSettingsAgree()
        if communicator.isWriter { try findAndRestore(trainingCount: train.count) }
        resumed = try tuner.synchronizeReplicas(state: resumed)
    }

    /// Under `mpirun`: throws on a rank whose settings differ from rank 0's, naming the first
    /// (another data file, model or option on some host). The GEMM library may differ
    /// (`auto` picks per host): each rank's gradients are summed, whatever their last bits.
    private func checkSettingsAgree() throws {
        guard communicator.size > 1 else { return }
        let shared = settings.filter { $0.name != "gemm backend" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys  // the same bytes in every process
        let own = try encoder.encode(shared)
        let reference = try communicator.broadcast(Array(own))
        guard !communicator.isWriter, reference != Array(own) else { return }
        let rankZero =
            (try? JSONDecoder().decode([TrainingCheckpoint.Setting].self, from: Data(reference)))
            ?? []
        let values = Dictionary(rankZero.map { ($0.name, $0.value) }) { first, _ in first }
        let first = shared.first { values[$0.name] != $0.value }
        throw CLIError(
            "this rank's \(first?.name ?? "settings") differ from rank 0's (rank 0: "
                + "\(first.flatMap { values[$0.name] } ?? "absent"), this rank: "
                + "\(first?.value ?? "?")): every rank must read the same data, model and options")
    }

    /// Rank 0: finds the checkpoint `--resume` names (none without it), checks it against
    /// this run's settings and restores it into the tuner.
    private func findAndRestore(trainingCount: Int) throws {
        TrainingCheckpoint.removeLeftovers(in: output)
        let existing = TrainingCheckpoint.checkpoints(in: output)
        guard let resume = options.resume else {
            if let last = existing.last {
                throw CLIError(
                    "\(output.path) holds checkpoints of an earlier run (newest: "
                        + "\(last.folder.lastPathComponent)); continue it with --resume latest, "
                        + "or remove them to start again")
            }
            return
        }
        let folder: URL
        if resume == "latest" {
            guard let last = existing.last else {
                // Folders named like checkpoints but without their state: a resume that
                // started over here would silently throw away what they hold.
                let incomplete = TrainingCheckpoint.incompleteCheckpoints(in: output)
                if let first = incomplete.first {
                    throw CLIError(
                        "--resume latest: \(output.path) holds no complete checkpoint "
                            + "(\(first.lastPathComponent) has no trainer_state.json); remove "
                            + "\(incomplete.count == 1 ? "it" : "them") to start again")
                }
                out.notice("No checkpoint in \(output.path): starting from the beginning.")
                return
            }
            folder = last.folder
        } else {
            folder = URL(fileURLWithPath: resume)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory),
                isDirectory.boolValue
            else {
                throw CLIError("\(resume): no such checkpoint folder")
            }
        }
        let contents = try TrainingCheckpoint.contents(
            of: folder, checkedAgainst: settings, trainingCount: trainingCount)
        try TrainingCheckpoint.restore(into: tuner, from: folder, contents: contents)
        let state = contents.state
        if contents.threadCount != Kernels.threadCount {
            out.notice(
                "Note: the checkpoint ran on \(contents.threadCount) threads, this run on "
                    + "\(Kernels.threadCount): the loss curve will differ in the last bits.")
        }
        out.notice(
            "Resuming from \(folder.path): step \(state.step), epoch \(state.epoch), batch "
                + "\(state.inEpoch ? state.epochBatches : 0) of \(state.sampler.batchesPerEpoch).")
        resumed = state
        resumedFrom = folder.lastPathComponent
    }

    /// Called by ``FineTuner`` after every step and epoch.
    func observe(_ state: TrainingState, _ moment: TrainingMoment) throws -> TrainingDecision {
        var decision = TrainingDecision.proceed
        guard communicator.isWriter else {
            try exitForTestsIfAsked(state, moment)
            return decision
        }
        switch moment {
        case .step:
            let epochEnds =
                state.sampler.state.batchIndex == state.sampler.batchesPerEpoch
                || state.step == tuner.options.maxSteps
            if let saveSteps = options.saveSteps, state.step % saveSteps == 0,
                !(options.saveEveryEpoch && epochEnds)
            {
                try save(state)
            }
        case .epochEnd:
            if let metric = options.metricForBest {
                decision = try keepBest(state, metric: metric)
            }
            if options.saveEveryEpoch { try save(state) }
        }
        try exitForTestsIfAsked(state, moment)
        return decision
    }

    /// `--debug-exit-after-step`: every rank ends after that step, once rank 0 has saved it;
    /// with `--debug-kill-rank R`, rank R alone dies there by SIGKILL and the others run on
    /// into the next step's all-reduce, where mpirun ends them.
    private func exitForTestsIfAsked(_ state: TrainingState, _ moment: TrainingMoment) throws {
        guard moment == .step, let exitStep = options.debugExitAfterStep, state.step == exitStep
        else { return }
        if let rank = options.debugKillRank {
            guard communicator.rank == rank else { return }
            kill(getpid(), SIGKILL)
        }
        try communicator.barrier()
        _exit(3)
    }

    /// The best epoch so far (1-based) by `metric`, or nil before any validation.
    static func bestEpoch(_ epochs: [EpochReport], metric: BestMetric) -> Int? {
        var best: (epoch: Int, value: Double)?
        for report in epochs {
            guard let validation = report.validation else { continue }
            let value: Double
            switch metric {
            case .mcc: value = validation.matthewsCorrelation
            case .accuracy: value = validation.accuracy
            case .loss: value = -validation.loss
            }
            if let current = best, value <= current.value { continue }
            best = (report.epoch, value)
        }
        return best?.epoch
    }

    /// Saves the model as `best-model/` when the epoch just ended is the best, and asks to
    /// stop once `--patience` epochs passed without a better one. The best model is saved
    /// before the epoch's checkpoint, so a checkpoint never lacks its best model.
    private func keepBest(_ state: TrainingState, metric: BestMetric) throws -> TrainingDecision {
        guard let last = state.summary.epochs.last,
            let best = Self.bestEpoch(state.summary.epochs, metric: metric)
        else { return .proceed }
        if best == last.epoch {
            try ModelFolder.save(
                tuner.model, tokenizerFolder: tokenizerFolder,
                to: output.appendingPathComponent(Self.bestFolderName))
            out.notice("Epoch \(best) is the best so far by validation \(metric.rawValue).")
        }
        if let patience = options.patience, last.epoch - best >= patience {
            out.notice(
                "Stopping early: \(patience) epoch(s) without a better validation "
                    + "\(metric.rawValue) than epoch \(best).")
            return .stop
        }
        return .proceed
    }

    /// With `--metric-for-best`, loads the best epoch's parameters into the model (when it is
    /// not the last epoch) so the final model, test figures and report are the best epoch's.
    /// - Returns: The best epoch, or nil without `--metric-for-best`.
    func restoreBest(_ summary: TrainingSummary) throws -> Int? {
        guard communicator.isWriter, let metric = options.metricForBest,
            let best = Self.bestEpoch(summary.epochs, metric: metric)
        else { return nil }
        if best != summary.epochs.last?.epoch {
            try TrainingCheckpoint.loadParameters(
                into: tuner.model,
                from: output.appendingPathComponent(Self.bestFolderName))
        }
        return best
    }

    private func save(_ state: TrainingState) throws {
        saves += 1
        let exitHere = options.debugExitInSave == saves
        let folder = try TrainingCheckpoint.save(
            tuner, state: state, settings: settings, tokenizerFolder: tokenizerFolder,
            in: output, beforeRename: { if exitHere { _exit(3) } })
        TrainingCheckpoint.removeOld(in: output, keep: options.saveTotalLimit)
        out.checkpoint(folder: folder, step: state.step)
    }
}

extension Reporter {
    /// A saved checkpoint: a line of text, or `{"event":"checkpoint",...}`.
    func checkpoint(folder: URL, step: Int) {
        text("  Saved checkpoint \(folder.path)")
        json([
            ("event", JSONText.string("checkpoint")), ("step", String(step)),
            ("path", JSONText.string(folder.path)),
        ])
    }
}

extension TrainCommand {
    /// Writes `metrics.jsonl`, `metrics.csv`, `loss_curve.svg` and `summary.md` into the
    /// output folder.
    func writeReport(
        summary: TrainingSummary, sizes: [(String, Int)],
        tests: [(name: String, result: EvaluationResult)], labels: [String],
        trainingSeconds: Double, bestEpoch: Int?, session: CheckpointSession
    ) throws {
        let options = training.fineTuningOptions
        let ranks = session.communicator.size
        var configuration: [(String, String)] = [
            ("model", modelOptions.model), ("task", taskOptions.task),
            ("epochs", "\(options.epochs)"), ("batch size", "\(options.batchSize)"),
            ("learning rate", "\(options.learningRate)"), ("adam epsilon", "\(options.adamEpsilon)"),
            ("weight decay", "\(options.weightDecay)"),
            ("warm-up", "\(options.warmupSteps) steps, ratio \(options.warmupRatio)"),
            ("max gradient norm", "\(options.maxGradientNorm)"), ("seed", "\(options.seed)"),
            ("shuffle", "\(options.shuffle)"),
            ("threads", "\(Kernels.threadCount)" + (ranks > 1 ? " per rank" : "")),
            ("gemm", Gemm.backend.summary(precision: compute.precision)),
        ]
        if ranks > 1 { configuration.append(("ranks (mpirun)", "\(ranks)")) }
        if let maxSteps = options.maxSteps { configuration.append(("max steps", "\(maxSteps)")) }
        if let metric = checkpointing.metricForBest {
            configuration.append(("metric for best", metric.rawValue))
        }
        if let patience = checkpointing.patience {
            configuration.append(("patience", "\(patience)"))
        }
        let report = RunReport(
            configuration: configuration, dataSizes: sizes, summary: summary, tests: tests,
            labels: labels, trainingSeconds: trainingSeconds, bestEpoch: bestEpoch,
            resumedFrom: session.resumedFrom)
        let folder = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try report.write(to: folder)
    }
}
