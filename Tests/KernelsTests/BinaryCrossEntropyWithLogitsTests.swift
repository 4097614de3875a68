// swift-bert — Kernels tests: BinaryCrossEntropyWithLogits.

import Kernels
import XCTest
import _TestSupport

final class BinaryCrossEntropyWithLogitsTests: XCTestCase {
    func testForwardAndBackwardMatchReferenceAndFiniteDifferences() {
        var random = TestRandom(seed: 85)
        for count in [1, 7, 24, 33] {
            for scale in [1.0, 20.0] {
                let label = "count \(count) scale \(scale)"
                let logits = random.floats(count, scale: scale)
                // Multi-hot targets for even counts, soft targets otherwise.
                let targets: [Float] = (0..<count).map { i in
                    let u = Float(random.generator.nextIndex(below: 1001)) / 1000
                    return count % 2 == 0 ? (u < 0.4 ? 1 : 0) : u
                }
                let t = doubles(targets)
                let loss = BinaryCrossEntropyWithLogits.forward(
                    logits: logits, targets: targets, count: count)
                let expectedLoss = BinaryCrossEntropyWithLogits.referenceForward(
                    logits: doubles(logits), targets: t)
                XCTAssertEqual(
                    Double(loss), expectedLoss, accuracy: 1e-5 * max(1, expectedLoss), label)
                let expected = finiteDifferences(at: doubles(logits)) {
                    BinaryCrossEntropyWithLogits.referenceForward(logits: $0, targets: t)
                }
                let dLogits = Buffer(repeating: Float.nan, count: count)
                BinaryCrossEntropyWithLogits.backward(
                    dLogits: dLogits.pointer, logits: logits, targets: targets, count: count,
                    dLoss: 0.5)
                assertClose(
                    dLogits.array, expected.map { $0 * 0.5 }, rtol: 1e-5, atol: 1e-7, label)
                assertClose(
                    BinaryCrossEntropyWithLogits.referenceBackward(
                        logits: doubles(logits), targets: t),
                    expected, rtol: 1e-6, atol: 1e-9, "\(label) reference")
            }
        }
    }

    func testHugeLogitsStayFinite() {
        let logits: [Float] = [200, -200, 88, -88]
        let targets: [Float] = [0, 1, 1, 0]
        let loss = BinaryCrossEntropyWithLogits.forward(logits: logits, targets: targets, count: 4)
        XCTAssertEqual(Double(loss), 100, accuracy: 1e-4)
        let dLogits = Buffer(repeating: Float.nan, count: 4)
        BinaryCrossEntropyWithLogits.backward(
            dLogits: dLogits.pointer, logits: logits, targets: targets, count: 4)
        assertClose(dLogits.array, [0.25, -0.25, 0, 0], rtol: 0, atol: 1e-30)
    }

    func testEmptyInputGivesNaNAsTorchsMean() {
        let loss = BinaryCrossEntropyWithLogits.forward(logits: [], targets: [], count: 0)
        XCTAssertTrue(loss.isNaN)
    }
}
