// swift-bert — training.

import Checkpoints
import Foundation

/// The report of a fine-tuning run, written into its output folder: `metrics.jsonl` and
/// `metrics.csv` (one row per optimizer step, then one per epoch), `loss_curve.svg` (the
/// tutorial's "Training & Validation Loss" plot, with every step's loss too) and `summary.md`
/// (configuration, data sizes, timings, final figures, confusion matrices).
public struct RunReport: Sendable {
    /// What the run was (setting, value), in the order `summary.md` lists them.
    public var configuration: [(String, String)]
    /// Data sizes (name, examples).
    public var dataSizes: [(String, Int)]
    /// The run's figures (all steps and epochs, resumed runs included).
    public var summary: TrainingSummary
    /// Figures on the test sets (name, result).
    public var tests: [(name: String, result: EvaluationResult)]
    /// Label names in id order.
    public var labels: [String]
    /// Wall-clock seconds of this process's training (not of earlier, resumed parts).
    public var trainingSeconds: Double
    /// The epoch whose model is the final one when it is not the last (`--metric-for-best`).
    public var bestEpoch: Int?
    /// How the run was resumed, if it was ("checkpoint-12").
    public var resumedFrom: String?

    public init(
        configuration: [(String, String)], dataSizes: [(String, Int)], summary: TrainingSummary,
        tests: [(name: String, result: EvaluationResult)], labels: [String],
        trainingSeconds: Double, bestEpoch: Int? = nil, resumedFrom: String? = nil
    ) {
        self.configuration = configuration
        self.dataSizes = dataSizes
        self.summary = summary
        self.tests = tests
        self.labels = labels
        self.trainingSeconds = trainingSeconds
        self.bestEpoch = bestEpoch
        self.resumedFrom = resumedFrom
    }

    /// The files' names.
    public static let fileNames = ["metrics.jsonl", "metrics.csv", "loss_curve.svg", "summary.md"]

    /// Writes the four files into `folder`, each atomically.
    /// - Throws: `CheckpointError/writeFailed(file:operation:reason:)`.
    public func write(to folder: URL) throws {
        let files = [metricsJSONLines(), metricsCSV(), LossCurveSVG.render(summary), markdown()]
        for (name, text) in zip(Self.fileNames, files) {
            try AtomicFile.write(Data(text.utf8), to: folder.appendingPathComponent(name))
        }
    }

