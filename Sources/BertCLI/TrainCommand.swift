// swift-bert — the `bert` command.

import ArgumentParser
import BERT
import Checkpoints
import Datasets
import Distributed
import Foundation
import Randomness
import Tokenization
import Training

/// `bert train`: the tutorial's fine-tuning run, from data to a saved model folder.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune a BERT checkpoint on a task (sequence or token classification, question answering, masked LM) and save the model.",
        discussion: """
            Prints the tutorial's lines (data summary, per-epoch training loss and time, \
            validation loss, accuracy and MCC, test figures). With --json, writes one JSON \
            object per line instead: {"event":"step",...} every --log-every steps, \
            {"event":"epoch",...}, {"event":"test",...} and {"event":"done","output":...}.
            Under mpirun (Open MPI 4), every rank trains on its share of each batch and the \
            gradients are summed before each update: the same run as one process, up to \
            rounding (dropout masks are drawn per example). Rank 0 alone prints and writes \
            --output.
            """)

    /// The generator stream of newly initialized weights (ASCII `init`).
    static let initializationStream: UInt64 = 0x69_6E_69_74

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup var taskOptions: TaskOptions

    @OptionGroup(title: "Question answering (--task squad)") var squadOptions: QuestionAnsweringOptions

    @OptionGroup(title: "Masked language modeling (--task mlm)") var mlmOptions: MaskedLMOptions

    @Option(name: .long, help: "The folder to write the fine-tuned model, checkpoints and report into: new, empty, or an earlier run's (its model files are replaced).")
    var output: String

    @Flag(
        name: .long,
        help: "Write into an existing non-empty --output folder that is not an earlier run's.")
    var overwriteOutputDir = false

    @OptionGroup var splitOptions: SplitOptions

    @Option(name: .long, parsing: .unconditional, help: "Number of labels of the classifier (default: the task's).")
    var numLabels: Int?

    @OptionGroup var training: TrainingOptions

    @OptionGroup(title: "Compute") var compute: ComputeOptions

    @OptionGroup(title: "Data parallel (mpirun)") var dataParallel: DataParallelOptions

    @OptionGroup(title: "Checkpoints and long runs") var checkpointing: CheckpointOptions

    @Option(
        name: .long,
        help: "Sequence classification with float labels (--task tsv|csv|jsonl): regression (a number per example, MSE) or multi_label_classification (label names joined by --label-separator, BCEWithLogits).")
    var problemType: String?

    @Option(name: .long, help: "--problem-type multi_label_classification: what joins an example's labels.")
    var labelSeparator: String = ","

    @Flag(name: .long, help: "Write JSON lines instead of the tutorial's text.")
    var json = false

    func validate() throws {
        if let problemType {
            guard ["regression", "multi_label_classification"].contains(problemType) else {
                throw ValidationError("--problem-type must be regression or multi_label_classification")
            }
            if numLabels != nil { throw ValidationError("--num-labels does not combine with --problem-type") }
        }
        if labelSeparator.isEmpty { throw ValidationError("--label-separator must not be empty") }
        if let numLabels, !(1...BertConfiguration.Limits.labels).contains(numLabels) {
            throw ValidationError(
                "--num-labels must be in 1...\(BertConfiguration.Limits.labels)")
        }
        if taskOptions.task != "squad", let option = squadOptions.given.first(where: \.given) {
            throw ValidationError("\(option.name) is for --task squad")
        }
        if taskOptions.task != "mlm", let option = mlmOptions.given.first(where: \.given) {
            throw ValidationError("\(option.name) is for --task mlm")
        }
        if ["squad", "mlm"].contains(taskOptions.task) {
            if numLabels != nil { throw ValidationError("--num-labels is for classification tasks") }
            if problemType != nil { throw ValidationError("--problem-type is for --task tsv|csv|jsonl") }
        }
        if taskOptions.task == "cola", let numLabels, numLabels < CoLA.labelNames.count {
            throw ValidationError(
                "--num-labels must be ≥ \(CoLA.labelNames.count), the task's label count")
        }
    }

    func run() throws {
        let communicator = try Communicator.detect()
        compute.applyThreads()
        do {
            try run(on: communicator)
        } catch {
            throw Self.rankError(error, communicator)
        }
        // Only a successful run finalizes: Open MPI's MPI_Finalize waits for every rank.
        try communicator.finalize()
    }

    /// The run of `--task` on this rank of `communicator`.
    func run(on communicator: Communicator) throws {
        switch taskOptions.task {
        case "ner": return try runTokenClassification(communicator)
        case "squad": return try runQuestionAnswering(communicator)
        case "mlm": return try runMaskedLanguageModeling(communicator)
        default: break
        }
        if let problemType, let type = BertConfiguration.ProblemType(rawValue: problemType) {
            try runTargets(type, communicator)
            return
        }
        let outputURL = URL(fileURLWithPath: output)
        let modelURL = try modelOptions.modelURL
        try checkOutput(model: modelURL, communicator)
        let tokenizer = try BertTokenizer.load(from: modelURL)
        var data = try splitOptions.load(
            taskOptions, tokenizer: tokenizer,
            maxLength: taskOptions.maxLength(forModelAt: modelURL))
        if let limit = training.limitTrain, limit < data.train.count {
            data.train = data.train.subset(0..<limit)
        }
        var labels = data.labelNames
        if let numLabels, numLabels < labels.count {
            throw CLIError(
                "--num-labels \(numLabels) is less than the \(labels.count) labels of the training file")
        }
        if let numLabels {
            labels += (labels.count..<numLabels).map { "LABEL_\($0)" }
        }
        if labels.count < 2 {
            // One label would make a one-logit head, which transformers treats as regression.
            let file = taskOptions.train ?? taskOptions.data ?? "the training file"
            throw CLIError(
                "\(file): every training example has the label '\(labels.first ?? "")': "
                    + "classification needs at least 2 labels (--num-labels N adds more)")
        }
        if labels.count > BertConfiguration.Limits.labels {
            throw CLIError(
                "the training file has \(labels.count) labels, more than the "
                    + "\(BertConfiguration.Limits.labels) a classifier may have")
        }
        var generator = SeededGenerator(seed: training.seed, stream: Self.initializationStream)
        let (model, report) = try ModelFolder.load(
            from: modelURL, labels: labels, dropout: training.dropout,
            generator: &generator)
        try model.checkVocabulary(of: tokenizer, folder: modelOptions.model)

        var out = reporter(communicator)
        out.showMacroF1 = taskOptions.tableFormat != nil
        let batchSize = training.batchSize
        out.text(dataSummary(data, batchSize: batchSize))
        if !report.newlyInitialized.isEmpty {
            let names = report.newlyInitialized.map { "'\($0)'" }.joined(separator: ", ")
            out.notice(
                """
                Some weights of BertForSequenceClassification were not initialized from the \
                model checkpoint at \(modelOptions.model) and are newly initialized: [\(names)]
                You should probably TRAIN this model on a down-stream task to be able to use \
                it for predictions and inference.
                """)
        }

        compute.apply()
        var fineTuning = training.fineTuningOptions
        fineTuning.precision = compute.precision
        dataParallel.apply(to: &fineTuning)
        switch try training.parsedClassWeights {
        case nil: break
        case .balanced:
            fineTuning.classWeights = FineTuningOptions.balancedClassWeights(
                labels: data.train.labels, classes: labels.count)
        case .weights(let weights):
            guard weights.count == labels.count else {
                throw CLIError(
                    "--class-weights gives \(weights.count) weights for \(labels.count) labels (\(labels.joined(separator: ", ")))")
            }
            fineTuning.classWeights = weights
        }
        let tuner = try FineTuner(model: model, options: fineTuning, communicator: communicator)
        out.communication = { tuner.communication }
        let session = try CheckpointSession(
            options: checkpointing, tuner: tuner, train: data.train, validation: data.validation,
            output: outputURL, tokenizerFolder: modelURL, out: out)
        let start = Date()
        let summary = try tuner.train(
            on: data.train, validation: data.validation, from: session.resumed,
            observer: session.observe
        ) { [out] in out.progress($0) }
        let trainingSeconds = Date().timeIntervalSince(start)
        // Rank 0 restores the best epoch (nil elsewhere); every rank evaluates its share of
        // each test set with rank 0's parameters; rank 0 alone reports and saves.
        let bestEpoch = try session.restoreBest(summary)
        let totalSeconds = Date().timeIntervalSince(start)
        if !data.tests.isEmpty { try tuner.shareParameters() }
        var testOutputs: [EvaluationOutputs] = []
        for test in data.tests {
            if let outputs = try tuner.gatherEvaluationOutputs(test.examples) {
                testOutputs.append(outputs)
            }
        }
        guard communicator.isWriter else { return }
        var testResults: [(name: String, result: EvaluationResult)] = []
        out.text("")
        out.text("Training complete!")
        out.text("Total training took \(formatTime(totalSeconds)) (h:mm:ss)")
        out.communicationSummary()

        for (test, outputs) in zip(data.tests, testOutputs) {
            let result = try test.examples.evaluationResult(outputs, with: tuner)
            testResults.append((test.name, result))
            out.text("")
            out.text("Predicting labels for \(grouped(test.examples.count)) test sentences (\(test.name))...")
            out.text("  Accuracy: \(fixed(result.accuracy, 2))")
            out.text("  MCC: \(fixed(result.matthewsCorrelation, 3))")
            if taskOptions.tableFormat != nil {
                out.text("  Macro-F1: \(fixed(result.macroF1, 3))")
            }
            out.json([
                ("event", JSONText.string("test")), ("split", JSONText.string(test.name)),
                ("accuracy", JSONText.number(result.accuracy)),
                ("mcc", JSONText.number(result.matthewsCorrelation)),
                ("macro_f1", JSONText.number(result.macroF1)),
                ("loss", JSONText.number(result.loss)), ("n", String(result.count)),
            ])
        }

        // The tutorial's per-batch MCC chart, on its test set (the first one).
        if let test = data.tests.first, let outputs = testOutputs.first, test.examples.count > 0 {
            let perBatch = FineTuner.batchMatthewsCorrelations(
                outputs, on: test.examples, classes: labels.count,
                batchSize: training.fineTuningOptions.evaluationBatchSize)
            let overall = testResults.first?.result.matthewsCorrelation ?? 0
            let svg = BatchMCCChartSVG.render(
                perBatch, overall: overall, title: "MCC Score per Batch (\(test.name))")
            try FileManager.default.createDirectory(at: outputURL, withIntermediateDirectories: true)
            try AtomicFile.write(
                Data(svg.utf8), to: outputURL.appendingPathComponent("test_mcc_per_batch.svg"))
        }

        out.text("")
        out.text("Saving model to \(output)")
        try writeReport(
            summary: summary,
            sizes: [("training", data.train.count), ("validation", data.validation.count)]
                + data.tests.map { ($0.name, $0.examples.count) },
            tests: testResults, labels: labels,
            trainingSeconds: trainingSeconds, bestEpoch: bestEpoch, session: session)
        try ModelFolder.saveKeepingOtherFiles(
            model, tokenizerFolder: modelURL, into: outputURL)
        out.json([("event", JSONText.string("done")), ("output", JSONText.string(output))])
    }

    /// Fails before anything is loaded when `--output` may not be written: for every task.
    /// Rank 0 alone checks it (the other ranks never touch it).
    func checkOutput(model modelURL: URL, _ communicator: Communicator) throws {
        guard communicator.isWriter else { return }
        let inputs = [taskOptions.data, taskOptions.train, taskOptions.validation, taskOptions.test]
            .compactMap { $0.map { URL(fileURLWithPath: $0) } }
        try OutputFolder.check(
            output, model: modelURL, inputs: inputs, overwrite: overwriteOutputDir)
        try ModelFolder.checkWritable(URL(fileURLWithPath: output))
    }

    /// Refuses, by name, the options a run of `run` (`--task ner`, …) does not take: class
    /// weights (single-label classification only), and the ones in `more` that are given.
    func refuseUnsupportedOptions(for run: String, _ more: [(name: String, given: Bool)] = [])
        throws
    {
        let given = [("--class-weights", training.classWeights != nil)] + more
        if let option = given.first(where: { $0.1 }) {
            throw CLIError("\(run) does not take \(option.0) yet")
        }
    }

    private func dataSummary(_ data: ClassificationData, batchSize: Int) -> String {
        let trainBatches = (data.train.count + batchSize - 1) / batchSize
        let validationBatches = (data.validation.count + batchSize - 1) / batchSize
        return """
            Number of training sentences: \(grouped(data.allTraining.count))
            \(padded(grouped(data.train.count), 5)) training samples
            \(padded(grouped(data.validation.count), 5)) validation samples
            \(trainBatches) training batches and \(validationBatches) validation batches of \(batchSize)

            """
    }
}

