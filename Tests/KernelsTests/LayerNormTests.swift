// swift-bert — Kernels tests: LayerNorm.

import Kernels
import XCTest
import _TestSupport

final class LayerNormTests: XCTestCase {
    /// `LayerNorm.forward` into fresh buffers (NaN-filled, so an unwritten element shows).
    private func forward(
        _ input: [Float], _ weight: [Float], _ bias: [Float], tokens: Int, hidden: Int,
        epsilon: Float, outputBFloat16: UnsafeMutablePointer<UInt16>? = nil
    ) -> (output: [Float], mean: [Float], rstd: [Float]) {
        let output = Buffer(repeating: Float.nan, count: input.count)
        let mean = Buffer(repeating: Float.nan, count: tokens)
        let rstd = Buffer(repeating: Float.nan, count: tokens)
        LayerNorm.forward(
            output: output.pointer, mean: mean.pointer, reciprocalStd: rstd.pointer,
            input: input, weight: weight, bias: bias, tokens: tokens, hidden: hidden,
            epsilon: epsilon, outputBFloat16: outputBFloat16)
        return (output.array, mean.array, rstd.array)
    }

    /// The bf16 copy written as the output is made is the output rounded to bf16, and the
    /// fp32 output and statistics are the same as without it; sizes with a 4-wide tail.
    func testForwardWritesTheRoundedOutputWhenAsked() {
        var random = TestRandom(seed: 21)
        let (tokens, hidden) = (9, 771)
        let input = random.floats(tokens * hidden, scale: 2, mean: 0.5)
        let weight = random.floats(hidden, scale: 0.3, mean: 1)
        let bias = random.floats(hidden, scale: 0.3)
        func run(_ bits: UnsafeMutablePointer<UInt16>?) -> [Float] {
            let (output, mean, rstd) = forward(
                input, weight, bias, tokens: tokens, hidden: hidden, epsilon: 1e-12,
                outputBFloat16: bits)
            return output + mean + rstd
        }
        let bits = Buffer(repeating: UInt16(0), count: input.count)
        let plain = run(nil)
        assertBitIdentical(run(bits.pointer), plain)
        XCTAssertEqual(bits.array, plain[0..<input.count].map(BFloat16.bits))
    }

    func testForwardMatchesReferenceOnOddSizes() {
        var random = TestRandom(seed: 20)
        for (tokens, hidden) in [(7, 12), (1, 5), (3, 37)] {
            for epsilon in [1e-12, 1e-5] {
                let input = random.floats(tokens * hidden, scale: 2, mean: 0.5)
                let weight = random.floats(hidden, scale: 0.3, mean: 1)
                let bias = random.floats(hidden, scale: 0.3)
                let (output, mean, rstd) = forward(
                    input, weight, bias, tokens: tokens, hidden: hidden, epsilon: Float(epsilon))
                let expected = LayerNorm.referenceForward(
                    input: doubles(input), weight: doubles(weight), bias: doubles(bias),
                    tokens: tokens, hidden: hidden, epsilon: Double(Float(epsilon)))
                let label = "tokens \(tokens) hidden \(hidden) eps \(epsilon)"
                assertClose(output, expected.output, rtol: 1e-5, atol: 1e-6, label)
                assertClose(mean, expected.mean, rtol: 1e-6, atol: 1e-7, "mean \(label)")
                assertClose(
                    rstd, expected.reciprocalStd, rtol: 1e-6, atol: 0, "rstd \(label)")
            }
        }
    }

    func testStatisticsStayAccurateForLargeMeanAndSmallSpread() {
        var random = TestRandom(seed: 21)
        let (tokens, hidden) = (3, 768)
        let input = random.floats(tokens * hidden, scale: 0.01, mean: 300)
        let output = Buffer(repeating: Float(0), count: input.count)
        let mean = Buffer(repeating: Float(0), count: tokens)
        let rstd = Buffer(repeating: Float(0), count: tokens)
        let ones = [Float](repeating: 1, count: hidden)
        let zeros = [Float](repeating: 0, count: hidden)
        LayerNorm.forward(
            output: output.pointer, mean: mean.pointer, reciprocalStd: rstd.pointer, input: input,
            weight: ones, bias: zeros, tokens: tokens, hidden: hidden, epsilon: 1e-12)
        let expected = LayerNorm.referenceForward(
            input: doubles(input), weight: doubles(ones), bias: doubles(zeros), tokens: tokens,
            hidden: hidden, epsilon: Double(Float(1e-12)))
        assertClose(mean.array, expected.mean, rtol: 1e-7, atol: 0, "mean")
        assertClose(rstd.array, expected.reciprocalStd, rtol: 1e-6, atol: 0, "rstd")
    }

