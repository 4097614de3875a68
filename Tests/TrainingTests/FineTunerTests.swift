// swift-bert — Training tests: the fine-tuning loop on the tiny model and CoLA sentences.

import BERT
import Datasets
import Foundation
import Randomness
import Tokenization
import Training
import XCTest
import _TestSupport

final class FineTunerTests: XCTestCase {
    static let tinyBert = TestPaths.fixture("tiny-bert")

    /// The first `count` CoLA training sentences (train) and the next 32 (validation),
    /// tokenized with the tiny model's tokenizer.
    private func colaSample(count: Int = 64) throws -> (EncodedExamples, EncodedExamples) {
        let tokenizer = try BertTokenizer.load(from: Self.tinyBert)
        let all = try CoLA(contentsOf: TestPaths.colaZip).examples(.inDomainTrain)
        let train = ClassificationData.encode(
            Array(all.prefix(count)), tokenizer: tokenizer, maxLength: 64)
        let validation = ClassificationData.encode(
            Array(all[count..<(count + 32)]), tokenizer: tokenizer, maxLength: 64)
        return (train, validation)
    }

    private func tinyModel() throws -> BertForSequenceClassification {
        var generator = SeededGenerator(seed: 42, stream: 1)
        let (model, report) = try ModelFolder.load(
            from: Self.tinyBert, labels: CoLA.labelNames, generator: &generator)
        XCTAssertEqual(report.newlyInitialized, ["classifier.weight", "classifier.bias"])
        XCTAssertGreaterThan(model.configuration.hiddenDropoutProb, 0, "dropout must be on")
        return model
    }

    private func options(epochs: Int = 2, learningRate: Double = 2e-5) -> FineTuningOptions {
        var options = FineTuningOptions()
        options.epochs = epochs
        options.batchSize = 8
        options.learningRate = learningRate
        return options
    }

    func testTwoRunsWithTheSameSeedGiveBitIdenticalLossesAndParameters() throws {
        let (train, validation) = try colaSample()
        var runs: [(TrainingSummary, [Float])] = []
        for _ in 0..<2 {
            let model = try tinyModel()
            let tuner = try FineTuner(model: model, options: options())
            let summary = try tuner.train(on: train, validation: validation)
            runs.append((summary, model.parameters.array()))
        }
        XCTAssertEqual(runs[0].0.steps, 16)
        XCTAssertEqual(
            runs[0].0.stepLosses.map(\.bitPattern), runs[1].0.stepLosses.map(\.bitPattern))
        XCTAssertEqual(runs[0].0.epochs.map(\.validation), runs[1].0.epochs.map(\.validation))
        XCTAssertTrue(
            runs[0].1.map(\.bitPattern) == runs[1].1.map(\.bitPattern),
            "parameters differ between identical runs")
    }

    func testADifferentSeedGivesADifferentLossCurve() throws {
        let (train, validation) = try colaSample(count: 16)
        var losses: [[Float]] = []
        for seed: UInt64 in [42, 43] {
            var options = options(epochs: 1)
            options.seed = seed
            let tuner = try FineTuner(model: try tinyModel(), options: options)
            losses.append(try tuner.train(on: train, validation: validation).stepLosses)
        }
        XCTAssertNotEqual(losses[0], losses[1])
    }

    func testTrainingLowersTheTrainingLoss() throws {
        let (train, validation) = try colaSample()
        let model = try tinyModel()
        let tuner = try FineTuner(model: model, options: options(epochs: 6, learningRate: 1e-3))
        let before = try FineTuner.evaluate(model, on: train)
        var events = 0
        let summary = try tuner.train(on: train, validation: validation) { _ in events += 1 }
        let after = try FineTuner.evaluate(model, on: train)
        XCTAssertLessThan(after.loss, before.loss)
        XCTAssertLessThan(summary.epochs.last!.trainingLoss, summary.epochs.first!.trainingLoss)
        // 6 × (start + 8 steps + validation start + end).
        XCTAssertEqual(events, 6 * 11)
        XCTAssertEqual(after.count, 64)
        XCTAssertEqual(after.confusion.joined().reduce(0, +), 64)
    }

    func testMaxStepsStopsTheRunEarly() throws {
        let (train, validation) = try colaSample()
        var options = options()
        options.maxSteps = 3
        let tuner = try FineTuner(model: try tinyModel(), options: options)
        var steps: [StepReport] = []
        let summary = try tuner.train(on: train, validation: validation) {
            if case .step(let report) = $0 { steps.append(report) }
        }
        XCTAssertEqual(summary.steps, 3)
        XCTAssertEqual(steps.map(\.step), [1, 2, 3])
        XCTAssertEqual(steps.first?.learningRate, 2e-5)
        // Linear decay over 2 epochs × 8 batches.
        XCTAssertEqual(steps.last?.learningRate, 2e-5 * (14.0 / 16.0))
    }

    func testInvalidOptionsAreRejected() throws {
        var bad = FineTuningOptions()
        bad.batchSize = 0
        XCTAssertThrowsError(try FineTuner(model: try tinyModel(), options: bad)) {
            XCTAssertEqual(
                "\($0)", "batchSize = 0: expected ≥ 1")
        }
    }

    func testLabelsOutsideTheModelAreAnError() throws {
        let examples = EncodedExamples(inputIDs: [[2, 5, 3]], labels: [7])
        XCTAssertThrowsError(try FineTuner.evaluate(try tinyModel(), on: examples)) {
            XCTAssertEqual($0 as? TrainingError, .labelOutOfRange(label: 7, classes: 2))
        }
    }
}
