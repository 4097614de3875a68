// swift-bert — Kernels tests: CrossEntropy.

import Kernels
import XCTest
import _TestSupport

final class CrossEntropyTests: XCTestCase {
    func testForwardMatchesReferenceIncludingHugeLogits() {
        var random = TestRandom(seed: 80)
        for (batch, classes) in [(7, 3), (1, 2), (5, 1), (3, 11)] {
            for offset in [0.0, 1000.0] {
                let logits = random.floats(batch * classes, scale: 3, mean: offset)
                let labels = random.ids(batch, below: classes)
                let probabilities = Buffer(repeating: Float.nan, count: logits.count)
                let loss = CrossEntropy.forward(
                    probabilities: probabilities.pointer, logits: logits, labels: labels,
                    batch: batch, classes: classes)
                let expected = CrossEntropy.referenceForward(
                    logits: doubles(logits), labels: labels, classes: classes)
                let label = "batch \(batch) classes \(classes) offset \(offset)"
                XCTAssertEqual(
                    Double(loss), expected.loss, accuracy: 1e-5 * max(1, expected.loss), label)
                assertClose(
                    probabilities.array, expected.probabilities, rtol: 1e-5, atol: 1e-7, label)
            }
        }
    }

    func testForwardMatchesTorch() {
        // torch.nn.functional.cross_entropy(torch.tensor([[1., 2., 3.], [1., -1., 0.5]],
        //     dtype=torch.float64), torch.tensor([0, 2]))
        let probabilities = Buffer(repeating: Float(0), count: 6)
        let loss = CrossEntropy.forward(
            probabilities: probabilities.pointer, logits: [1, 2, 3, 1, -1, 0.5], labels: [0, 2],
            batch: 2, classes: 3)
        XCTAssertEqual(Double(loss), 1.7312814420431857, accuracy: 1e-6)
    }

    func testBackwardMatchesFiniteDifferencesAndOverwrites() {
        var random = TestRandom(seed: 81)
        let (batch, classes) = (7, 3)
        let logits = random.floats(batch * classes, scale: 2)
        let labels = random.ids(batch, below: classes)
        let probabilities = Buffer(repeating: Float(0), count: logits.count)
        _ = CrossEntropy.forward(
            probabilities: probabilities.pointer, logits: logits, labels: labels, batch: batch,
            classes: classes)
        let expected = finiteDifferences(at: doubles(logits)) {
            CrossEntropy.referenceForward(logits: $0, labels: labels, classes: classes).loss
        }
        let dLogits = Buffer(repeating: Float.nan, count: logits.count)
        CrossEntropy.backward(
            dLogits: dLogits.pointer, probabilities: probabilities.pointer, labels: labels,
            batch: batch, classes: classes)
        assertClose(dLogits.array, expected, rtol: 1e-5, atol: 1e-7)
        assertClose(
            CrossEntropy.referenceBackward(
                logits: doubles(logits), labels: labels, classes: classes),
            expected, rtol: 1e-7, atol: 1e-9, "reference")
        CrossEntropy.backward(
            dLogits: dLogits.pointer, probabilities: probabilities.pointer, labels: labels,
            batch: batch, classes: classes, dLoss: 0.5)
        assertClose(dLogits.array, expected.map { $0 * 0.5 }, rtol: 1e-5, atol: 1e-7, "dLoss 0.5")
    }
}

final class WeightedCrossEntropyTests: XCTestCase {
    func testUnweightedEntryPointIsBitIdenticalToTheWeightedOneWithoutWeights() {
        var random = TestRandom(seed: 83)
        for (batch, classes) in [(7, 3), (1, 2), (5, 1), (13, 11)] {
            let logits = random.floats(batch * classes, scale: 3)
            let labels = random.ids(batch, below: classes)
            let p1 = Buffer(repeating: Float.nan, count: logits.count)
            let p2 = Buffer(repeating: Float.nan, count: logits.count)
            let d1 = Buffer(repeating: Float.nan, count: logits.count)
            let d2 = Buffer(repeating: Float.nan, count: logits.count)
            let label = "batch \(batch) classes \(classes)"
            let loss1 = CrossEntropy.forward(
                probabilities: p1.pointer, logits: logits, labels: labels, batch: batch,
                classes: classes)
            let loss2 = CrossEntropy.forward(
                probabilities: p2.pointer, logits: logits, labels: labels, classWeights: nil,
                batch: batch, classes: classes)
            CrossEntropy.backward(
                dLogits: d1.pointer, probabilities: p1.pointer, labels: labels, batch: batch,
                classes: classes, dLoss: 0.75)
            CrossEntropy.backward(
                dLogits: d2.pointer, probabilities: p2.pointer, labels: labels,
                classWeights: nil, batch: batch, classes: classes, dLoss: 0.75)
            XCTAssertEqual(loss1.bitPattern, loss2.bitPattern, label)
            assertBitIdentical(p1.array, p2.array, "\(label) probabilities")
            assertBitIdentical(d1.array, d2.array, "\(label) dLogits")
        }
    }

