// swift-bert — training.

import BERT
import Datasets
import Foundation
import Randomness
import Tokenization

/// Sequences with float labels, for sequence classification's two other problem types:
/// `regression` (one target per sequence) and `multi_label_classification` (a 0/1 row of
/// `width` targets per sequence, BCEWithLogits).
public struct TargetExamples: Sendable {
    /// The sequences' ids and types (their integer labels are unused, 0).
    public private(set) var encoded = EncodedExamples()
    /// `[count, width]` float labels.
    public private(set) var targets: [Float] = []
    public let width: Int
    public let problemType: BertConfiguration.ProblemType

    public init(problemType: BertConfiguration.ProblemType, width: Int) {
        precondition(problemType != .singleLabelClassification, "TargetExamples: float labels only")
        self.problemType = problemType
        self.width = width
    }

    public var count: Int { encoded.count }

    /// Appends one sequence with its `width` targets.
    public mutating func append(_ encoding: Encoding, targets row: [Float]) {
        precondition(row.count == width, "TargetExamples: \(row.count) targets, width \(width)")
        let length = encoding.length
        encoded.append(
            inputIDs: encoding.inputIDs[..<length], tokenTypeIDs: encoding.tokenTypeIDs[..<length],
            label: 0)
        targets += row
    }

    /// Appends example `index` of `other` (a subset, as `--limit-train` takes).
    public mutating func appendExample(_ index: Int, of other: TargetExamples) {
        encoded.append(
            inputIDs: other.encoded.inputIDs(of: index),
            tokenTypeIDs: other.encoded.tokenTypeIDs(of: index), label: 0)
        targets += other.targets[(index * width)..<((index + 1) * width)]
    }

    /// Reads a table task's training and validation files with float labels: regression
    /// labels are numbers; multi-label labels are label names joined by `separator` (an empty
    /// cell: none) or, in JSON Lines, an array of names, the names of the training file sorted as ``Datasets/LabelSet`` sorts them.
    /// Without a validation file, the training file is split (`validationFraction`,
    /// `splitSeed`).
    /// - Returns: Both sets and the label names (`["LABEL_0"]` for regression).
    /// - Throws: ``Datasets/DatasetError/invalidValue(file:line:field:value:expected:)`` for a
    ///   label that is no number or names a label the training file lacks.
    public static func read(
        _ files: TableTaskFiles, problemType: BertConfiguration.ProblemType, separator: String,
        tokenizer: BertTokenizer, maxLength: Int, validationFraction: Double = 0.1,
        splitSeed: UInt64 = 2018
    ) throws -> (train: TargetExamples, validation: TargetExamples, labels: [String]) {
        let rawTraining = try files.read(files.train, floatLabels: true)
        guard !rawTraining.isEmpty else { throw DatasetError.noExamples(file: files.train.path) }
        func names(_ example: TableExample) -> [String] {
            if let list = example.labelList { return list }
            return (example.label ?? "").components(separatedBy: separator)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let labels =
            problemType == .regression
            ? ["LABEL_0"] : LabelSet(sorting: rawTraining.flatMap(names)).names
        let ids = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        func row(_ example: TableExample) throws -> [Float] {
            let label = example.label ?? ""
            if problemType == .regression {
                if example.labelList != nil {
                    throw DatasetError.invalidValue(
                        file: example.location.file, line: example.location.line,
                        field: example.labelField, value: "array", expected: "a finite number")
                }
                guard let value = Float(label.trimmingCharacters(in: .whitespaces)), value.isFinite
                else {
                    throw DatasetError.invalidValue(
                        file: example.location.file, line: example.location.line,
                        field: example.labelField, value: label, expected: "a finite number")
                }
                return [value]
            }
            var row = [Float](repeating: 0, count: labels.count)
            for name in names(example) {
                guard let id = ids[name] else {
                    throw DatasetError.invalidValue(
                        file: example.location.file, line: example.location.line,
                        field: example.labelField, value: name,
                        expected: "a label of the training file (\(labels.joined(separator: ", ")))")
                }
                row[id] = 1
            }
            return row
        }
        func make(_ examples: [TableExample]) throws -> TargetExamples {
            var set = TargetExamples(problemType: problemType, width: labels.count)
            for example in examples {
                set.append(
                    tokenizer.encode(example.text, pair: example.textPair, maxLength: maxLength),
                    targets: try row(example))
            }
            return set
        }
        if let validation = files.validation {
            return (
                try make(rawTraining),
                try make(try files.read(validation, floatLabels: true)), labels
            )
        }
        let split = try trainValidationSplit(
            count: rawTraining.count, validationFraction: validationFraction, seed: splitSeed)
        return (
            try make(split.train.map { rawTraining[$0] }),
            try make(split.validation.map { rawTraining[$0] }), labels
        )
    }
}

extension TargetExamples: TrainingExamples {
    public func length(of index: Int) -> Int { encoded.length(of: index) }

