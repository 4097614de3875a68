// swift-bert — Kernels tests: Linear.

import Kernels
import XCTest
import _TestSupport

final class LinearTests: XCTestCase {
    struct Case {
        var tokens: Int
        var inFeatures: Int
        var outFeatures: Int
    }

    /// `Linear.backward` into fresh zeroed gradients: `[dInput, dWeight, dBias]`.
    private func gradients(
        _ c: Case, dOutput: [Float], input: [Float], weight: [Float],
        precision: Precision = .float32, inputBFloat16: UnsafePointer<UInt16>? = nil
    ) -> [[Float]] {
        let dInput = Buffer(repeating: Float(0), count: input.count)
        let dWeight = Buffer(repeating: Float(0), count: weight.count)
        let dBias = Buffer(repeating: Float(0), count: c.outFeatures)
        Linear.backward(
            dInput: dInput.pointer, dWeight: dWeight.pointer, dBias: dBias.pointer,
            dOutput: dOutput, input: input, weight: weight, tokens: c.tokens,
            inFeatures: c.inFeatures, outFeatures: c.outFeatures, precision: precision,
            inputBFloat16: inputBFloat16)
        return [dInput.array, dWeight.array, dBias.array]
    }

    let cases = [
        Case(tokens: 7, inFeatures: 12, outFeatures: 5),
        Case(tokens: 1, inFeatures: 3, outFeatures: 9),
        Case(tokens: 13, inFeatures: 1, outFeatures: 2),
    ]

    func testForwardMatchesReferenceOnOddSizes() {
        var random = TestRandom(seed: 10)
        for c in cases {
            for hasBias in [true, false] {
                let input = random.floats(c.tokens * c.inFeatures)
                let weight = random.floats(c.outFeatures * c.inFeatures, scale: 0.5)
                let bias = random.floats(c.outFeatures)
                let output = Buffer(repeating: Float.nan, count: c.tokens * c.outFeatures)
                Linear.forward(
                    output: output.pointer, input: input, weight: weight,
                    bias: hasBias ? bias : nil, tokens: c.tokens, inFeatures: c.inFeatures,
                    outFeatures: c.outFeatures)
                let expected = Linear.referenceForward(
                    input: doubles(input), weight: doubles(weight),
                    bias: hasBias ? doubles(bias) : nil, tokens: c.tokens,
                    inFeatures: c.inFeatures, outFeatures: c.outFeatures)
                assertClose(
                    output.array, expected, rtol: Tolerance.forward.rtol,
                    atol: Tolerance.forward.atol, "\(c) bias \(hasBias)")
            }
        }
    }

