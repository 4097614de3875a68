// swift-bert — numeric kernels.
//
// Matrix multiplication through CBLAS (OpenBLAS on Linux, Accelerate on macOS).

import _CBLAS

/// General matrix multiplication, `C = alpha·op(A)·op(B) + beta·C`, through `cblas_sgemm`.
///
/// Matches `torch.addmm(C, op(A), op(B), beta=beta, alpha=alpha)` up to rounding (the order of
/// the k-sum belongs to the BLAS). All matrices are row-major; `op(X)` is `X` or `Xᵀ`.
/// Large products are split over the thread pool by rows or columns of `C` (never over `k`),
/// each part a single-threaded `cblas_sgemm`, so results are the same run to run.
public enum Gemm {
    /// Computes `C = alpha·op(A)·op(B) + beta·C` with `cblas_sgemm`.
    ///
    /// With `beta == 0`, `C` is only written (never read), as BLAS specifies.
    /// - Parameters:
    ///   - c: `C`, `[m, n]` with row stride `ldc`.
    ///   - a: `A`, `[m, k]` (or `[k, m]` when `transposeA`) with row stride `lda`.
    ///   - b: `B`, `[k, n]` (or `[n, k]` when `transposeB`) with row stride `ldb`.
    ///   - m: Rows of `C` and of `op(A)`.
    ///   - n: Columns of `C` and of `op(B)`.
    ///   - k: Columns of `op(A)`, rows of `op(B)`.
    ///   - transposeA: Whether `op(A) = Aᵀ`.
    ///   - transposeB: Whether `op(B) = Bᵀ`.
    ///   - alpha: Scale of the product.
    ///   - beta: Scale of the existing `C`; `1` accumulates.
    ///   - lda: Row stride of `A` as stored; defaults to its column count.
    ///   - ldb: Row stride of `B` as stored; defaults to its column count.
    ///   - ldc: Row stride of `C`; defaults to `n`.
    /// - Complexity: O(m·n·k).
    public static func multiply(
        _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "Gemm: negative size m \(m) n \(n) k \(k)")
        let aColumns = transposeA ? m : k
        let bColumns = transposeB ? k : n
        let lda = lda ?? max(1, aColumns)
        let ldb = ldb ?? max(1, bColumns)
        let ldc = ldc ?? max(1, n)
        precondition(lda >= max(1, aColumns), "Gemm: lda \(lda) < columns of A \(aColumns)")
        precondition(ldb >= max(1, bColumns), "Gemm: ldb \(ldb) < columns of B \(bColumns)")
        precondition(ldc >= max(1, n), "Gemm: ldc \(ldc) < n \(n)")
        precondition(
            max(m, n, k, lda, ldb, ldc) <= Int(Int32.max), "Gemm: size exceeds 32-bit BLAS")
        if m == 0 || n == 0 { return }
        if k == 0 {
            scale(c, rows: m, columns: n, ld: ldc, by: beta)
            return
        }
        let parts = splitCount(m: m, n: n, k: k)
        guard parts > 1 else {
            sgemm(c, a, b, m, n, k, transposeA, transposeB, alpha, beta, lda, ldb, ldc)
            return
        }
        // Split the larger of m and n: each part repacks the whole other operand, a cost of
        // about 2/size of the part's work. k is never split, so every element of C is the
        // same k-sum whatever the number of parts.
        let call = Call(
            c: c, a: a, b: b, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
            alpha: alpha, beta: beta, lda: lda, ldb: ldb, ldc: ldc)
        if m >= n {
            Parallel.concurrentPerform(iterations: parts, context: (call, parts)) {
                context, part in
                let (call, parts) = context
                let rows = alignedChunk(part, of: parts, items: call.m)
                let aStart = call.transposeA ? rows.lowerBound : rows.lowerBound * call.lda
                sgemm(
                    call.c + rows.lowerBound * call.ldc, call.a + aStart, call.b, rows.count,
                    call.n, call.k, call.transposeA, call.transposeB, call.alpha, call.beta,
                    call.lda, call.ldb, call.ldc)
            }
        } else {
            Parallel.concurrentPerform(iterations: parts, context: (call, parts)) {
                context, part in
                let (call, parts) = context
                let columns = alignedChunk(part, of: parts, items: call.n)
                let bStart = call.transposeB ? columns.lowerBound * call.ldb : columns.lowerBound
                sgemm(
                    call.c + columns.lowerBound, call.a, call.b + bStart, call.m, columns.count,
                    call.k, call.transposeA, call.transposeB, call.alpha, call.beta, call.lda,
                    call.ldb, call.ldc)
            }
        }
    }

    /// One product's arguments, passed to the pool's tasks.
    private struct Call {
        let c: UnsafeMutablePointer<Float>
        let a: UnsafePointer<Float>
        let b: UnsafePointer<Float>
        let m: Int, n: Int, k: Int
        let transposeA: Bool, transposeB: Bool
        let alpha: Float, beta: Float
        let lda: Int, ldb: Int, ldc: Int
    }

    /// Multiply-adds below which a GEMM runs on one thread: splitting costs a few
    /// microseconds of hand-over.
    static let splitThreshold = 1 << 18

    /// Rows or columns of a part are multiples of this (16 floats: one AVX-512 register, two
    /// AVX2 ones), but the last.
    public static let splitAlignment = 16

    /// How many parts `multiply` splits an `m × n × k` product into: 1 with OpenBLAS's own
    /// threading, inside a parallel region, or for small products.
    static func splitCount(m: Int, n: Int, k: Int) -> Int {
        let threads = ThreadSettings.count
        guard ThreadSettings.gemmThreading == .pool, threads > 1,
            m * n * k >= splitThreshold, !Parallel.isInsideParallelRegion
        else { return 1 }
        return max(1, min(threads, (max(m, n) + splitAlignment - 1) / splitAlignment))
    }

    /// Part `index` of `0..<items` cut into `parts` contiguous runs whose boundaries are
    /// multiples of `splitAlignment`.
    public static func alignedChunk(_ index: Int, of parts: Int, items: Int) -> Range<Int> {
        let blocks = (items + splitAlignment - 1) / splitAlignment
        let lower = min(items, blocks * index / parts * splitAlignment)
        let upper = min(items, blocks * (index + 1) / parts * splitAlignment)
        return lower..<upper
    }

    /// One `cblas_sgemm` call, row-major.
    @inline(__always)
    private static func sgemm(
        _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        _ m: Int, _ n: Int, _ k: Int, _ transposeA: Bool, _ transposeB: Bool, _ alpha: Float,
        _ beta: Float, _ lda: Int, _ ldb: Int, _ ldc: Int
    ) {
        guard m > 0 && n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha, a,
            Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `C = beta·C`, with `beta == 0` writing zeros (BLAS semantics when `k == 0`).
    private static func scale(
        _ c: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ld: Int, by beta: Float
    ) {
        for row in 0..<rows {
            let line = c + row * ld
            if beta == 0 {
                line.update(repeating: 0, count: columns)
            } else if beta != 1 {
                for j in 0..<columns { line[j] *= beta }
            }
        }
    }

    /// The best rate, in GFLOPS, of a `size`³ product on `threadCount` threads: the better of
    /// `multiply` (split over the pool) and one `cblas_sgemm` on OpenBLAS's own threads, best
    /// of three runs each. Benchmarks divide by it, so it is the strictest peak at hand.
    public static func peakGflops(size n: Int) -> Double {
        let count = n * n
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for index in 0..<count {
            a[index] = Float(index % 7) * 0.1
            b[index] = Float(index % 5) * 0.1
        }
        let clock = ContinuousClock()
        func best(_ body: () -> Void) -> Double {
            var seconds = Double.infinity
            for _ in 0..<3 {
                let start = clock.now
                body()
                let parts = (clock.now - start).components
                seconds = min(seconds, Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
            }
            return 2 * Double(n * n * n) / seconds / 1e9
        }
        let threads = ThreadSettings.count
        let pooled = best { multiply(c, a, b, m: n, n: n, k: n) }
        swiftbert_blas_set_threads(Int32(clamping: threads))
        let native = best { sgemm(c, a, b, n, n, n, false, false, 1, 0, n, n, n) }
        ThreadSettings.configureBLAS(threads: threads)
        return max(pooled, native)
    }

    /// Naive reference of `multiply` in Double, for tests; same layout and arguments.
    ///
    /// - Complexity: O(m·n·k).
    public static func referenceMultiply(
        _ c: inout [Double], _ a: [Double], _ b: [Double], m: Int, n: Int, k: Int,
        transposeA: Bool = false, transposeB: Bool = false, alpha: Double = 1, beta: Double = 0,
        lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
    ) {
        let lda = lda ?? (transposeA ? m : k)
        let ldb = ldb ?? (transposeB ? k : n)
        let ldc = ldc ?? n
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let aValue = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let bValue = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += aValue * bValue
                }
                let old = beta == 0 ? 0 : beta * c[i * ldc + j]
                c[i * ldc + j] = alpha * sum + old
            }
        }
    }
}