    func testBackwardMatchesFiniteDifferences() {
        var random = TestRandom(seed: 22)
        for (tokens, hidden) in [(7, 12), (2, 5)] {
            let epsilon = 1e-5
            let input = random.floats(tokens * hidden, scale: 2, mean: 0.5)
            let weight = random.floats(hidden, scale: 0.3, mean: 1)
            let bias = random.floats(hidden, scale: 0.3)
            let projection = random.floats(tokens * hidden)
            let (x, w, b, r) = (doubles(input), doubles(weight), doubles(bias), doubles(projection))
            func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
                dot(
                    r,
                    LayerNorm.referenceForward(
                        input: x, weight: w, bias: b, tokens: tokens, hidden: hidden,
                        epsilon: Double(Float(epsilon))
                    ).output)
            }
            let expectedInput = finiteDifferences(at: x) { loss($0, w, b) }
            let expectedWeight = finiteDifferences(at: w) { loss(x, $0, b) }
            let expectedBias = finiteDifferences(at: b) { loss(x, w, $0) }

            let output = Buffer(repeating: Float(0), count: input.count)
            let mean = Buffer(repeating: Float(0), count: tokens)
            let rstd = Buffer(repeating: Float(0), count: tokens)
            LayerNorm.forward(
                output: output.pointer, mean: mean.pointer, reciprocalStd: rstd.pointer,
                input: input, weight: weight, bias: bias, tokens: tokens, hidden: hidden,
                epsilon: Float(epsilon))
            let dInput = Buffer(repeating: Float(0), count: input.count)
            let dWeight = Buffer(repeating: Float(0), count: hidden)
            let dBias = Buffer(repeating: Float(0), count: hidden)
            LayerNorm.backward(
                dInput: dInput.pointer, dWeight: dWeight.pointer, dBias: dBias.pointer,
                dOutput: projection, input: input, mean: mean.pointer,
                reciprocalStd: rstd.pointer, weight: weight, tokens: tokens, hidden: hidden)
            let t = Tolerance.gradient
            let label = "tokens \(tokens) hidden \(hidden)"
            assertClose(dInput.array, expectedInput, rtol: t.rtol, atol: t.atol, "dInput \(label)")
            assertClose(
                dWeight.array, expectedWeight, rtol: t.rtol, atol: t.atol, "dWeight \(label)")
            assertClose(dBias.array, expectedBias, rtol: t.rtol, atol: t.atol, "dBias \(label)")

            let reference = LayerNorm.referenceBackward(
                dOutput: r, input: x, weight: w, tokens: tokens, hidden: hidden,
                epsilon: Double(Float(epsilon)))
            let e = Tolerance.referenceGradient
            assertClose(
                reference.dInput, expectedInput, rtol: e.rtol, atol: 1e-7, "ref dInput \(label)")
            assertClose(
                reference.dWeight, expectedWeight, rtol: e.rtol, atol: e.atol,
                "ref dWeight \(label)")
            assertClose(
                reference.dBias, expectedBias, rtol: e.rtol, atol: e.atol, "ref dBias \(label)")

            // Accumulation: a second call adds the same gradients again.
            LayerNorm.backward(
                dInput: dInput.pointer, dWeight: dWeight.pointer, dBias: dBias.pointer,
                dOutput: projection, input: input, mean: mean.pointer,
                reciprocalStd: rstd.pointer, weight: weight, tokens: tokens, hidden: hidden)
            assertClose(
                dWeight.array, expectedWeight.map { 2 * $0 }, rtol: t.rtol, atol: t.atol,
                "2× dWeight")
            assertClose(
                dInput.array, expectedInput.map { 2 * $0 }, rtol: t.rtol, atol: t.atol, "2× dInput")
        }
    }

    func testForwardAndBackwardAreBitIdenticalAcrossRunsAndThreadCounts() {
        var random = TestRandom(seed: 23)
        let (tokens, hidden) = (203, 97)
        let input = random.floats(tokens * hidden)
        let weight = random.floats(hidden, mean: 1)
        let bias = random.floats(hidden)
        let dOutput = random.floats(tokens * hidden)
        func run() -> [[Float]] {
            let output = Buffer(repeating: Float(0), count: input.count)
            let mean = Buffer(repeating: Float(0), count: tokens)
            let rstd = Buffer(repeating: Float(0), count: tokens)
            LayerNorm.forward(
                output: output.pointer, mean: mean.pointer, reciprocalStd: rstd.pointer,
                input: input, weight: weight, bias: bias, tokens: tokens, hidden: hidden,
                epsilon: 1e-12)
            let dInput = Buffer(repeating: Float(0), count: input.count)
            let dWeight = Buffer(repeating: Float(0), count: hidden)
            let dBias = Buffer(repeating: Float(0), count: hidden)
            LayerNorm.backward(
                dInput: dInput.pointer, dWeight: dWeight.pointer, dBias: dBias.pointer,
                dOutput: dOutput, input: input, mean: mean.pointer, reciprocalStd: rstd.pointer,
                weight: weight, tokens: tokens, hidden: hidden)
            return [output.array, mean.array, rstd.array, dInput.array, dWeight.array, dBias.array]
        }
        let first = run()
        for (threads, outputs) in [
            (2, run()), (1, withThreadCount(1, run)), (3, withThreadCount(3, run)),
        ] {
            for (index, (a, b)) in zip(outputs, first).enumerated() {
                assertBitIdentical(a, b, "output \(index), \(threads) threads")
            }
        }
    }
}
