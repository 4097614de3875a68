// swift-bert — Kernels tests: Tanh.

import Kernels
import XCTest
import _TestSupport

final class TanhTests: XCTestCase {
    func testForwardMatchesReferenceOnOddSizes() {
        var random = TestRandom(seed: 40)
        let input = random.floats(37, scale: 2) + [0, 20, -20]
        let output = Buffer(repeating: Float.nan, count: input.count)
        Tanh.forward(output: output.pointer, input: input, count: input.count)
        assertClose(
            output.array, Tanh.referenceForward(input: doubles(input)), rtol: 1e-6, atol: 1e-7)
    }

    func testBackwardFromSavedOutputMatchesFiniteDifferences() {
        var random = TestRandom(seed: 41)
        let input = random.floats(37, scale: 1.5)
        let dOutput = random.floats(input.count)
        let output = Buffer(repeating: Float(0), count: input.count)
        Tanh.forward(output: output.pointer, input: input, count: input.count)
        let r = doubles(dOutput)
        let expected = finiteDifferences(at: doubles(input)) {
            dot(r, Tanh.referenceForward(input: $0))
        }
        let initial = random.floats(input.count)
        let dInput = Buffer(initial)
        Tanh.backward(
            dInput: dInput.pointer, dOutput: dOutput, output: output.pointer, count: input.count)
        assertClose(dInput.array, zip(doubles(initial), expected).map(+), rtol: 1e-5, atol: 1e-6)
        assertClose(
            Tanh.referenceBackward(dOutput: r, input: doubles(input)), expected, rtol: 1e-7,
            atol: 1e-9, "reference")
    }
}
