// swift-bert — the `bert` command.

import ArgumentParser

@main
struct BertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bert",
        abstract: "Fine-tune and run BERT checkpoints in Hugging Face format.",
        subcommands: [DataCommand.self, TokenizeCommand.self, PredictCommand.self, FillMaskCommand.self, EmbedCommand.self, BenchCommand.self, TrainCommand.self, EvaluateCommand.self, DownloadCommand.self])
}