    func testBackwardMatchesFiniteDifferences() {
        var random = TestRandom(seed: 11)
        for c in cases {
            let input = random.floats(c.tokens * c.inFeatures)
            let weight = random.floats(c.outFeatures * c.inFeatures, scale: 0.5)
            let bias = random.floats(c.outFeatures)
            let projection = random.floats(c.tokens * c.outFeatures)
            let (x, w, b, r) = (doubles(input), doubles(weight), doubles(bias), doubles(projection))
            func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
                dot(
                    r,
                    Linear.referenceForward(
                        input: x, weight: w, bias: b, tokens: c.tokens, inFeatures: c.inFeatures,
                        outFeatures: c.outFeatures))
            }
            let expectedInput = finiteDifferences(at: x) { loss($0, w, b) }
            let expectedWeight = finiteDifferences(at: w) { loss(x, $0, b) }
            let expectedBias = finiteDifferences(at: b) { loss(x, w, $0) }

            let computed = gradients(c, dOutput: projection, input: input, weight: weight)
            let (dInput, dWeight, dBias) = (computed[0], computed[1], computed[2])
            let tolerance = Tolerance.gradient
            assertClose(
                dInput, expectedInput, rtol: tolerance.rtol, atol: tolerance.atol,
                "dInput \(c)")
            assertClose(
                dWeight, expectedWeight, rtol: tolerance.rtol, atol: tolerance.atol,
                "dWeight \(c)")
            assertClose(
                dBias, expectedBias, rtol: tolerance.rtol, atol: tolerance.atol, "dBias \(c)")

            let reference = Linear.referenceBackward(
                dOutput: r, input: x, weight: w, tokens: c.tokens, inFeatures: c.inFeatures,
                outFeatures: c.outFeatures)
            let exact = Tolerance.referenceGradient
            assertClose(
                reference.dInput, expectedInput, rtol: exact.rtol, atol: exact.atol,
                "reference dInput \(c)")
            assertClose(
                reference.dWeight, expectedWeight, rtol: exact.rtol, atol: exact.atol,
                "reference dWeight \(c)")
            assertClose(
                reference.dBias, expectedBias, rtol: exact.rtol, atol: exact.atol,
                "reference dBias \(c)")
        }
    }

    func testBackwardAccumulatesIntoGradientsAndSkipsNilInputGradient() {
        var random = TestRandom(seed: 12)
        let c = Case(tokens: 7, inFeatures: 12, outFeatures: 5)
        let input = random.floats(c.tokens * c.inFeatures)
        let weight = random.floats(c.outFeatures * c.inFeatures)
        let dOutput = random.floats(c.tokens * c.outFeatures)
        let initialWeight = random.floats(weight.count)
        let initialBias = random.floats(c.outFeatures)
        let dWeight = Buffer(initialWeight)
        let dBias = Buffer(initialBias)
        Linear.backward(
            dInput: nil, dWeight: dWeight.pointer, dBias: dBias.pointer, dOutput: dOutput,
            input: input, weight: weight, tokens: c.tokens, inFeatures: c.inFeatures,
            outFeatures: c.outFeatures)
        let fresh = Linear.referenceBackward(
            dOutput: doubles(dOutput), input: doubles(input), weight: doubles(weight),
            tokens: c.tokens, inFeatures: c.inFeatures, outFeatures: c.outFeatures)
        assertClose(
            dWeight.array, zip(doubles(initialWeight), fresh.dWeight).map(+), rtol: 1e-5, atol: 1e-5
        )
        assertClose(
            dBias.array, zip(doubles(initialBias), fresh.dBias).map(+), rtol: 1e-5, atol: 1e-5)
    }

    func testBackwardIsBitIdenticalAcrossRunsAndThreadCounts() {
        var random = TestRandom(seed: 13)
        let c = Case(tokens: 301, inFeatures: 33, outFeatures: 517)
        let input = random.floats(c.tokens * c.inFeatures)
        let weight = random.floats(c.outFeatures * c.inFeatures)
        let dOutput = random.floats(c.tokens * c.outFeatures)
        func run() -> [[Float]] {
            gradients(c, dOutput: dOutput, input: input, weight: weight)
        }
        let first = run()
        let second = run()
        for (a, b) in zip(first, second) { assertBitIdentical(b, a, "same thread count") }
        let biasWithThreeThreads = withThreadCount(3) { run()[2] }
        let biasWithOneThread = withThreadCount(1) { run()[2] }
        assertBitIdentical(biasWithThreeThreads, first[2], "dBias, 3 threads")
        assertBitIdentical(biasWithOneThread, first[2], "dBias, 1 thread")
    }

    /// Under native bf16, the forward's kept bf16 input (rounded by `forward`, or already by
    /// its producer) gives the same output and gradients as rounding the input in each product.
    func testKeptBFloat16InputGivesTheSameProductsAsRoundingAgain() throws {
        try XCTSkipUnless(
            Gemm.runsBFloat16Natively(.bfloat16), "bf16 products run natively on this CPU only")
        var random = TestRandom(seed: 14)
        let c = Case(tokens: 301, inFeatures: 96, outFeatures: 517)
        let input = random.floats(c.tokens * c.inFeatures)
        let weight = random.floats(c.outFeatures * c.inFeatures)
        let bias = random.floats(c.outFeatures)
        let dOutput = random.floats(c.tokens * c.outFeatures)
        func run(kept: Bool, rounded: Bool) -> [[Float]] {
            let output = Buffer(repeating: Float.nan, count: c.tokens * c.outFeatures)
            let bits = Buffer(
                rounded ? input.map(BFloat16.bits) : [UInt16](repeating: 0, count: input.count))
            Linear.forward(
                output: output.pointer, input: input, weight: weight, bias: bias,
                tokens: c.tokens, inFeatures: c.inFeatures, outFeatures: c.outFeatures,
                precision: .bfloat16, inputBFloat16: kept ? bits.pointer : nil,
                inputRounded: rounded)
            return [output.array]
                + gradients(
                    c, dOutput: dOutput, input: input, weight: weight, precision: .bfloat16,
                    inputBFloat16: kept ? UnsafePointer(bits.pointer) : nil)
        }
        let plain = run(kept: false, rounded: false)
        for rounded in [false, true] {
            for (a, b) in zip(run(kept: true, rounded: rounded), plain) {
                assertBitIdentical(a, b, "kept, rounded by its producer: \(rounded)")
            }
        }
    }
}