/// `8551` as `8,551`.
func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
        out.append(digit)
    }
    return out
}

/// Writes `bert train`'s output: the tutorial's text, or JSON lines with `--json`.
struct Reporter {
    let json: Bool
    let logEvery: Int
    /// Batches per optimizer step (`--gradient-accumulation-steps`).
    var accumulation = 1
    /// Whether the human output shows macro-F1 (tasks other than the tutorial's CoLA).
    var showMacroF1 = false
    /// Whether standard output is a terminal: then a live progress bar is drawn too.
    var terminal = isatty(STDOUT_FILENO) != 0
    /// Whether nothing is written: the ranks of an `mpirun` job other than rank 0 (errors
    /// still reach standard error).
    var silent = false
    /// The gradient all-reduces' cost so far, for a data-parallel run.
    var communication: (() -> CommunicationStatistics)?

    /// Whether the live progress bar is drawn.
    private var drawsBar: Bool { terminal && !json && !silent }

    /// A line of the human output (nothing in JSON mode).
    func text(_ line: String) {
        if !json && !silent { write(line) }
    }

    /// A notice: on standard output in human mode, standard error in JSON mode.
    func notice(_ text: String) {
        guard !silent else { return }
        if json {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        } else {
            write(text)
        }
    }

    /// A JSON line (nothing in human mode).
    func json(_ fields: [(String, String)]) {
        if json && !silent { write(JSONText.object(fields)) }
    }

