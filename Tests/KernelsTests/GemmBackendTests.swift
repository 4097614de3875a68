// swift-bert — Kernels tests: GEMM backends, bf16 products and their emulation.

import Kernels
import XCTest
import _TestSupport

/// Every backend against the Double reference (small products, split ones and ones large
/// enough for oneDNN's primitives), bf16 products against the fp32 product of rounded
/// inputs, the native bf16 path against its emulation, and the kernel each backend reports.
final class GemmBackendTests: XCTestCase {
    private var backends: [GemmBackend] { GemmBackend.allCases.filter(\.isAvailable) }

    /// Runs `body` with `backend` as the process's GEMM backend.
    private func with(_ backend: GemmBackend, _ body: () throws -> Void) rethrows {
        let saved = Gemm.backend
        Gemm.backend = backend
        defer { Gemm.backend = saved }
        try body()
    }

    func testEveryBackendMatchesReferenceForEveryTransposeAndSize() {
        var random = TestRandom(seed: 11)
        // Small (in-house kernel under oneDNN), split over threads, and large.
        for backend in backends {
            for (m, n, k) in [
                (7, 5, 3), (13, 11, 9), (1, 17, 1), (33, 1, 19), (130, 70, 40), (300, 200, 64),
                (17, 513, 96),
            ] {
                for transposeA in [false, true] {
                    for transposeB in [false, true] {
                        for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (-2.0, 0.25)] {
                            let lda = (transposeA ? m : k) + 3
                            let ldb = (transposeB ? k : n) + 1
                            let ldc = n + 2
                            let a = random.floats((transposeA ? k : m) * lda)
                            let b = random.floats((transposeB ? n : k) * ldb)
                            let c = Buffer(random.floats(m * ldc))
                            var expected = c.doubles
                            Gemm.referenceMultiply(
                                &expected, doubles(a), doubles(b), m: m, n: n, k: k,
                                transposeA: transposeA, transposeB: transposeB, alpha: alpha,
                                beta: beta, lda: lda, ldb: ldb, ldc: ldc)
                            with(backend) {
                                Gemm.multiply(
                                    c.pointer, a, b, m: m, n: n, k: k, transposeA: transposeA,
                                    transposeB: transposeB, alpha: Float(alpha),
                                    beta: Float(beta), lda: lda, ldb: ldb, ldc: ldc)
                            }
                            assertClose(
                                c.array, expected, rtol: 1e-4, atol: 1e-4,
                                "\(backend) m \(m) n \(n) k \(k) tA \(transposeA) "
                                    + "tB \(transposeB) alpha \(alpha) beta \(beta)")
                        }
                    }
                }
            }
        }
    }

    /// The in-house kernel that runs small products under oneDNN sums every element as one
    /// chain of fused multiply-adds over k in order, whether its row is computed in a block of
    /// four (16, 32, 48 or 64 columns, a transposed B padded to a multiple of 16) or alone: the
    /// whole product and each row computed by itself give the same bits.
    func testSmallProductsGiveTheSameBitsInBlocksOfRowsAndRowByRow() throws {
        try XCTSkipUnless(GemmBackend.oneDNN.isAvailable, "the in-house kernel runs under oneDNN")
        var random = TestRandom(seed: 15)
        let m = 9  // two blocks of four rows and one alone
        with(.oneDNN) {
            for n in [5, 11, 16, 17, 32, 33, 48, 50, 64, 75] {
                for k in [7, 32] {
                    for transposeA in [false, true] {
                        for transposeB in [false, true] {
                            for beta: Float in [0, 1] {
                                let lda = (transposeA ? m : k) + 1
                                let ldb = (transposeB ? k : n) + 2
                                let a = random.floats((transposeA ? k : m) * lda)
                                let b = random.floats((transposeB ? n : k) * ldb)
                                let initial = random.floats(m * n)
                                let whole = Buffer(initial)
                                Gemm.multiply(
                                    whole.pointer, a, b, m: m, n: n, k: k,
                                    transposeA: transposeA, transposeB: transposeB, alpha: 0.75,
                                    beta: beta, lda: lda, ldb: ldb)
                                let rows = Buffer(initial)
                                for row in 0..<m {
                                    // Row `row` of op(A): a row of A, or a column of Aᵀ.
                                    a.withUnsafeBufferPointer { a in
                                        let start = a.baseAddress! + (transposeA ? row : row * lda)
                                        Gemm.multiply(
                                            rows.pointer + row * n, start, b, m: 1, n: n, k: k,
                                            transposeA: transposeA, transposeB: transposeB,
                                            alpha: 0.75, beta: beta, lda: lda, ldb: ldb)
                                    }
                                }
                                let label = "n \(n) k \(k) tA \(transposeA) tB \(transposeB) beta \(beta)"
                                assertBitIdentical(whole.array, rows.array, label)
                                XCTAssertNotEqual(whole.array, initial, label)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `torch.addmm(bias, op(A), op(B))`: the bias added to every row, on every backend (in
    /// oneDNN's epilogue, or copied first) and in both precisions, for products that run on
    /// the in-house kernel, split by rows, split by columns, and with k = 0; alpha 0.5 scales
    /// the product, not the bias.
    func testBiasIsAddedToEveryRowOnEveryBackendAndPrecision() {
        var random = TestRandom(seed: 12)
        for backend in backends {
            for precision in [Precision.float32, .bfloat16] {
                for (m, n, k) in [(7, 5, 3), (300, 200, 64), (17, 513, 96), (4, 6, 0)] {
                    for (transposeB, alpha) in [(false, 1.0), (true, 1.0), (false, 0.5)] {
                        let ldc = n + 2
                        var a = random.floats(m * k)
                        var b = random.floats(k * n)
                        let bias = random.floats(n)
                        if precision == .bfloat16 {
                            a = a.map(BFloat16.rounded)
                            b = b.map(BFloat16.rounded)
                        }
                        let c = Buffer(random.floats(m * ldc))
                        var expected = c.doubles
                        Gemm.referenceMultiply(
                            &expected, doubles(a), doubles(b), m: m, n: n, k: k,
                            transposeB: transposeB, alpha: alpha, ldc: ldc)
                        for row in 0..<m {
                            for column in 0..<n { expected[row * ldc + column] += Double(bias[column]) }
                        }
                        with(backend) {
                            Gemm.multiply(
                                c.pointer, rowStride: ldc,
                                GemmOperand(a, rowStride: max(1, k)),
                                GemmOperand(b, rowStride: max(1, transposeB ? k : n), transposed: transposeB),
                                m: m, n: n, k: k, alpha: Float(alpha), bias: bias,
                                precision: precision)
                        }
                        assertClose(
                            c.array, expected, rtol: 1e-5, atol: 1e-5,
                            "\(backend) \(precision) m \(m) n \(n) k \(k) tB \(transposeB) "
                                + "alpha \(alpha)")
                    }
                }
            }
        }
    }

    /// A bf16 product is the fp32 product of the inputs rounded to bf16 (exact products, fp32
    /// sums), on every backend: natively with oneDNN where the CPU has bf16 units, emulated
    /// elsewhere; with fp32 and bf16 operands alike.
    func testBFloat16ProductEqualsProductOfRoundedInputs() {
        var random = TestRandom(seed: 12)
        for backend in backends {
            for (m, n, k) in [(9, 7, 5), (130, 70, 40), (257, 96, 200), (384, 1536, 301)] {
                for (transposeA, transposeB) in [(false, false), (false, true), (true, false)] {
                    let a = random.floats(m * k)
                    let b = random.floats(k * n)
                    let b16 = b.map(BFloat16.bits)
                    let c = Buffer(repeating: Float(0), count: m * n)
                    let c16 = Buffer(repeating: Float(0), count: m * n)
                    var expected = [Double](repeating: 0, count: m * n)
                    Gemm.referenceMultiply(
                        &expected, a.map { Double(BFloat16.rounded($0)) },
                        b.map { Double(BFloat16.rounded($0)) }, m: m, n: n, k: k,
                        transposeA: transposeA, transposeB: transposeB)
                    let lda = transposeA ? m : k
                    let ldb = transposeB ? k : n
                    with(backend) {
                        Gemm.multiply(
                            c.pointer, a, b, m: m, n: n, k: k, transposeA: transposeA,
                            transposeB: transposeB, precision: .bfloat16)
                        b16.withUnsafeBufferPointer { bits in
                            Gemm.multiply(
                                c16.pointer, rowStride: n,
                                GemmOperand(a, rowStride: lda, transposed: transposeA),
                                GemmOperand(
                                    bfloat16: bits.baseAddress!, rowStride: ldb,
                                    transposed: transposeB),
                                m: m, n: n, k: k, precision: .bfloat16)
                        }
                    }
                    let label = "\(backend) m \(m) n \(n) k \(k) tA \(transposeA) tB \(transposeB)"
                    assertClose(c.array, expected, rtol: 1e-5, atol: 1e-5, label)
                    assertClose(c16.array, expected, rtol: 1e-5, atol: 1e-5, label + " bf16 B")
                    // And far from the unrounded product: the rounding really happened.
                    var unrounded = [Double](repeating: 0, count: m * n)
                    Gemm.referenceMultiply(
                        &unrounded, doubles(a), doubles(b), m: m, n: n, k: k,
                        transposeA: transposeA, transposeB: transposeB)
                    let gap = zip(expected, unrounded).map { abs($0 - $1) }.max() ?? 0
                    XCTAssertGreaterThan(gap, 1e-4, label)
                }
            }
        }
    }

    /// Where the CPU runs bf16 natively, the native product agrees with the emulation (only
    /// the order of the fp32 sums differs).
    func testNativeBFloat16AgreesWithEmulation() throws {
        try XCTSkipUnless(
            GemmBackend.oneDNN.runsBFloat16Natively, "no AVX512_BF16 or AMX on this CPU")
        var random = TestRandom(seed: 13)
        let (m, n, k) = (367, 768, 384)
        let a = random.floats(m * k)
        let b = random.floats(n * k)
        let native = Buffer(repeating: Float(0), count: m * n)
        let emulated = Buffer(repeating: Float(0), count: m * n)
        with(.oneDNN) {
            Gemm.multiply(native.pointer, a, b, m: m, n: n, k: k, transposeB: true, precision: .bfloat16)
        }
        with(.openBLAS) {
            Gemm.multiply(emulated.pointer, a, b, m: m, n: n, k: k, transposeB: true, precision: .bfloat16)
        }
        assertClose(native.array, emulated.doubles, rtol: 1e-5, atol: 1e-5, "native vs emulated")
        XCTAssertTrue(
            GemmBackend.oneDNN.kernelName(precision: .bfloat16, m: m, n: n, k: k).contains("bf16"),
            GemmBackend.oneDNN.kernelName(precision: .bfloat16, m: m, n: n, k: k))
    }

    /// No product runs on generic SSE kernels on a CPU with AVX2: the automatic backend's
    /// kernel (oneDNN's implementation name, or OpenBLAS's kernel family) is an AVX2 or
    /// AVX-512 one, for BERT's shapes in fp32 and, where native, in bf16.
    func testAutomaticBackendNeverRunsGenericKernelsOnAnAVX2CPU() throws {
        try XCTSkipUnless(GemmBackend.cpuHasAVX2, "the CPU has no AVX2")
        let (backend, reason) = GemmBackend.automatic
        switch backend {
        case .openBLAS:
            XCTAssertTrue(GemmBackend.openBLASHasVectorKernels, "\(GemmBackend.openBLASCoreName): \(reason)")
        case .oneDNN:
            for (m, n, k) in [(367, 2304, 768), (2048, 768, 3072), (768, 3072, 367)] {
                let fp32 = backend.kernelName(precision: .float32, m: m, n: n, k: k)
                XCTAssertTrue(fp32.contains("avx2") || fp32.contains("avx512"), "\(fp32): \(reason)")
                if backend.runsBFloat16Natively {
                    let bf16 = backend.kernelName(precision: .bfloat16, m: m, n: n, k: k)
                    XCTAssertTrue(bf16.contains("bf16"), "\(bf16): \(reason)")
                }
            }
        }
    }

    func testBackendSettingParsesNamesAndRefusesOthers() {
        XCTAssertEqual(try Gemm.parseBackend("auto", source: "--gemm").get(), nil)
        XCTAssertEqual(try Gemm.parseBackend("", source: "--gemm").get(), nil)
        XCTAssertEqual(try Gemm.parseBackend("OpenBLAS", source: "--gemm").get(), .openBLAS)
        guard case .failure(let error) = Gemm.parseBackend("mkl", source: "--gemm") else {
            return XCTFail("mkl accepted")
        }
        XCTAssertEqual(error.description, "--gemm: 'mkl' is not auto, onednn or openblas")
    }
}

/// bf16 conversions: rounding to nearest even, NaN, infinities, and the C loops against the
/// Swift definition.
final class BFloat16Tests: XCTestCase {
    func testRoundingIsNearestEvenWithQuietNaN() {
        XCTAssertEqual(BFloat16.bits(1), 0x3F80)
        XCTAssertEqual(BFloat16.bits(-2), 0xC000)
        // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: ties to even (1).
        XCTAssertEqual(BFloat16.bits(1 + 0x1p-8), 0x3F80)
        // 1 + 3·2⁻⁸ is halfway between 1 + 2⁻⁷ and 1 + 2⁻⁶: ties to even (1 + 2⁻⁶).
        XCTAssertEqual(BFloat16.bits(1 + 3 * 0x1p-8), 0x3F82)
        XCTAssertEqual(BFloat16.bits(1 + 0x1p-8 + 0x1p-20), 0x3F81)
        XCTAssertEqual(BFloat16.bits(.infinity), 0x7F80)
        XCTAssertEqual(BFloat16.bits(-.infinity), 0xFF80)
        XCTAssertEqual(BFloat16.bits(.nan), 0x7FC0)
        XCTAssertEqual(BFloat16.bits(Float.greatestFiniteMagnitude), 0x7F80, "rounds to infinity")
        XCTAssertEqual(BFloat16.float(0x3F80), 1)
    }

    func testParallelConversionsEqualTheScalarDefinition() {
        var random = TestRandom(seed: 14)
        var values = random.floats(100_003).map { $0 * 1e3 }
        values += [0, -0, .infinity, -.infinity, .nan, 1e-40, -1e-40, 1 + 0x1p-8, 3.3895314e38]
        let bits = [UInt16](unsafeUninitializedCapacity: values.count) { buffer, count in
            BFloat16.convert(buffer.baseAddress!, values, count: values.count)
            count = values.count
        }
        XCTAssertEqual(bits, values.map(BFloat16.bits))
        var rounded = values
        rounded.withUnsafeMutableBufferPointer {
            BFloat16.roundInPlace($0.baseAddress!, count: $0.count)
        }
        XCTAssertEqual(rounded.map(\.bitPattern), values.map { BFloat16.rounded($0).bitPattern })
    }
}