    func testWeightedForwardAndBackwardMatchReferenceAndFiniteDifferences() {
        var random = TestRandom(seed: 84)
        for (batch, classes) in [(9, 5), (1, 2), (6, 1), (17, 7)] {
            let logits = random.floats(batch * classes, scale: 2)
            var labels = random.ids(batch, below: classes)
            // Ignore every third row (never all of them), with ignoreIndex -100.
            for row in stride(from: 1, to: batch, by: 3) { labels[row] = -100 }
            let weights = (0..<classes).map { Float(0.25 + Double($0 % 4) * 0.5) }
            for classWeights in [nil, weights] {
                let label = "batch \(batch) classes \(classes) weighted \(classWeights != nil)"
                let w = classWeights.map(doubles)
                let probabilities = Buffer(repeating: Float.nan, count: logits.count)
                let loss = classWeights.withOptionalPointer {
                    CrossEntropy.forward(
                        probabilities: probabilities.pointer, logits: logits, labels: labels,
                        classWeights: $0, batch: batch, classes: classes)
                }
                let expectedLoss = CrossEntropy.referenceForward(
                    logits: doubles(logits), labels: labels, classWeights: w, ignoreIndex: -100,
                    classes: classes)
                XCTAssertEqual(
                    Double(loss), expectedLoss, accuracy: 1e-5 * max(1, expectedLoss), label)
                let expected = finiteDifferences(at: doubles(logits)) {
                    CrossEntropy.referenceForward(
                        logits: $0, labels: labels, classWeights: w, ignoreIndex: -100,
                        classes: classes)
                }
                let dLogits = Buffer(repeating: Float.nan, count: logits.count)
                classWeights.withOptionalPointer {
                    CrossEntropy.backward(
                        dLogits: dLogits.pointer, probabilities: probabilities.pointer,
                        labels: labels, classWeights: $0, batch: batch, classes: classes,
                        dLoss: 0.5)
                }
                assertClose(
                    dLogits.array, expected.map { $0 * 0.5 }, rtol: 1e-5, atol: 1e-7, label)
                assertClose(
                    CrossEntropy.referenceBackward(
                        logits: doubles(logits), labels: labels, classWeights: w,
                        ignoreIndex: -100, classes: classes),
                    expected, rtol: 1e-7, atol: 1e-9, "\(label) reference")
            }
        }
    }

    func testNothingCountedGivesNaNLossAndZeroGradientsOnIgnoredRows() {
        let logits: [Float] = [1, 2, 3, -1, 0, 1]
        let probabilities = Buffer(repeating: Float.nan, count: 6)
        let dLogits = Buffer(repeating: Float.nan, count: 6)
        for batch in [2, 0] {
            let loss = CrossEntropy.forward(
                probabilities: probabilities.pointer, logits: logits, labels: [-100, -100],
                classWeights: nil, batch: batch, classes: 3)
            XCTAssertTrue(loss.isNaN, "batch \(batch): \(loss)")
        }
        CrossEntropy.backward(
            dLogits: dLogits.pointer, probabilities: probabilities.pointer, labels: [-100, -100],
            classWeights: nil, batch: 2, classes: 3)
        XCTAssertEqual(dLogits.array, [0, 0, 0, 0, 0, 0])
    }

    func testIgnoreIndexIsConfigurable() {
        let logits: [Float] = [1, 2, 3, -1, 0, 1]
        let probabilities = Buffer(repeating: Float.nan, count: 6)
        let loss = CrossEntropy.forward(
            probabilities: probabilities.pointer, logits: logits, labels: [2, 7],
            classWeights: nil, ignoreIndex: 7, batch: 2, classes: 3)
        let expected = CrossEntropy.referenceForward(
            logits: doubles(Array(logits[0..<3])), labels: [2], classes: 3
        ).loss
        XCTAssertEqual(Double(loss), expected, accuracy: 1e-6)
    }
}
