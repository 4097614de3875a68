// swift-bert — Kernels tests: MeanSquaredError.

import Kernels
import XCTest
import _TestSupport

final class MeanSquaredErrorTests: XCTestCase {
    func testForwardAndBackwardMatchReferenceAndFiniteDifferences() {
        var random = TestRandom(seed: 82)
        let logits = random.floats(7)
        let targets = random.floats(7, scale: 2)
        let loss = MeanSquaredError.forward(logits: logits, targets: targets, count: 7)
        let t = doubles(targets)
        XCTAssertEqual(
            Double(loss), MeanSquaredError.referenceForward(logits: doubles(logits), targets: t),
            accuracy: 1e-6)
        let expected = finiteDifferences(at: doubles(logits)) {
            MeanSquaredError.referenceForward(logits: $0, targets: t)
        }
        let dLogits = Buffer(repeating: Float.nan, count: 7)
        MeanSquaredError.backward(
            dLogits: dLogits.pointer, logits: logits, targets: targets, count: 7)
        assertClose(dLogits.array, expected, rtol: 1e-5, atol: 1e-7)
        assertClose(
            MeanSquaredError.referenceBackward(logits: doubles(logits), targets: t), expected,
            rtol: 1e-7, atol: 1e-9, "reference")
    }
}
