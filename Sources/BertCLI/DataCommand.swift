// swift-bert — the `bert` command.

import ArgumentParser
import Datasets
import Foundation
import Randomness
import Tokenization
import Training

/// `bert data`: the tutorial's data steps (2–9) and their printouts.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Load, tokenize and split a dataset, printing the tutorial's data summary.")

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var taskOptions: TaskOptions

    @OptionGroup var splitOptions: SplitOptions

    @Option(name: .long, parsing: .unconditional, help: "Batch size, for the batch counts.")
    var batchSize: Int = 32

    @Option(name: .long, parsing: .unconditional, help: "Seed for the sample rows shown.")
    var seed: UInt64 = 42

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
    }

    func run() throws {
        if TaskOptions.fileTasks.contains(taskOptions.task) {
            throw CLIError(
                "--task \(taskOptions.task) is for bert train\(taskOptions.task == "mlm" ? " and bert fill-mask" : " and bert predict") (evaluation runs after every epoch)")
        }
        let folder = try modelOptions.modelURL
        let tokenizer = try BertTokenizer.load(from: folder)
        // A tokenizer-only folder has no config.json and so no position limit to apply.
        let hasConfig = FileManager.default.fileExists(
            atPath: folder.appendingPathComponent("config.json").path)
        let maxLength = try hasConfig ? taskOptions.maxLength(forModelAt: folder) : taskOptions.maxLength
        let data = try splitOptions.load(taskOptions, tokenizer: tokenizer, maxLength: maxLength)
        print(DataSummary(data: data, tokenizer: tokenizer, maxLength: maxLength,
            batchSize: batchSize, seed: seed).text)
    }
}

/// The tutorial's data printouts (steps 2–9), shared by `bert data` and `bert train`.
struct DataSummary {
    let data: ClassificationData
    let tokenizer: BertTokenizer
    let maxLength: Int
    let batchSize: Int
    let seed: UInt64

    var text: String {
        let all = data.allTraining
        var lines: [String] = []
        lines.append("Number of training sentences: \(grouped(all.count))")
        lines.append("")
        var generator = SeededGenerator(seed: seed, stream: 0x73616D70)  // "samp"
        let samples = generator.permutation(of: all.count).prefix(10)
        let isCoLA = data.labelNames == CoLA.labelNames
        if isCoLA {
            lines.append("Sample sentences (label: 1 acceptable, 0 unacceptable):")
        } else {
            let legend = data.labelNames.enumerated().map { "\($0) \($1)" }
            lines.append("Labels (\(data.labelNames.count)): \(legend.joined(separator: ", "))")
            lines.append("Sample rows (label id, text [, text pair]):")
        }
        for index in samples {
            let pair = all[index].textPair.map { "  |  \($0)" } ?? ""
            lines.append("  \(all[index].label)  \(all[index].text)\(pair)")
        }
        lines.append("")
        if isCoLA {
            let unacceptable = all.indices.filter { all[$0].label == 0 }
            lines.append("Five unacceptable sentences:")
            for index in generator.permutation(of: unacceptable.count).prefix(5) {
                lines.append("  \(all[unacceptable[index]].text)")
            }
            lines.append("")
        }
        let first = all[0].text
        lines.append(" Original:  \(first)")
        lines.append("Tokenized:  \(tokenizer.tokenStrings(first).joined(separator: " "))")
        lines.append(
            "Token IDs:  \(tokenizer.tokenize(first).map(String.init).joined(separator: " "))")
        lines.append("")
        lines.append("Max sentence length:  \(data.untruncatedTrainingLengths.max() ?? 0)")
        lines.append("Truncating to \(maxLength) tokens ([CLS] and [SEP] included); batches are packed, not padded.")
        lines.append("")
        lines.append("\(grouped(data.train.count)) training samples")
        lines.append("\(grouped(data.validation.count)) validation samples")
        let trainBatches = (data.train.count + batchSize - 1) / batchSize
        let validationBatches = (data.validation.count + batchSize - 1) / batchSize
        lines.append(
            "\(trainBatches) training batches and \(validationBatches) validation batches of \(batchSize)"
        )
        for test in data.tests {
            lines.append("Test set \(test.name): \(grouped(test.examples.count)) sentences")
        }
        return lines.joined(separator: "\n")
    }
}
