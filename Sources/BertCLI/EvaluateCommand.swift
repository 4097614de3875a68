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

    @Option(
        name: .long,
        help: """
            cola: out_of_domain_dev (default), in_domain_dev or train (all of in_domain_train); \
            tsv/csv/jsonl: test (default with --test), validation (the --validation file, else \
            the split of --train; default without --test) or train (all of --train).
            """)
    var split: String?

    @OptionGroup var splitOptions: SplitOptions

    @Option(name: .long, parsing: .unconditional, help: "Sequences per forward pass.")
    var batchSize: Int = 32

    @Flag(name: .long, help: "Write one JSON object instead of text.")
    var json = false

    @OptionGroup(title: "Compute") var compute: ComputeOptions

    static let splits: [String: CoLA.Split] = [
        "out_of_domain_dev": .outOfDomainDev, "in_domain_dev": .inDomainDev,
        "train": .inDomainTrain, "in_domain_train": .inDomainTrain,
    ]

    static let tableSplits = ["train", "validation", "test"]

    func validate() throws {
        if taskOptions.tableFormat == nil, let split, Self.splits[split] == nil {
            throw ValidationError("--split must be out_of_domain_dev, in_domain_dev or train")
        }
        if taskOptions.tableFormat != nil, let split, !Self.tableSplits.contains(split) {
            throw ValidationError("--split must be train, validation or test")
        }
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
    }

    func run() throws {
        if TaskOptions.fileTasks.contains(taskOptions.task) {
            throw CLIError(
                "--task \(taskOptions.task) is for bert train\(taskOptions.task == "mlm" ? " and bert fill-mask" : " and bert predict") (evaluation runs after every epoch)")
        }
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
        compute.apply()
        model.setPrecision(compute.precision)
        let labels = model.configuration.labelNames
        let split = self.split ?? defaultSplit
        let examples = ClassificationData.encode(
            try labeledExamples(split: split, labels: labels), tokenizer: tokenizer,
            maxLength: min(taskOptions.maxLength, model.configuration.maxPositionEmbeddings))
        let result = try FineTuner.evaluate(model, on: examples, batchSize: batchSize)
        if json {
            let rows = result.confusion.map { JSONText.array($0) }.joined(separator: ",")
            print(
                JSONText.object([
                    ("split", JSONText.string(split)), ("n", String(result.count)),
                    ("loss", JSONText.number(result.loss)),
                    ("accuracy", JSONText.number(result.accuracy)),
                    ("mcc", JSONText.number(result.matthewsCorrelation)),
                    ("macro_f1", JSONText.number(result.macroF1)),
                    ("labels", JSONText.array(labels)), ("confusion", "[" + rows + "]"),
                ]))
            return
        }
        print("Evaluating on \(split): \(grouped(result.count)) sentences")
        print("  Loss: \(fixed(result.loss, 4))")
        print("  Accuracy: \(fixed(result.accuracy, 4))")
        print("  MCC: \(fixed(result.matthewsCorrelation, 4))")
        print("  Macro-F1: \(fixed(result.macroF1, 4))")
        print("  Confusion matrix (rows: true label, columns: predicted label):")
        let width = max(8, labels.map(\.count).max() ?? 0) + 2
        print(padded("", width + 2) + labels.map { padded($0, width) }.joined())
        for (index, row) in result.confusion.enumerated() {
            print("  " + padded(labels[index], width) + row.map { padded(String($0), width) }.joined())
        }
    }

    /// The split evaluated when `--split` is not given.
    private var defaultSplit: String {
        guard taskOptions.tableFormat != nil else { return "out_of_domain_dev" }
        return taskOptions.test != nil ? "test" : "validation"
    }

    /// The examples of `split`, labels mapped to the model's ids (`id2label`).
    private func labeledExamples(split: String, labels: [String]) throws -> [LabeledExample] {
        guard let format = taskOptions.tableFormat else {
            let cola = try CoLA(contentsOf: taskOptions.dataURL)
            return cola.examples(Self.splits[split] ?? .outOfDomainDev)
        }
        let labelSet = LabelSet(names: labels)
        func read(_ path: String) throws -> [TableExample] {
            try TableFile(
                contentsOf: URL(fileURLWithPath: path), format: format,
                header: taskOptions.headerMode, columns: taskOptions.columns.all
            ).examples(taskOptions.columns)
        }
        switch split {
        case "test":
            guard let test = taskOptions.test else { throw CLIError("--split test needs --test FILE") }
            return try labelSet.labeled(read(test))
        case "validation" where taskOptions.validation != nil:
            return try labelSet.labeled(read(taskOptions.validation ?? ""))
        default:
            guard let train = taskOptions.train else {
                throw CLIError("--split \(split) needs --train FILE (or --validation FILE)")
            }
            let all = try labelSet.labeled(read(train))
            guard split == "validation" else { return all }
            let parts = try trainValidationSplit(
                count: all.count, validationFraction: splitOptions.validationFraction,
                seed: splitOptions.splitSeed)
            return parts.validation.map { all[$0] }
        }
    }
}
