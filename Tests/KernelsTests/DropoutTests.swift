// swift-bert — Kernels tests: Dropout.

import Kernels
import Randomness
import XCTest
import _TestSupport

final class DropoutTests: XCTestCase {
    func testZeroProbabilityIsExactIdentityAndDrawsNothing() {
        var random = TestRandom(seed: 60)
        let input = random.floats(1_001)
        let output = Buffer(repeating: Float.nan, count: input.count)
        let mask = Buffer(repeating: Float.nan, count: input.count)
        var generator = SeededGenerator(seed: 7)
        let before = generator
        Dropout.forward(
            output: output.pointer, mask: mask.pointer, input: input, count: input.count,
            probability: 0, generator: &generator)
        assertBitIdentical(output.array, input)
        XCTAssertEqual(mask.array, [Float](repeating: 1, count: input.count))
        XCTAssertEqual(generator, before, "p = 0 must not advance the generator")
    }

    func testTenPercentKeepsAboutNinetyPercentScaledByOneOverPointNine() {
        let count = 20_000
        let input = [Float](repeating: 3, count: count)
        let output = Buffer(repeating: Float.nan, count: count)
        let mask = Buffer(repeating: Float.nan, count: count)
        var generator = SeededGenerator(seed: 42, stream: 3)
        Dropout.forward(
            output: output.pointer, mask: mask.pointer, input: input, count: count,
            probability: 0.1, generator: &generator)
        let scale = Float(1 / 0.9)
        XCTAssertEqual(Dropout.keptScale(probability: 0.1), scale)
        let kept = mask.array.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { $0 == scale }, "kept mask values are 1/(1-p)")
        // Binomial(20000, 0.9): standard deviation ≈ 42; allow 5σ.
        XCTAssertEqual(Double(kept.count), 18_000, accuracy: 212)
        for (y, m) in zip(output.array, mask.array) { XCTAssertEqual(y, 3 * m) }
        XCTAssertEqual(
            mask.array,
            {
                var g = SeededGenerator(seed: 42, stream: 3)
                return Dropout.referenceMask(count: count, probability: 0.1, generator: &g)
            }(),
            "mask follows one nextUniformFloat() per element")
    }

    func testSameSeedGivesSameMaskAndDifferentSeedsDiffer() {
        func mask(seed: UInt64, count: Int = 4_097) -> [Float] {
            let buffer = Buffer(repeating: Float(0), count: count)
            var generator = SeededGenerator(seed: seed)
            Dropout.makeMask(buffer.pointer, count: count, probability: 0.1, generator: &generator)
            return buffer.array
        }
        assertBitIdentical(mask(seed: 5), mask(seed: 5))
        XCTAssertNotEqual(mask(seed: 5), mask(seed: 6))
        let input = [Float](repeating: 1, count: 4_097)
        let output = Buffer(repeating: Float(0), count: input.count)
        let saved = Buffer(repeating: Float(0), count: input.count)
        var generator = SeededGenerator(seed: 5)
        withThreadCount(1) {
            Dropout.forward(
                output: output.pointer, mask: saved.pointer, input: input, count: input.count,
                probability: 0.1, generator: &generator)
        }
        assertBitIdentical(saved.array, mask(seed: 5), "mask independent of thread count")
    }

    func testProbabilityOneZeroesEverything() {
        let input: [Float] = [1, -2, 3]
        let output = Buffer(repeating: Float.nan, count: 3)
        let mask = Buffer(repeating: Float.nan, count: 3)
        var generator = SeededGenerator(seed: 1)
        Dropout.forward(
            output: output.pointer, mask: mask.pointer, input: input, count: 3, probability: 1,
            generator: &generator)
        XCTAssertEqual(output.array, [0, 0, 0])
    }

    func testBackwardMatchesFiniteDifferencesAndAccumulates() {
        var random = TestRandom(seed: 61)
        let count = 37
        let input = random.floats(count)
        let dOutput = random.floats(count)
        let output = Buffer(repeating: Float(0), count: count)
        let mask = Buffer(repeating: Float(0), count: count)
        var generator = SeededGenerator(seed: 9)
        Dropout.forward(
            output: output.pointer, mask: mask.pointer, input: input, count: count,
            probability: 0.3, generator: &generator)
        assertClose(
            output.array, Dropout.referenceForward(input: doubles(input), mask: mask.doubles),
            rtol: 1e-7, atol: 0)
        let r = doubles(dOutput)
        let m = mask.doubles
        let expected = finiteDifferences(at: doubles(input)) {
            dot(r, Dropout.referenceForward(input: $0, mask: m))
        }
        let initial = random.floats(count)
        let dInput = Buffer(initial)
        Dropout.backward(dInput: dInput.pointer, dOutput: dOutput, mask: mask.pointer, count: count)
        assertClose(dInput.array, zip(doubles(initial), expected).map(+), rtol: 1e-5, atol: 1e-6)
        assertClose(
            Dropout.referenceBackward(dOutput: r, mask: m), expected, rtol: 1e-7, atol: 1e-9)
    }
}
