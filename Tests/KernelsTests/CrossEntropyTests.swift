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
