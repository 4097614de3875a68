// swift-bert — Training tests: fine-tuning with float labels (regression, multi-label).

import BERT
import Checkpoints
import Datasets
import Foundation
import Randomness
import Tokenization
import Training
import XCTest
import _TestSupport

final class FloatTargetTrainingTests: XCTestCase {
    /// `FineTuner` on `TargetExamples`: 3 epochs of the head fixture's single batch end where
    /// PyTorch's 3 steps end (Tools/reference/make_head_fixtures.py), and the validation
    /// metrics equal the metrics of the model's own outputs.
    private func check(
        _ name: String, problemType: BertConfiguration.ProblemType, labels: Int
    ) throws {
        let fixture = try SafeTensorsFile(contentsOf: TestPaths.fixture("training/\(name).safetensors"))
        var generator = SeededGenerator(seed: 0)
        let (model, _) = try BertForSequenceClassification.load(
            from: TestPaths.fixture("tiny-bert"), labels: (0..<labels).map { "LABEL_\($0)" },
            dropout: 0, problemType: problemType, generator: &generator)
        try fixture.floats("classifier.weight", into: model.parameter("classifier.weight"))
        try fixture.floats("classifier.bias", into: model.parameter("classifier.bias"))
        let ids = try fixture.integers("input_ids").map(Int32.init)
        let types = try fixture.integers("token_type_ids").map(Int32.init)
        let offsets = try fixture.integers("sequence_offsets")
        let targets = try fixture.floats("labels")
        var examples = TargetExamples(problemType: problemType, width: labels)
        for s in 0..<(offsets.count - 1) {
            let rows = offsets[s]..<offsets[s + 1]
            examples.append(
                Encoding(
                    inputIDs: Array(ids[rows]), tokenTypeIDs: Array(types[rows]),
                    attentionMask: Array(repeating: 1, count: rows.count), tokens: []),
                targets: Array(targets[(s * labels)..<((s + 1) * labels)]))
        }
        var options = FineTuningOptions()
        options.epochs = 3
        options.batchSize = examples.count
        options.shuffle = false
        options.learningRate = 1e-3
        options.warmupSteps = 1
        let tuner = try FineTuner(model: model, options: options)
        let summary = try tuner.train(
            on: examples, validation: examples, from: nil, observer: { _, _ in .proceed })
        for (loss, expected) in zip(summary.stepLosses, try fixture.floats("step_loss")) {
            XCTAssertEqual(loss, expected, accuracy: 2e-4, name)
        }
        for entry in model.table.entries where !entry.name.hasSuffix("attention.self.key.bias") {
            let expected = try fixture.floats("after3." + entry.name)
            let scale = expected.map(abs).max() ?? 0
            let worst = zip(model.parameter(entry.name), expected).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-5 * scale, "\(name) \(entry.name)")
        }
        // The last validation, recomputed from the trained model's logits.
        let result = try XCTUnwrap(summary.epochs.last?.validation)
        var batch = PackedBatch()
        examples.fill(&batch, indices: Array(0..<examples.count)[...])
        let logits = try model.logits(for: batch).flatMap { $0 }
        if problemType == .regression {
            let r = try XCTUnwrap(result.regression)
            let p = logits.map(Double.init)
            let y = targets.map(Double.init)
            XCTAssertEqual(r.meanSquaredError, RegressionMetrics.meanSquaredError(predictions: p, labels: y), accuracy: 1e-9)
            XCTAssertEqual(r.pearson, RegressionMetrics.pearson(p, y), accuracy: 1e-9)
            XCTAssertEqual(r.spearman, RegressionMetrics.spearman(p, y), accuracy: 1e-9)
        } else {
            let m = try XCTUnwrap(result.multiLabel)
            let rows = (0..<examples.count).map { ($0 * labels)..<(($0 + 1) * labels) }
            let predicted = rows.map { logits[$0].map { 1 / (1 + exp(-Double($0))) > 0.5 } }
            let gold = rows.map { targets[$0].map { $0 == 1 } }
            XCTAssertEqual(m.microF1, MultiLabelMetrics.microF1(predictions: predicted, labels: gold))
            XCTAssertEqual(m.subsetAccuracy, MultiLabelMetrics.subsetAccuracy(predictions: predicted, labels: gold))
        }
    }

    func testRegressionReproducesPyTorch() throws {
        try check("tiny_regression", problemType: .regression, labels: 1)
    }

    func testMultiLabelReproducesPyTorch() throws {
        try check("tiny_multilabel", problemType: .multiLabelClassification, labels: 4)
    }

    func testIntegerLabelsForARegressionModelAreRefused() throws {
        var generator = SeededGenerator(seed: 0)
        let (model, _) = try BertForSequenceClassification.load(
            from: TestPaths.fixture("tiny-bert"), labels: ["LABEL_0"], problemType: .regression,
            generator: &generator)
        let tuner = try FineTuner(model: model)
        let examples = EncodedExamples(inputIDs: [[101, 102]], labels: [0])
        XCTAssertThrowsError(try tuner.train(on: examples, validation: EncodedExamples()))
    }
}
