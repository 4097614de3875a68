// swift-bert — Training tests: gradient accumulation and frozen encoder parameters.

import BERT
import Datasets
import Foundation
import Randomness
import Tokenization
import Training
import XCTest
import _TestSupport

/// Gradient accumulation equals the large batch; frozen parameters stay fixed while the rest
/// trains exactly as it would unfrozen.
final class AccumulationAndFreezingTests: XCTestCase {
    static let tinyBert = TestPaths.fixture("tiny-bert")

    /// The first `count` CoLA training sentences, tokenized with the tiny model's tokenizer.
    private func colaSample(count: Int) throws -> EncodedExamples {
        let tokenizer = try BertTokenizer.load(from: Self.tinyBert)
        let all = try CoLA(contentsOf: TestPaths.colaZip).examples(.inDomainTrain)
        return ClassificationData.encode(
            Array(all.prefix(count)), tokenizer: tokenizer, maxLength: 64)
    }

    /// tiny-bert with a seeded classifier, dropout off so that batch composition alone
    /// decides the gradients.
    private func tinyModel() throws -> BertForSequenceClassification {
        var generator = SeededGenerator(seed: 42, stream: 1)
        let (model, _) = try ModelFolder.load(
            from: Self.tinyBert, labels: CoLA.labelNames, dropout: 0, generator: &generator)
        return model
    }

    private func options(batchSize: Int, accumulation: Int = 1) -> FineTuningOptions {
        var options = FineTuningOptions()
        options.epochs = 1
        options.batchSize = batchSize
        options.gradientAccumulationSteps = accumulation
        options.shuffle = false
        options.learningRate = 1e-3
        return options
    }

    /// 4 micro-batches of 8 accumulated = one batch of 32 in the training loop: the same step
    /// count, losses and gradient norms, to float rounding (the sums run in another order).
    func testAccumulatedMicroBatchesEqualTheLargeBatch() throws {
        let train = try colaSample(count: 64)
        let large = try tinyModel()
        let largeSummary = try FineTuner(model: large, options: options(batchSize: 32))
            .train(on: train, validation: EncodedExamples())
        let small = try tinyModel()
        let smallSummary = try FineTuner(
            model: small, options: options(batchSize: 8, accumulation: 4)
        ).train(on: train, validation: EncodedExamples())
        XCTAssertEqual(largeSummary.steps, 2)
        XCTAssertEqual(smallSummary.steps, 2)
        XCTAssertEqual(smallSummary.stepReports.map(\.batch), [4, 8])
        for (a, b) in zip(smallSummary.stepLosses, largeSummary.stepLosses) {
            XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b))
        }
        // Without the 1/N scaling the gradient would be 4× larger: a different clipped update.
        XCTAssertGreaterThan(smallSummary.stepReports[0].gradientNorm, 0)
        XCTAssertEqual(
            smallSummary.stepReports[0].gradientNorm, largeSummary.stepReports[0].gradientNorm,
            accuracy: 1e-4 * largeSummary.stepReports[0].gradientNorm)
    }

    /// The accumulated gradient of 4 micro-batches scaled by 1/4 is the gradient of their
    /// union, to float rounding relative to the largest gradient.
    func testAccumulatedGradientsEqualTheLargeBatchGradients() throws {
        let train = try colaSample(count: 32)
        let large = try FineTuner(model: try tinyModel(), options: options(batchSize: 32))
        let small = try FineTuner(model: try tinyModel(), options: options(batchSize: 8))
        var d1 = SeededGenerator(seed: 1)
        var d2 = SeededGenerator(seed: 1)
        let whole = large.accumulateGradients(
            PackedBatch(from: train, indices: 0..<32), dLoss: 1, dropout: &d1)
        var sum: Float = 0
        for part in 0..<4 {
            let batch = PackedBatch(from: train, indices: (part * 8)..<((part + 1) * 8))
            sum += 0.25 * small.accumulateGradients(batch, dLoss: 0.25, dropout: &d2)
        }
        XCTAssertEqual(sum, whole, accuracy: 1e-6 * whole)
        let (a, b) = (small.parameterGradients.array(), large.parameterGradients.array())
        let scale = b.map(abs).max() ?? 0
        XCTAssertGreaterThan(scale, 0)
        var worst: Float = 0
        for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
        XCTAssertLessThan(worst, 1e-5 * scale, "largest gradient difference, relative")
        // The unscaled sum would be 4× the large batch's: the scaling is what makes them equal.
        XCTAssertGreaterThan(scale, 1e-3)
    }

    /// The last, short accumulation group of an epoch takes the micro-batches that are left.
    func testAShortLastGroupIsOneUpdate() throws {
        let train = try colaSample(count: 40)  // 5 batches of 8: groups of 2, 2, 1
        let model = try tinyModel()
        let tuner = try FineTuner(model: model, options: options(batchSize: 8, accumulation: 2))
        let summary = try tuner.train(on: train, validation: EncodedExamples())
        XCTAssertEqual(summary.stepReports.map(\.batch), [2, 4, 5])
        XCTAssertEqual(tuner.schedule(trainingCount: 40).totalSteps, 3)
    }

    /// Frozen prefixes do not move; what trains gets bit-for-bit the gradients of the
    /// unfrozen model (the backward above the boundary is the same computation).
    func testFrozenParametersStayAndTheRestTrainsAsUnfrozen() throws {
        let train = try colaSample(count: 16)
        var batch = PackedBatch(from: train, indices: 0..<16)
        batch.labels = Array(batch.labels)
        for freezing in [BertEncoder.Freezing.encoder, .layers(0), .layers(1)] {
            let reference = try tinyModel()
            let frozen = try tinyModel()
            let initial = frozen.parameters.array()
            var options = options(batchSize: 16)
            let referenceTuner = try FineTuner(model: reference, options: options)
            options.freezing = freezing
            let frozenTuner = try FineTuner(model: frozen, options: options)
            var d1 = SeededGenerator(seed: 1)
            var d2 = SeededGenerator(seed: 1)
            _ = referenceTuner.accumulateGradients(batch, dLoss: 1, dropout: &d1)
            _ = frozenTuner.accumulateGradients(batch, dLoss: 1, dropout: &d2)
            let start = frozen.trainableRange.lowerBound
            let expectedStart: Int
            switch freezing {
            case .encoder: expectedStart = frozen.table["bert.pooler.dense.weight"].offset
            case .layers(let n):
                expectedStart = frozen.table["bert.encoder.layer.\(n).attention.self.query.weight"].offset
            case .none: expectedStart = 0
            }
            XCTAssertEqual(start, expectedStart, "\(freezing)")
            let g = frozenTuner.parameterGradients.array()
            let r = referenceTuner.parameterGradients.array()
            XCTAssertTrue(g[..<start].allSatisfy { $0 == 0 }, "no gradient below the boundary")
            XCTAssertEqual(
                g[start...].map(\.bitPattern), r[start...].map(\.bitPattern),
                "trainable gradients, \(freezing)")
            XCTAssertTrue(r[..<start].contains { $0 != 0 }, "the unfrozen model has them")
            _ = frozenTuner.applyUpdate(loss: 1, learningRate: 1e-3, step: 1)
            let after = frozen.parameters.array()
            XCTAssertEqual(after[..<start].map(\.bitPattern), initial[..<start].map(\.bitPattern))
            XCTAssertNotEqual(after[start...].map(\.bitPattern), initial[start...].map(\.bitPattern))
        }
    }
}