    /// One JSON object per line: `{"kind":"step",…}` for every step, then `{"kind":"epoch",…}`.
    public func metricsJSONLines() -> String {
        var lines: [String] = []
        let skipped = Set(summary.skippedSteps)
        for step in summary.stepReports {
            lines.append(
                "{\"kind\":\"step\",\"step\":\(step.step),\"epoch\":\(step.epoch),"
                    + "\"batch\":\(step.batch),\"loss\":\(Self.json(Double(step.loss))),"
                    + "\"learning_rate\":\(Self.json(step.learningRate)),"
                    + "\"grad_norm\":\(Self.json(Double(step.gradientNorm))),"
                    + "\"skipped\":\(skipped.contains(step.step))}")
        }
        for epoch in summary.epochs {
            var line =
                "{\"kind\":\"epoch\",\"epoch\":\(epoch.epoch),\"steps\":\(epoch.steps),"
                + "\"train_loss\":\(Self.json(epoch.trainingLoss))"
            if let validation = epoch.validation {
                line +=
                    ",\"val_loss\":\(Self.json(validation.loss)),"
                    + "\"val_accuracy\":\(Self.json(validation.accuracy)),"
                    + "\"val_mcc\":\(Self.json(validation.matthewsCorrelation))"
                for (name, value) in Self.taskMetrics(validation) {
                    line += ",\"\(name)\":\(Self.json(value))"
                }
            }
            line +=
                ",\"train_seconds\":\(Self.json(epoch.trainingSeconds)),"
                + "\"val_seconds\":\(Self.json(epoch.validationSeconds))}"
            lines.append(line)
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// The same rows as ``metricsJSONLines()`` in one table; cells that do not apply are empty.
    public func metricsCSV() -> String {
        var rows = [
            "kind,epoch,step,batch,loss,learning_rate,grad_norm,skipped,"
                + "train_loss,val_loss,val_accuracy,val_mcc,seconds"
        ]
        let skipped = Set(summary.skippedSteps)
        for step in summary.stepReports {
            rows.append(
                "step,\(step.epoch),\(step.step),\(step.batch),\(step.loss),\(step.learningRate),"
                    + "\(step.gradientNorm),\(skipped.contains(step.step)),,,,,")
        }
        for epoch in summary.epochs {
            let validation = epoch.validation
            rows.append(
                "epoch,\(epoch.epoch),,,,,,,\(epoch.trainingLoss),"
                    + "\(validation.map { "\($0.loss)" } ?? ""),"
                    + "\(validation.map { "\($0.accuracy)" } ?? ""),"
                    + "\(validation.map { "\($0.matthewsCorrelation)" } ?? ""),"
                    + "\(epoch.trainingSeconds + epoch.validationSeconds)")
        }
        return rows.map { $0 + "\n" }.joined()
    }

    /// `summary.md`.
    public func markdown() -> String {
        var text = "# Training summary\n\n## Configuration\n\n| setting | value |\n| --- | --- |\n"
        for (name, value) in configuration { text += "| \(name) | \(value) |\n" }
        if let resumedFrom { text += "| resumed from | \(resumedFrom) |\n" }
        text += "\n## Data\n\n| set | examples |\n| --- | --- |\n"
        for (name, count) in dataSizes { text += "| \(name) | \(count) |\n" }
        text += "\n## Epochs\n\n"
        text += "| epoch | steps | training loss | validation loss | accuracy | MCC | time |\n"
        text += "| --- | --- | --- | --- | --- | --- | --- |\n"
        for epoch in summary.epochs {
            let v = epoch.validation
            text +=
                "| \(epoch.epoch)\(epoch.epoch == bestEpoch ? " (best)" : "") | \(epoch.steps) "
                + "| \(Self.fixed(epoch.trainingLoss, 4)) "
                + "| \(v.map { Self.fixed($0.loss, 4) } ?? "–") "
                + "| \(v.map { Self.fixed($0.accuracy, 4) } ?? "–") "
                + "| \(v.map { Self.fixed($0.matthewsCorrelation, 4) } ?? "–") "
                + "| \(Self.fixed(epoch.trainingSeconds + epoch.validationSeconds, 1)) s |\n"
        }
        text += "\nSteps: \(summary.stepReports.count)"
        if !summary.skippedSteps.isEmpty {
            text += " (skipped for a non-finite loss or gradient: \(summary.skippedSteps.map(String.init).joined(separator: ", ")))"
        }
        text += ". Training time in this process: \(Self.fixed(trainingSeconds, 1)) s.\n"
        if let bestEpoch {
            text += "\nThe final model is epoch \(bestEpoch)'s (the best by validation).\n"
        }
        var sections: [(String, EvaluationResult)] = []
        if let last = summary.epochs.last(where: { $0.validation != nil }),
            let validation = last.validation
        {
            let epoch = bestEpoch ?? last.epoch
            let chosen = summary.epochs.first { $0.epoch == epoch }?.validation ?? validation
            sections.append(("validation (epoch \(epoch))", chosen))
        }
        sections += tests.map { ($0.name, $0.result) }
        if !sections.isEmpty {
            text += "\n## Final figures\n\n| set | examples | loss | accuracy | MCC |\n"
            text += "| --- | --- | --- | --- | --- |\n"
            for (name, result) in sections {
                text +=
                    "| \(name) | \(result.count) | \(Self.fixed(result.loss, 4)) "
                    + "| \(Self.fixed(result.accuracy, 4)) "
                    + "| \(Self.fixed(result.matthewsCorrelation, 4)) |\n"
            }
            for (name, result) in sections {
                text += "\n### Confusion matrix: \(name)\n\n"
                text += "| label \\ predicted | " + labels.joined(separator: " | ") + " |\n"
                text += "| --- |" + String(repeating: " --- |", count: labels.count) + "\n"
                for (row, counts) in result.confusion.enumerated() {
                    let name = row < labels.count ? labels[row] : "\(row)"
                    text += "| \(name) | " + counts.map(String.init).joined(separator: " | ") + " |\n"
                }
            }
        }
        text += "\n![Training and validation loss](loss_curve.svg)\n"
        return text
    }

    /// The validation figures of the task beyond loss, accuracy and MCC, named as `bert
    /// train --json` names them.
    static func taskMetrics(_ v: EvaluationResult) -> [(String, Double)] {
        var fields: [(String, Double)] = []
        if let squad = v.questionAnswering {
            fields += [("val_exact_match", squad.exactMatch), ("val_f1", squad.f1)]
            if let has = squad.hasAnswer {
                fields += [("val_has_answer_exact_match", has.exactMatch), ("val_has_answer_f1", has.f1)]
            }
            if let no = squad.noAnswer {
                fields += [("val_no_answer_exact_match", no.exactMatch), ("val_no_answer_f1", no.f1)]
            }
        }
        if let perplexity = v.perplexity { fields.append(("val_perplexity", perplexity)) }
        if let entities = v.entities {
            fields += [
                ("val_precision", entities.precision), ("val_recall", entities.recall),
                ("val_f1", entities.f1),
            ]
        }
        if let regression = v.regression {
            fields += [
                ("val_mse", regression.meanSquaredError), ("val_pearson", regression.pearson),
                ("val_spearman", regression.spearman),
            ]
        }
        if let multiLabel = v.multiLabel {
            fields += [
                ("val_micro_f1", multiLabel.microF1), ("val_macro_f1", multiLabel.macroF1),
                ("val_subset_accuracy", multiLabel.subsetAccuracy),
            ]
        }
        return fields
    }

    static func json(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
