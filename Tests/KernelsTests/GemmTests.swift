// swift-bert — Kernels tests: Gemm.

import Kernels
import XCTest
import _TestSupport

final class GemmTests: XCTestCase {
    func testMultiplyWithDefaultLeadingDimensionsUsesPackedRows() {
        var random = TestRandom(seed: 2)
        let (m, n, k) = (5, 7, 3)
        let a = random.floats(k * m)
        let b = random.floats(n * k)
        let c = Buffer(repeating: Float(0), count: m * n)
        Gemm.multiply(c.pointer, a, b, m: m, n: n, k: k, transposeA: true, transposeB: true)
        var expected = [Double](repeating: 0, count: m * n)
        Gemm.referenceMultiply(
            &expected, doubles(a), doubles(b), m: m, n: n, k: k, transposeA: true,
            transposeB: true)
        assertClose(c.array, expected, rtol: 1e-5, atol: 1e-6)
    }

    func testMultiplyWithZeroBetaIgnoresNaNInOutput() {
        let a: [Float] = [1, 2, 3, 4]
        let b: [Float] = [5, 6, 7, 8]
        let c = Buffer(repeating: Float.nan, count: 4)
        Gemm.multiply(c.pointer, a, b, m: 2, n: 2, k: 2)
        XCTAssertEqual(c.array, [19, 22, 43, 50])
    }

    func testMultiplyWithZeroInnerDimensionScalesOutputByBeta() {
        let c = Buffer<Float>([1, 2, 3, 4, 5, 6])
        Gemm.multiply(c.pointer, [], [], m: 2, n: 3, k: 0, beta: 0.5)
        XCTAssertEqual(c.array, [0.5, 1, 1.5, 2, 2.5, 3])
        Gemm.multiply(c.pointer, [], [], m: 2, n: 3, k: 0)
        XCTAssertEqual(c.array, [0, 0, 0, 0, 0, 0])
    }

    func testMultiplyIsDeterministic() {
        var random = TestRandom(seed: 3)
        let (m, n, k) = (67, 45, 129)
        let a = random.floats(m * k)
        let b = random.floats(k * n)
        let first = Buffer(repeating: Float(0), count: m * n)
        let second = Buffer(repeating: Float(0), count: m * n)
        Gemm.multiply(first.pointer, a, b, m: m, n: n, k: k)
        Gemm.multiply(second.pointer, a, b, m: m, n: n, k: k)
        assertBitIdentical(second.array, first.array)
    }

    /// Products above `splitThreshold` are cut over the pool by rows (m ≥ n) or columns: every
    /// transpose, strided operands, and ragged last parts, on 1 to 3 threads.
    func testSplitMultiplyMatchesReferenceOnEveryThreadCount() {
        var random = TestRandom(seed: 4)
        for (m, n, k) in [(161, 37, 97), (29, 203, 83)] {
            XCTAssertGreaterThanOrEqual(m * n * k, 1 << 18, "large enough to split")
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let lda = (transposeA ? m : k) + 3
                    let ldb = (transposeB ? k : n) + 1
                    let ldc = n + 2
                    let a = random.floats((transposeA ? k : m) * lda)
                    let b = random.floats((transposeB ? n : k) * ldb)
                    let start = random.floats(m * ldc)
                    var expected = start.map(Double.init)
                    Gemm.referenceMultiply(
                        &expected, doubles(a), doubles(b), m: m, n: n, k: k,
                        transposeA: transposeA, transposeB: transposeB, alpha: 0.5, beta: 1,
                        lda: lda, ldb: ldb, ldc: ldc)
                    for threads in 1...3 {
                        let c = Buffer(start)
                        withThreadCount(threads) {
                            Gemm.multiply(
                                c.pointer, a, b, m: m, n: n, k: k, transposeA: transposeA,
                                transposeB: transposeB, alpha: 0.5, beta: 1, lda: lda, ldb: ldb,
                                ldc: ldc)
                        }
                        assertClose(
                            c.array, expected, rtol: 1e-5, atol: 1e-5,
                            "m \(m) n \(n) k \(k) tA \(transposeA) tB \(transposeB) "
                                + "threads \(threads)")
                    }
                }
            }
        }
    }

    func testSplitPartsAreAlignedAndCoverEveryRow() {
        for items in [1, 15, 16, 17, 100, 2_048] {
            for parts in 1...4 {
                let ranges = (0..<parts).map { Gemm.alignedChunk($0, of: parts, items: items) }
                XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<items), "\(items)/\(parts)")
                for range in ranges.dropFirst() where !range.isEmpty {
                    XCTAssertEqual(range.lowerBound % Gemm.splitAlignment, 0, "\(items)/\(parts)")
                }
            }
        }
    }
}
