// swift-bert — Kernels tests: GELU.

import Kernels
import XCTest
import _TestSupport

final class GELUTests: XCTestCase {
    /// Inputs across GELU's range: tails, the bend near zero, exact zero.
    func inputs(_ random: inout TestRandom) -> [Float] {
        random.floats(61, scale: 3) + [0, -0.0, 1, -1, 5.5, -5.5, 9, -9, 12, -12, 1e-4, -1e-4]
    }

    func testForwardMatchesReferenceOnOddSizes() {
        var random = TestRandom(seed: 30)
        let input = inputs(&random)
        let output = Buffer(repeating: Float.nan, count: input.count)
        GELU.forward(output: output.pointer, input: input, count: input.count)
        // erf is PyTorch's CPU approximation, within 1.5e-7 of the exact one, so GELU is within
        // 1.5e-7·|x|/2 (under 5e-7 where erf has not yet saturated, |x| < 6).
        assertClose(
            output.array, GELU.referenceForward(input: doubles(input)), rtol: 1e-6, atol: 5e-7)
    }

    /// The bf16 copy written as the output is made is the output rounded to bf16, and the
    /// fp32 output is the same as without it; without an fp32 output, the same copy alone.
    func testForwardWritesTheRoundedOutputWhenAsked() {
        var random = TestRandom(seed: 31)
        let input = inputs(&random) + random.floats(5_000, scale: 3)
        let plain = Buffer(repeating: Float.nan, count: input.count)
        let output = Buffer(repeating: Float.nan, count: input.count)
        let bits = Buffer(repeating: UInt16(0), count: input.count)
        GELU.forward(output: plain.pointer, input: input, count: input.count)
        GELU.forward(
            output: output.pointer, input: input, count: input.count, outputBFloat16: bits.pointer)
        assertBitIdentical(output.array, plain.array)
        XCTAssertEqual(bits.array, plain.array.map(BFloat16.bits))
        let only = Buffer(repeating: UInt16(0), count: input.count)
        GELU.forward(output: nil, input: input, count: input.count, outputBFloat16: only.pointer)
        XCTAssertEqual(only.array, bits.array, "the bf16 copy alone")
    }

    func testForwardMatchesTorchAtKnownPoints() {
        // torch 2.15 in float64:
        // torch.nn.functional.gelu(
        //     torch.tensor([-3., -1., -0.5, 0.5, 1., 3.], dtype=torch.float64))
        let input: [Float] = [-3, -1, -0.5, 0.5, 1, 3]
        let torch: [Double] = [
            -0.00404969409489031, -0.15865525393145702, -0.15426876936299344,
            0.34573123063700656, 0.841344746068543, 2.99595030590511,
        ]
        // torch.nn.functional.gelu on the same float32 tensor (its vectorized kernel).
        let torchFloat: [Float] = [
            -0.004049867391586304, -0.1586552858352661, -0.1542687863111496, 0.3457311987876892,
            0.8413447141647339, 2.995950222015381,
        ]
        let output = Buffer(repeating: Float(0), count: input.count)
        GELU.forward(output: output.pointer, input: input, count: input.count)
        assertClose(output.array, torch, rtol: 1e-6, atol: 2e-7, "exact")
        assertClose(output.array, torchFloat.map(Double.init), rtol: 3e-7, atol: 1e-9, "float32")
    }

    func testBackwardMatchesFiniteDifferences() {
        var random = TestRandom(seed: 31)
        let input = inputs(&random)
        let dOutput = random.floats(input.count)
        let x = doubles(input)
        let r = doubles(dOutput)
        let expected = finiteDifferences(at: x) { dot(r, GELU.referenceForward(input: $0)) }
        let initial = random.floats(input.count)
        let dInput = Buffer(initial)
        GELU.backward(dInput: dInput.pointer, dOutput: dOutput, input: input, count: input.count)
        let accumulated = zip(doubles(initial), expected).map(+)
        assertClose(dInput.array, accumulated, rtol: 1e-5, atol: 2e-6, "accumulated dInput")
        assertClose(
            GELU.referenceBackward(dOutput: r, input: x), expected, rtol: 1e-7, atol: 1e-8,
            "reference")
    }

    func testForwardAndBackwardAreBitIdenticalAcrossThreadCounts() {
        var random = TestRandom(seed: 32)
        let input = random.floats(100_003, scale: 2)
        let dOutput = random.floats(input.count)
        func run() -> [[Float]] {
            let output = Buffer(repeating: Float(0), count: input.count)
            let dInput = Buffer(repeating: Float(0), count: input.count)
            GELU.forward(output: output.pointer, input: input, count: input.count)
            GELU.backward(
                dInput: dInput.pointer, dOutput: dOutput, input: input, count: input.count)
            return [output.array, dInput.array]
        }
        let first = run()
        let single = withThreadCount(1, run)
        for (a, b) in zip(single, first) { assertBitIdentical(a, b) }
    }
}
