// swift-bert — the `bert train` command.

import BERT
import Datasets
import Distributed
import Foundation
import Randomness
import Tokenization
import Training

extension TrainCommand {
    /// `bert train --task tsv|csv|jsonl --problem-type regression|multi_label_classification`:
    /// sequence classification with float labels, as transformers' `problem_type` selects the
    /// loss (MSE on one output; BCEWithLogits over the labels). Reports MSE / Pearson /
    /// Spearman or micro / macro F1 and subset accuracy after every epoch and saves the folder
    /// with its `problem_type`.
    func runTargets(_ problemType: BertConfiguration.ProblemType, _ communicator: Communicator)
        throws
    {
        let modelURL = try modelOptions.modelURL
        guard let format = taskOptions.tableFormat else {
            throw CLIError("--problem-type is for --task tsv|csv|jsonl")
        }
        try checkOutput(model: modelURL, communicator)
        try refuseUnsupportedOptions(
            for: "--problem-type \(problemType.rawValue)", [("--test", taskOptions.test != nil)])
        let tokenizer = try BertTokenizer.load(from: modelURL)
        var (train, validation, labels) = try TargetExamples.read(
            try taskOptions.tableFiles(format: format), problemType: problemType,
            separator: labelSeparator, tokenizer: tokenizer,
            maxLength: try taskOptions.maxLength(forModelAt: modelURL),
            validationFraction: splitOptions.validationFraction, splitSeed: splitOptions.splitSeed)
        if let limit = training.limitTrain, limit < train.count {
            var limited = TargetExamples(problemType: problemType, width: train.width)
            for index in 0..<limit {
                limited.appendExample(index, of: train)
            }
            train = limited
        }
        if problemType == .multiLabelClassification && labels.count < 2 {
            throw CLIError("the training file names \(labels.count) label; multi-label classification needs at least 2")
        }
        var generator = SeededGenerator(seed: training.seed, stream: Self.initializationStream)
        let (model, report) = try BertForSequenceClassification.load(
            from: modelURL, labels: labels, dropout: training.dropout,
            problemType: problemType, generator: &generator)
        try model.checkVocabulary(of: tokenizer, folder: modelOptions.model)
        let out = reporter(communicator)
        out.text(
            "\(grouped(train.count)) training and \(grouped(validation.count)) validation examples, "
                + "\(problemType.rawValue)"
                + (problemType == .regression ? "" : ", labels: " + labels.joined(separator: " ")))
        _ = try fineTune(
            model, report: report, on: train, validation: validation, out: out, labels: labels,
            communicator: communicator)
        guard communicator.isWriter else { return }
        try saveFinalModel(model, out: out)
    }

    /// The part every task's run but the tutorial's shares: the newly-initialized notice, the
    /// fine-tuning run with this command's options — checkpoints, `--resume`, the best epoch
    /// (`--metric-for-best`) as for sequence classification — the closing line, and the run
    /// report (metrics.jsonl/csv, loss_curve.svg, summary.md).
    func fineTune<Examples: TrainingExamples>(
        _ model: BertPreTrainedModel & FineTunable, report: LoadReport,
        on train: Examples, validation: Examples, out: Reporter, labels: [String] = [],
        communicator: Communicator
    ) throws -> TrainingSummary {
        var out = out
        if !report.newlyInitialized.isEmpty {
            out.notice(
                "Some weights of \(type(of: model).architecture) were not initialized from the "
                    + "model checkpoint at \(modelOptions.model) and are newly initialized: ["
                    + report.newlyInitialized.map { "'\($0)'" }.joined(separator: ", ") + "]")
        }
        compute.apply()
        var fineTuning = training.fineTuningOptions
        fineTuning.precision = compute.precision
        dataParallel.apply(to: &fineTuning)
        let tuner = try FineTuner(model: model, options: fineTuning, communicator: communicator)
        out.communication = { tuner.communication }
        let session = try CheckpointSession(
            options: checkpointing, tuner: tuner, train: train, validation: validation,
            output: URL(fileURLWithPath: output), tokenizerFolder: try modelOptions.modelURL,
            out: out)
        let start = Date()
        let summary = try tuner.train(
            on: train, validation: validation, from: session.resumed,
            observer: session.observe
        ) { [out] in out.progress($0) }
        let trainingSeconds = Date().timeIntervalSince(start)
        guard communicator.isWriter else { return summary }
        let bestEpoch = try session.restoreBest(summary)
        out.text("")
        out.text("Training complete! (\(formatTime(trainingSeconds)) h:mm:ss)")
        out.communicationSummary()
        try writeReport(
            summary: summary, sizes: [("training", train.count), ("validation", validation.count)],
            tests: [], labels: labels, trainingSeconds: trainingSeconds, bestEpoch: bestEpoch,
            session: session)
        return summary
    }

    /// The end of every task's run but the tutorial's (rank 0 only): the model folder written
    /// into `--output` beside the checkpoints and report, and the `done` event.
    func saveFinalModel(_ model: BertPreTrainedModel, out: Reporter) throws {
        out.text("")
        out.text("Saving model to \(output)")
        try ModelFolder.saveKeepingOtherFiles(
            model, tokenizerFolder: try modelOptions.modelURL, into: URL(fileURLWithPath: output))
        out.json([("event", JSONText.string("done")), ("output", JSONText.string(output))])
    }
}
