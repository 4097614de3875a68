// swift-bert — the `bert` command.

import ArgumentParser
import Foundation

/// `bert train`'s options for long runs: checkpoints, resuming, keeping the best epoch.
struct CheckpointOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Save a checkpoint (OUT/checkpoint-STEP) every N optimizer steps (default: none).")
    var saveSteps: Int?

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Save a checkpoint at the end of every epoch, after validation.")
    var saveEveryEpoch = false

    @Option(name: .long, parsing: .unconditional, help: "Keep only the newest K checkpoints (K ≥ 1).")
    var saveTotalLimit: Int = 2

    @Option(
        name: .customLong("resume"),
        help: ArgumentHelp(
            "Continue a run from a checkpoint folder, or from OUT's newest with 'latest'.",
            valueName: "dir|latest"))
    var resumeValues: [String] = []

    /// `--resume`, given at most once (``validate()`` refuses a repeat).
    var resume: String? { resumeValues.last }

    @Option(
        name: .long,
        help: "Keep the model of the epoch with the best validation mcc, accuracy or loss as the final model.")
    var metricForBest: BestMetric?

    @Option(name: .long, parsing: .unconditional, help: "Stop after N epochs without improving --metric-for-best.")
    var patience: Int?

    /// Test-only: end the process (`_exit(3)`) right after this optimizer step and its save.
    @Option(name: .long, parsing: .unconditional, help: .hidden)
    var debugExitAfterStep: Int?

    /// Test-only: with `--debug-exit-after-step`, only this rank ends there, by SIGKILL (as
    /// `kill -9` would), without waiting for the others.
    @Option(name: .long, parsing: .unconditional, help: .hidden)
    var debugKillRank: Int?

    /// Test-only: end the process in the middle of the Nth checkpoint save of this process,
    /// when every file is written but the folder is not yet renamed into place.
    @Option(name: .long, parsing: .unconditional, help: .hidden)
    var debugExitInSave: Int?

    func validate() throws {
        if let saveSteps, saveSteps < 1 { throw ValidationError("--save-steps must be ≥ 1") }
        if saveTotalLimit < 1 { throw ValidationError("--save-total-limit must be ≥ 1") }
        if resumeValues.count > 1 {
            throw ValidationError(
                "--resume is given \(resumeValues.count) times; give it once")
        }
        if let resume, resume.isEmpty { throw ValidationError("--resume must not be empty") }
        if let patience {
            if patience < 1 { throw ValidationError("--patience must be ≥ 1") }
            if metricForBest == nil {
                throw ValidationError("--patience needs --metric-for-best")
            }
        }
    }
}

/// The validation figure that picks the best epoch.
enum BestMetric: String, ExpressibleByArgument, CaseIterable, Codable {
    case mcc, accuracy, loss
}
