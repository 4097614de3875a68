// swift-bert — the `bert` command.

import ArgumentParser
import Distributed
import Foundation

@main
struct BertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bert",
        abstract: "Fine-tune and run BERT checkpoints in Hugging Face format.",
        subcommands: [DataCommand.self, TokenizeCommand.self, PredictCommand.self, FillMaskCommand.self, EmbedCommand.self, BenchCommand.self, TrainCommand.self, EvaluateCommand.self, DownloadCommand.self])

    /// ParsableCommand's `main`, except that under `mpirun` a rank other than 0 waits
    /// ``rankErrorDelay`` before it prints its error and exits: when every rank meets the
    /// same error (a bad option or file), rank 0's exit makes `mpirun` end the others first,
    /// so the error is printed once; an error of that rank alone is printed after the wait.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let launch = LaunchEnvironment()
            if (launch.worldSize ?? 1) > 1, (launch.worldRank ?? 0) > 0, !(error is CleanExit) {
                Thread.sleep(forTimeInterval: rankErrorDelay)
            }
            exit(withError: error)
        }
    }

    /// Seconds a rank other than 0 waits before reporting an error (`mpirun` takes well under
    /// one to end a job after a rank fails).
    static let rankErrorDelay = 2.0
}
