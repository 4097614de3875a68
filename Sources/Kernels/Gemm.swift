// swift-bert — numeric kernels.
//
// Matrix multiplication through CBLAS (OpenBLAS on Linux, Accelerate on macOS).

import _CBLAS

/// General matrix multiplication, `C = alpha·op(A)·op(B) + beta·C`, through `cblas_sgemm`.
///
/// Matches `torch.addmm(C, op(A), op(B), beta=beta, alpha=alpha)` up to rounding (the order of
/// the k-sum belongs to the BLAS). All matrices are row-major; `op(X)` is `X` or `Xᵀ`.
/// OpenBLAS splits a GEMM over output blocks, so results are the same run to run.
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
        _ = ThreadSettings.count  // configures OpenBLAS's threads on first use
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
