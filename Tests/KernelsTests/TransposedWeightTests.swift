// swift-bert — Kernels tests: the transposed weight of a linear layer's dInput product.

import Kernels
import XCTest
import _TestSupport

final class TransposedWeightTests: XCTestCase {
    /// A copy: every element lands at its transposed place, on any shape (8 × 8 tiles and their
    /// edges) and for any thread count (rows split over the pool).
    func testTransposedWeightIsTheTransposeForAnyShapeAndThreadCount() {
        var random = TestRandom(seed: 41)
        for (rows, columns) in [(1, 1), (7, 9), (8, 8), (33, 17), (520, 300), (1000, 131)] {
            let matrix = random.floats(rows * columns)
            var expected = [Float](repeating: 0, count: rows * columns)
            for j in 0..<rows {
                for p in 0..<columns { expected[p * rows + j] = matrix[j * columns + p] }
            }
            for threads in 1...3 {
                let transposed = withThreadCount(threads) {
                    matrix.withUnsafeBufferPointer { source in
                        let pointer = Gemm.transposedWeight(
                            source.baseAddress!, rows: rows, columns: columns)
                        return Array(UnsafeBufferPointer(start: pointer, count: rows * columns))
                    }
                }
                assertBitIdentical(transposed, expected, "\(rows)×\(columns), \(threads) threads")
            }
        }
    }

    /// Where the rule picks it (fp32 through oneDNN, enough tokens, a large weight, reserved
    /// scratch), `Linear.backward`'s dInput from the transposed weight equals the product
    /// with the weight as stored, up to the backend's summation order.
    func testInputGradientFromTheTransposedWeightMatchesThePlainProduct() throws {
        try XCTSkipUnless(Gemm.backend == .oneDNN, "the transposed weight is oneDNN's path")
        let (tokens, inFeatures, outFeatures) = (1024, 1024, 1024)
        Gemm.reserveTransposedWeightScratch(elements: inFeatures * outFeatures)
        XCTAssertTrue(
            Gemm.transposesWeightForInputGradient(
                tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures,
                precision: .float32))
        XCTAssertFalse(
            Gemm.transposesWeightForInputGradient(
                tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures,
                precision: .bfloat16))
        XCTAssertFalse(
            Gemm.transposesWeightForInputGradient(
                tokens: tokens, inFeatures: inFeatures, outFeatures: 2 * outFeatures,
                precision: .float32),
            "a weight larger than the reserved scratch keeps its stored layout")
        var random = TestRandom(seed: 42)
        let input = random.floats(tokens * inFeatures)
        let weight = random.floats(outFeatures * inFeatures)
        let dOutput = random.floats(tokens * outFeatures)
        let initial = random.floats(tokens * inFeatures)
        let dInput = Buffer(initial)
        let dWeight = Buffer(repeating: Float(0), count: weight.count)
        Linear.backward(
            dInput: dInput.pointer, dWeight: dWeight.pointer, dBias: nil, dOutput: dOutput,
            input: input, weight: weight, tokens: tokens, inFeatures: inFeatures,
            outFeatures: outFeatures)
        let plain = Buffer(initial)
        Gemm.multiply(
            plain.pointer, dOutput, weight, m: tokens, n: inFeatures, k: outFeatures, beta: 1)
        // 1,024-term fp32 sums of unit-scale terms in two blockings: about 1e-6 apart.
        assertClose(dInput.array, plain.array, rtol: 1e-5, atol: 1e-4)
        XCTAssertNotEqual(dInput.array, initial, "dInput was accumulated into")
    }
}