    /// Writes a line unbuffered, so progress reaches a pipe or log file as it happens.
    private func write(_ line: String) {
        // On a terminal, the line replaces the progress bar, which the next step redraws.
        let prefix = terminal && !json ? ProgressBar.clearLine : ""
        FileHandle.standardOutput.write(Data((prefix + line + "\n").utf8))
    }

    func progress(_ event: TrainingProgress) {
        switch event {
        case .epochStarted(let epoch, let epochs, _):
            text("")
            text("======== Epoch \(epoch) / \(epochs) ========")
            text("Training...")
        case .step(let step):
            if drawsBar {
                FileHandle.standardOutput.write(Data(ProgressBar.line(for: step).utf8))
            }
            // A step reports when its batches pass a multiple of --log-every (groups of
            // micro-batches start at multiples of the accumulation count).
            let before = (step.batch - 1) / accumulation * accumulation
            guard step.batch / logEvery > before / logEvery else { return }
            text(
                "  Batch \(padded(grouped(step.batch), 5))  of  "
                    + "\(padded(grouped(step.batchesPerEpoch), 5)).    "
                    + "Elapsed: \(formatTime(step.elapsed)).")
            json([
                ("event", JSONText.string("step")), ("epoch", String(step.epoch)),
                ("step", String(step.step)), ("batch", String(step.batch)),
                ("loss", JSONText.number(Double(step.loss))),
                ("learning_rate", JSONText.number(step.learningRate)),
                ("grad_norm", JSONText.number(Double(step.gradientNorm))),
                ("elapsed", JSONText.number(step.elapsed)),
            ] + communicationFields)
        case .stepSkipped(let step):
            text(
                "  Skipped step \(step.step) (batch \(step.batch)): loss \(step.loss), "
                    + "gradient norm \(step.gradientNorm)")
            json([
                ("event", JSONText.string("skipped")), ("epoch", String(step.epoch)),
                ("step", String(step.step)), ("batch", String(step.batch)),
            ])
        case .validationStarted:
            if drawsBar {
                FileHandle.standardOutput.write(Data(ProgressBar.clearLine.utf8))
            }
        case .epochFinished(let report):
            text("")
            text("  Average training loss: \(fixed(report.trainingLoss, 2))")
            text("  Training epoch took: \(formatTime(report.trainingSeconds))")
            var fields: [(String, String)] = [
                ("event", JSONText.string("epoch")), ("epoch", String(report.epoch)),
                ("train_loss", JSONText.number(report.trainingLoss)),
            ]
            if let validation = report.validation {
                text("")
                text("Running Validation...")
                text("  Validation Loss: \(fixed(validation.loss, 2))")
                fields.append(("val_loss", JSONText.number(validation.loss)))
                // One line of the task's own metrics (MCC only for single-label classification).
                if let regression = validation.regression {
                    text(
                        "  MSE / Pearson / Spearman: \(fixed(regression.meanSquaredError, 4)) / "
                            + "\(fixed(regression.pearson, 3)) / \(fixed(regression.spearman, 3))")
                    fields += [
                        ("val_mse", JSONText.number(regression.meanSquaredError)),
                        ("val_pearson", JSONText.number(regression.pearson)),
                        ("val_spearman", JSONText.number(regression.spearman)),
                    ]
                } else if let multiLabel = validation.multiLabel {
                    text(
                        "  Micro-F1 / macro-F1 / subset accuracy: \(fixed(multiLabel.microF1, 3)) / "
                            + "\(fixed(multiLabel.macroF1, 3)) / \(fixed(multiLabel.subsetAccuracy, 3))")
                    fields += [
                        ("val_micro_f1", JSONText.number(multiLabel.microF1)),
                        ("val_macro_f1", JSONText.number(multiLabel.macroF1)),
                        ("val_subset_accuracy", JSONText.number(multiLabel.subsetAccuracy)),
                    ]
                } else if let squad = validation.questionAnswering {
                    text("  Exact match / F1: \(fixed(squad.exactMatch, 2)) / \(fixed(squad.f1, 2))")
                    fields += [
                        ("val_exact_match", JSONText.number(squad.exactMatch)),
                        ("val_f1", JSONText.number(squad.f1)),
                    ]
                    for (name, split) in [("has_answer", squad.hasAnswer), ("no_answer", squad.noAnswer)] {
                        guard let split else { continue }
                        text(
                            "    \(name == "has_answer" ? "answerable" : "unanswerable") (\(split.total)): "
                                + "\(fixed(split.exactMatch, 2)) / \(fixed(split.f1, 2))")
                        fields += [
                            ("val_\(name)_exact_match", JSONText.number(split.exactMatch)),
                            ("val_\(name)_f1", JSONText.number(split.f1)),
                        ]
                    }
                } else if let perplexity = validation.perplexity {
                    text("  Perplexity: \(fixed(perplexity, 2))")
                    fields.append(("val_perplexity", JSONText.number(perplexity)))
                } else if let entities = validation.entities {
                    text("  Accuracy: \(fixed(validation.accuracy, 2))")
                    text(
                        "  Entity precision / recall / F1: \(fixed(entities.precision, 3)) / "
                            + "\(fixed(entities.recall, 3)) / \(fixed(entities.f1, 3))")
                    fields += [
                        ("val_accuracy", JSONText.number(validation.accuracy)),
                        ("val_precision", JSONText.number(entities.precision)),
                        ("val_recall", JSONText.number(entities.recall)),
                        ("val_f1", JSONText.number(entities.f1)),
                    ]
                } else {
                    text("  Accuracy: \(fixed(validation.accuracy, 2))")
                    text("  MCC: \(fixed(validation.matthewsCorrelation, 3))")
                    if showMacroF1 { text("  Macro-F1: \(fixed(validation.macroF1, 3))") }
                    fields += [
                        ("val_accuracy", JSONText.number(validation.accuracy)),
                        ("val_mcc", JSONText.number(validation.matthewsCorrelation)),
                        ("val_macro_f1", JSONText.number(validation.macroF1)),
                    ]
                }
                text("  Validation took: \(formatTime(report.validationSeconds))")
            }
            fields += [
                ("steps", String(report.steps)),
                ("train_seconds", JSONText.number(report.trainingSeconds)),
                ("seconds", JSONText.number(report.trainingSeconds + report.validationSeconds)),
            ]
            json(fields)
        }
    }
}