    public func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>) {
        batch.fill(from: encoded, indices: indices)
        batch.labels.removeAll(keepingCapacity: true)
        batch.targets.removeAll(keepingCapacity: true)
        for index in indices {
            batch.targets.append(contentsOf: targets[(index * width)..<((index + 1) * width)])
        }
    }

    public func checkLabels(for model: BertPreTrainedModel) throws {
        guard let classifier = model as? BertForSequenceClassification,
            classifier.effectiveProblemType == problemType
        else {
            throw TrainingError.unsupportedProblemType(
                "\(problemType.rawValue) targets for another kind of model")
        }
        let classes = model.configuration.numLabels
        guard classes == width else {
            throw TrainingError.invalidOption(
                name: "num_labels", value: "\(classes)", expected: "\(width), the targets per example")
        }
    }

    /// Per batch its summed loss (the problem type's: MSE or BCEWithLogits, times the
    /// examples), per example its `[width]` logits.
    public func evaluationOutputs(_ range: Range<Int>, with tuner: FineTuner) throws
        -> EvaluationOutputs
    {
        let model = try self.model(of: tuner)
        let activations =
            (tuner.activations as? Activations) ?? Activations(configuration: model.configuration)
        var unused = SeededGenerator(seed: 0)
        var batch = PackedBatch()
        var outputs = EvaluationOutputs()
        let size = tuner.options.evaluationBatchSize
        for batchRange in EvaluationShards.batchRanges(range, batchSize: size) {
            fill(&batch, indices: Array(batchRange)[...])
            try model.validate(batch)
            model.forward(batch, activations: activations, training: false, generator: &unused)
            outputs.batchValues.append(
                Double(model.loss(targets: batch.targets, activations: activations))
                    * Double(batchRange.count))
            outputs.rows += activations.logits.array(0..<(batchRange.count * width))
        }
        return outputs
    }

    public func evaluationOutputCounts(_ range: Range<Int>, with tuner: FineTuner)
        -> EvaluationOutputs.Counts
    {
        EvaluationOutputs.Counts(
            batchValues: EvaluationShards.batches(
                in: range, batchSize: tuner.options.evaluationBatchSize),
            rows: range.count * width)
    }

    /// Regression: the MSE, Pearson and Spearman correlations; multi-label: micro and macro
    /// F1 and subset accuracy of `sigmoid(logit) > 0.5` (as transformers' multi-label recipe
    /// thresholds), with the loss of the problem type.
    public func evaluationResult(_ outputs: EvaluationOutputs, with tuner: FineTuner) throws
        -> EvaluationResult
    {
        _ = try model(of: tuner)
        precondition(outputs.rows.count == count * width, "evaluate: outputs")
        let lossSum = outputs.batchValues.reduce(0, +)
        let logits = outputs.rows
        var result = EvaluationResult(
            loss: count > 0 ? lossSum / Double(count) : 0, accuracy: 0, matthewsCorrelation: 0,
            confusion: [], count: count)
        if problemType == .regression {
            let predictions = logits.map(Double.init)
            let labels = targets.map(Double.init)
            result.regression = RegressionSummary(
                meanSquaredError: RegressionMetrics.meanSquaredError(
                    predictions: predictions, labels: labels),
                pearson: RegressionMetrics.pearson(predictions, labels),
                spearman: RegressionMetrics.spearman(predictions, labels))
        } else {
            let rows = (0..<count).map { $0 * width..<($0 + 1) * width }
            // sigmoid(x) > 0.5 ⟺ x > 0.
            let predicted = rows.map { logits[$0].map { $0 > 0 } }
            let labels = rows.map { targets[$0].map { $0 > 0.5 } }
            let summary = MultiLabelSummary(
                microF1: MultiLabelMetrics.microF1(predictions: predicted, labels: labels),
                macroF1: MultiLabelMetrics.macroF1(predictions: predicted, labels: labels),
                subsetAccuracy: MultiLabelMetrics.subsetAccuracy(predictions: predicted, labels: labels))
            result.multiLabel = summary
            result.accuracy = summary.subsetAccuracy
            result.macroF1 = summary.macroF1
        }
        return result
    }

    private func model(of tuner: FineTuner) throws -> BertForSequenceClassification {
        guard let model = tuner.model as? BertForSequenceClassification,
            model.effectiveProblemType == problemType
        else {
            throw TrainingError.unsupportedProblemType(
                "\(problemType.rawValue) data for this model")
        }
        return model
    }
}

/// A regression evaluation's metrics, as GLUE's STS-B reports them.
public struct RegressionSummary: Sendable, Equatable, Codable {
    public var meanSquaredError: Double
    public var pearson: Double
    public var spearman: Double
}

/// A multi-label evaluation's metrics (scikit-learn's `f1_score` micro / macro and
/// `accuracy_score` on the indicator rows).
public struct MultiLabelSummary: Sendable, Equatable, Codable {
    public var microF1: Double
    public var macroF1: Double
    public var subsetAccuracy: Double
}
