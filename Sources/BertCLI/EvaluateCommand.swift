// swift-bert — the `bert` command.

import ArgumentParser
import BERT
import Datasets
import Foundation
import Randomness
import Tokenization
import Training

/// `bert evaluate`: accuracy, MCC and the confusion matrix of a model on a task's split.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Report accuracy, Matthews correlation and the confusion matrix on a split.")

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var taskOptions: TaskOptions

    @Option(name: .long, help: "out_of_domain_dev, in_domain_dev or train (all of in_domain_train).")
    var split: String = "out_of_domain_dev"

    @Option(name: .long, help: "Sequences per forward pass.")
    var batchSize: Int = 32

    @Flag(name: .long, help: "Write one JSON object instead of text.")
    var json = false

    static let splits: [String: CoLA.Split] = [
        "out_of_domain_dev": .outOfDomainDev, "in_domain_dev": .inDomainDev,
        "train": .inDomainTrain, "in_domain_train": .inDomainTrain,
    ]

    func validate() throws {
        guard Self.splits[split] != nil else {
            throw ValidationError("--split must be out_of_domain_dev, in_domain_dev or train")
        }
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
    }

    func run() throws {
        let tokenizer = try BertTokenizer.load(from: modelOptions.modelURL)
        var generator = SeededGenerator(seed: 42, stream: TrainCommand.initializationStream)
        let (model, report) = try BertForSequenceClassification.load(
            from: modelOptions.modelURL, generator: &generator)
        if !report.newlyInitialized.isEmpty {
            FileHandle.standardError.write(
                Data(
                    "warning: \(modelOptions.model) is not fine-tuned: newly initialized \(report.newlyInitialized)\n"
                        .utf8))
        }
        let cola = try CoLA(contentsOf: taskOptions.dataURL)
        let examples = ClassificationData.encode(
            cola.examples(Self.splits[split] ?? .outOfDomainDev), tokenizer: tokenizer,
            maxLength: taskOptions.maxLength)
        let result = try FineTuner.evaluate(model, on: examples, batchSize: batchSize)
        let labels = model.configuration.labelNames
        if json {
            let rows = result.confusion.map { JSONText.array($0) }.joined(separator: ",")
            print(
                JSONText.object([
                    ("split", JSONText.string(split)), ("n", String(result.count)),
                    ("loss", JSONText.number(result.loss)),
                    ("accuracy", JSONText.number(result.accuracy)),
                    ("mcc", JSONText.number(result.matthewsCorrelation)),
                    ("labels", JSONText.array(labels)), ("confusion", "[" + rows + "]"),
                ]))
            return
        }
        print("Evaluating on \(split): \(grouped(result.count)) sentences")
        print("  Loss: \(fixed(result.loss, 4))")
        print("  Accuracy: \(fixed(result.accuracy, 4))")
        print("  MCC: \(fixed(result.matthewsCorrelation, 4))")
        print("  Confusion matrix (rows: true label, columns: predicted label):")
        let width = max(8, labels.map(\.count).max() ?? 0) + 2
        print(padded("", width + 2) + labels.map { padded($0, width) }.joined())
        for (index, row) in result.confusion.enumerated() {
            print("  " + padded(labels[index], width) + row.map { padded(String($0), width) }.joined())
        }
    }
}
