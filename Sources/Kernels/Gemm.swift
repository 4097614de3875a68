// swift-bert — numeric kernels.
//
// Matrix multiplication: one entry point, backends chosen at run time (GemmBackend.swift).

import _CBLAS
import _OneDNN
import _VectorKernels

/// General matrix multiplication, `C = alpha·op(A)·op(B) + beta·C`: the one entry point of
/// every matrix product of the model (linear layers, attention, pooler, classifier).
///
/// Matches `torch.addmm(C, op(A), op(B), beta=beta, alpha=alpha)` up to rounding (the order of
/// the k-sum belongs to the backend). All matrices are row-major; `op(X)` is `X` or `Xᵀ`.
/// The backend (``GemmBackend``: oneDNN or OpenBLAS/Accelerate) is chosen at run time from
/// CPU features (``Gemm/backend``). Large products are split over the thread pool by rows or
/// columns of `C` (never over `k`), each part one single-threaded backend call, so results
/// are the same run to run.
///
/// With ``Precision/bfloat16`` the inputs are bf16 and the accumulation and `C` fp32, as a
/// GEMM under `torch.autocast("cpu", dtype=torch.bfloat16)`: fp32 operands are rounded to bf16
/// (``BFloat16/bits(_:)``) on the way in. Where the backend has no native bf16 products, the
/// rounded values run through the fp32 product (exact products, fp32 sums: the same numbers
/// up to summation order), slowly.
public enum Gemm {
    /// Computes `C = alpha·op(A)·op(B) + beta·C` in fp32 (see ``multiply(_:rowStride:_:_:m:n:k:alpha:beta:precision:)``).
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
    ///   - precision: `.bfloat16` rounds `A` and `B` to bf16 first.
    /// - Complexity: O(m·n·k).
    public static func multiply(
        _ c: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
        m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false,
        alpha: Float = 1, beta: Float = 0, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
        precision: Precision = .float32
    ) {
        let lda = lda ?? max(1, transposeA ? m : k)
        let ldb = ldb ?? max(1, transposeB ? k : n)
        multiply(
            c, rowStride: ldc ?? max(1, n), GemmOperand(a, rowStride: lda, transposed: transposeA),
            GemmOperand(b, rowStride: ldb, transposed: transposeB), m: m, n: n, k: k,
            alpha: alpha, beta: beta, precision: precision)
    }

    /// Computes `C = alpha·op(A)·op(B) + beta·C` from operand descriptors, each fp32 or bf16.
    ///
    /// bf16 operands require `precision == .bfloat16`. With `beta == 0`, `C` is only written.
    /// A `bias` (fp32 `[n]`) is added to every row, as `torch.addmm(bias, op(A), op(B))`
    /// broadcasts it: in oneDNN's epilogue, else copied into `C` before a `beta = 1` product.
    /// Conversions to bf16 use process-wide scratch that grows once to the largest operand,
    /// so a call needing one must not come from inside a parallel region (the model's linear
    /// layers call from the main thread).
    /// - Parameters:
    ///   - c: `C`, `[m, n]`, fp32.
    ///   - ldc: Row stride of `C`.
    ///   - a: `A`, `[m, k]` as stored (or `[k, m]` when transposed).
    ///   - b: `B`, `[k, n]` as stored (or `[n, k]` when transposed).
    ///   - m: Rows of `C` and of `op(A)`.
    ///   - n: Columns of `C` and of `op(B)`.
    ///   - k: Columns of `op(A)`, rows of `op(B)`.
    ///   - alpha: Scale of the product.
    ///   - beta: Scale of the existing `C`; `1` accumulates. Must be 0 with a `bias`.
    ///   - bias: `[n]`, added to every row of `C`, or `nil`.
    ///   - precision: The element type the product runs in.
    /// - Complexity: O(m·n·k), plus O(m·k + k·n) to convert fp32 operands to bf16.
    public static func multiply(
        _ c: UnsafeMutablePointer<Float>, rowStride ldc: Int, _ a: GemmOperand, _ b: GemmOperand,
        m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0,
        bias: UnsafePointer<Float>? = nil, precision: Precision = .float32
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "Gemm: negative size m \(m) n \(n) k \(k)")
        let aShape = a.storedShape(rows: m, columns: k)
        let bShape = b.storedShape(rows: k, columns: n)
        precondition(a.rowStride >= max(1, aShape.columns), "Gemm: lda \(a.rowStride) < columns of A \(aShape.columns)")
        precondition(b.rowStride >= max(1, bShape.columns), "Gemm: ldb \(b.rowStride) < columns of B \(bShape.columns)")
        precondition(ldc >= max(1, n), "Gemm: ldc \(ldc) < n \(n)")
        precondition(
            max(m, n, k, a.rowStride, b.rowStride, ldc) <= Int(Int32.max),
            "Gemm: size exceeds 32-bit BLAS")
        precondition(
            precision == .bfloat16 || (!a.isBFloat16 && !b.isBFloat16),
            "Gemm: bf16 operands need precision .bfloat16")
        precondition(bias == nil || beta == 0, "Gemm: a bias with beta \(beta)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            scale(c, rows: m, columns: n, ld: ldc, by: beta)
            if let bias {
                for row in 0..<m { (c + row * ldc).update(from: bias, count: n) }
            }
            return
        }
        let backend = self.backend
        let native = precision == .bfloat16 && backend.runsBFloat16Natively
        let ready = (
            a: a.prepared(slot: 0, shape: aShape, precision: precision, native: native),
            b: b.prepared(slot: 1, shape: bShape, precision: precision, native: native)
        )
        let call = Call(
            c: c, a: ready.a.base, b: ready.b.base, bfloat16: native, backend: backend, m: m,
            n: n, k: k, transposeA: a.isTransposed, transposeB: b.isTransposed, alpha: alpha,
            beta: beta, bias: bias, lda: ready.a.rowStride, ldb: ready.b.rowStride, ldc: ldc)
        let parts = splitCount(m: m, n: n, k: k, bfloat16: native)
        guard parts > 1 else { return call.run(rows: 0..<m, columns: 0..<n) }
        // Split the larger of m and n: each part repacks the whole other operand, a cost of
        // about 2/size of the part's work. k is never split, so every element of C is the
        // same k-sum whatever the number of parts.
        Parallel.concurrentPerform(iterations: parts, context: (call, parts)) { context, part in
            let (call, parts) = context
            if call.m >= call.n {
                call.run(rows: alignedChunk(part, of: parts, items: call.m), columns: 0..<call.n)
            } else {
                call.run(rows: 0..<call.m, columns: alignedChunk(part, of: parts, items: call.n))
            }
        }
    }

    /// One product's arguments, passed to the pool's tasks; `a` and `b` hold fp32 or, when
    /// `bfloat16`, bf16 elements.
    private struct Call {
        let c: UnsafeMutablePointer<Float>
        let a: UnsafeRawPointer
        let b: UnsafeRawPointer
        let bfloat16: Bool
        let backend: GemmBackend
        let m: Int, n: Int, k: Int
        let transposeA: Bool, transposeB: Bool
        let alpha: Float, beta: Float
        let bias: UnsafePointer<Float>?
        let lda: Int, ldb: Int, ldc: Int

        /// The product restricted to `rows` and `columns` of `C`, as one backend call.
        func run(rows: Range<Int>, columns: Range<Int>) {
            guard !rows.isEmpty && !columns.isEmpty else { return }
            let size = bfloat16 ? 2 : 4
            let aOffset = transposeA ? rows.lowerBound : rows.lowerBound * lda
            let bOffset = transposeB ? columns.lowerBound * ldb : columns.lowerBound
            let aPart = a + aOffset * size
            let bPart = b + bOffset * size
            let cPart = c + rows.lowerBound * ldc + columns.lowerBound
            let biasPart = bias.map { $0 + columns.lowerBound }
            let small =
                backend == .oneDNN && !bfloat16
                && Gemm.isSmall(m: rows.count, n: columns.count, k: k, transposeB: transposeB)
            // oneDNN 2.x scales the bias with the product (dst = alpha·(A·B + bias)), so its
            // epilogue takes the bias only when alpha is 1 (every linear layer's).
            let epilogue = backend == .oneDNN && !small && alpha == 1
            var beta = beta
            if let biasPart, !epilogue {
                // No epilogue: the bias rows first, then the product added to them.
                for row in 0..<rows.count {
                    (cPart + row * ldc).update(from: biasPart, count: columns.count)
                }
                beta = 1
            }
            if small {
                // Attention's per-head blocks: a primitive per shape and oneDNN's per-call
                // bookkeeping (7 heap allocations) would cost more than the product.
                swiftbert_small_gemm(
                    transposeA ? 1 : 0, transposeB ? 1 : 0, rows.count, columns.count, k, alpha,
                    aPart.assumingMemoryBound(to: Float.self), lda,
                    bPart.assumingMemoryBound(to: Float.self), ldb, beta, cPart, ldc)
                return
            }
            switch backend {
            case .oneDNN:
                let status = swiftbert_onednn_gemm(
                    Int32(bfloat16 ? SWIFTBERT_ONEDNN_BF16 : SWIFTBERT_ONEDNN_F32),
                    transposeA ? 1 : 0, transposeB ? 1 : 0, rows.count, columns.count, k, alpha,
                    aPart, lda, bPart, ldb, epilogue ? biasPart : nil, beta, cPart, ldc)
                precondition(
                    status == 0,
                    "Gemm: oneDNN refused a \(rows.count)×\(columns.count)×\(k) product (status \(status))")
            case .openBLAS:
                precondition(!bfloat16, "Gemm: OpenBLAS has no bf16 products")
                cblas_sgemm(
                    CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans, Int32(rows.count),
                    Int32(columns.count), Int32(k), alpha, aPart.assumingMemoryBound(to: Float.self),
                    Int32(lda), bPart.assumingMemoryBound(to: Float.self), Int32(ldb), beta, cPart,
                    Int32(ldc))
            }
        }
    }

    /// Sizes the scratch of bf16 conversions for operands of up to `elements` values, so that
    /// no later product allocates (a training loop calls it with its largest operand).
    public static func reserveConversionScratch(elements: Int) {
        GemmScratch.reserve(elements: elements)
    }

    /// `matrix` (`[rows, columns]`, dense) rounded to bf16 bits once, for two products that
    /// both take it (a linear layer's backward: `dOutput` feeds `dInput` and `dWeight`), or
    /// `nil` where the backend has no native bf16 products (the emulation rounds in each).
    ///
    /// The bits live in shared scratch until the next call: use them before converting
    /// another shared operand. Not from inside a parallel region.
    public static func sharedBFloat16(
        _ matrix: UnsafePointer<Float>, rows: Int, columns: Int
    ) -> UnsafePointer<UInt16>? {
        guard backend.runsBFloat16Natively, rows > 0, columns > 0 else { return nil }
        let bits = GemmScratch.slot(GemmScratch.sharedSlot, bytes: rows * columns * 2)
            .assumingMemoryBound(to: UInt16.self)
        BFloat16.packRounded(
            bits: bits, floats: nil, from: matrix, rows: rows, columns: columns, stride: columns)
        return UnsafePointer(bits)
    }

    /// Whether products of `precision` take bf16 operands as they are: bf16 with a backend
    /// that runs them natively (elsewhere bf16 operands are widened first).
    public static func runsBFloat16Natively(_ precision: Precision) -> Bool {
        precision == .bfloat16 && backend.runsBFloat16Natively
    }

    /// Whether an fp32 product is small enough for the in-house kernel (`swiftbert_small_gemm`,
    /// vectorized for the CPU at hand) that the oneDNN backend uses for them.
    static func isSmall(m: Int, n: Int, k: Int, transposeB: Bool) -> Bool {
        let scratch = Int(SWIFTBERT_SMALL_GEMM_SCRATCH)
        return m * n * k <= Int(SWIFTBERT_SMALL_GEMM_LIMIT) && n <= scratch
            && (!transposeB || k * n <= scratch)
    }

    /// Multiply-adds below which a GEMM runs on one thread: splitting costs a few
    /// microseconds of hand-over.
    static let splitThreshold = 1 << 18

    /// Rows or columns of a part are multiples of this (16 floats: one AVX-512 register, two
    /// AVX2 ones), but the last.
    public static let splitAlignment = 16

    /// How many parts `multiply` splits an `m × n × k` product into: 1 with OpenBLAS's own
    /// threading, inside a parallel region, or for small products.
    static func splitCount(m: Int, n: Int, k: Int, bfloat16: Bool = false) -> Int {
        let threads = ThreadSettings.count
        let ownThreads = ThreadSettings.gemmThreading == .openBLAS && backend == .openBLAS
        guard !ownThreads, threads > 1, m * n * k >= splitThreshold,
            !Parallel.isInsideParallelRegion
        else { return 1 }
        // Large native-bf16 products get several parts a thread, taken in turn by whichever
        // thread is free: with one part a thread the first to finish spun while a slower
        // core (a VM's vCPUs drift) finished its part, 5-8 % of a bert-base step in perf.
        // Each part repacks the whole other operand, about 1/(its rows or columns) of its
        // work. Measured on the AMX Xeon (bert bench, alternating builds, 32 × 64): bf16
        // 3.2–3.6 s a step with one part a thread, 2.0–2.8 s with two, 1.9–2.7 s with four;
        // fp32 (longer parts, dearer repacking) 5.2–6.2 s with one, 6.4–7.3 s with four, so
        // fp32 keeps one.
        let work = m * n * k
        let perThread =
            !bfloat16 ? 1 : work >= balanceThreshold ? 4 : work >= balanceThreshold / 4 ? 2 : 1
        return max(1, min(threads * perThread, (max(m, n) + splitAlignment - 1) / splitAlignment))
    }

    /// Multiply-adds from which a split native-bf16 product gets four parts a thread (two
    /// from a quarter of it).
    static let balanceThreshold = 1 << 28

    /// Part `index` of `0..<items` cut into `parts` contiguous runs whose boundaries are
    /// multiples of `splitAlignment`.
    public static func alignedChunk(_ index: Int, of parts: Int, items: Int) -> Range<Int> {
        let blocks = (items + splitAlignment - 1) / splitAlignment
        let lower = min(items, blocks * index / parts * splitAlignment)
        let upper = min(items, blocks * (index + 1) / parts * splitAlignment)
        return lower..<upper
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

    /// The best rate, in GFLOPS, of a `size`³ product in `precision` on `threadCount`
    /// threads with the current backend, best of three runs; with OpenBLAS also one
    /// `cblas_sgemm` on its own threads, and the better of the two. Benchmarks divide by it,
    /// so it is the strictest peak at hand. bf16 operands are converted before timing.
    public static func peakGflops(size n: Int, precision: Precision = .float32) -> Double {
        let count = n * n
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let a16 = UnsafeMutablePointer<UInt16>.allocate(capacity: count)
        let b16 = UnsafeMutablePointer<UInt16>.allocate(capacity: count)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { a.deallocate(); b.deallocate(); a16.deallocate(); b16.deallocate(); c.deallocate() }
        for index in 0..<count {
            a[index] = Float(index % 7) * 0.1
            b[index] = Float(index % 5) * 0.1
        }
        BFloat16.convert(a16, a, count: count)
        BFloat16.convert(b16, b, count: count)
        let clock = ContinuousClock()
        func best(_ body: () -> Void) -> Double {
            body()  // first use: primitives are made, pages touched
            var seconds = Double.infinity
            for _ in 0..<3 {
                let start = clock.now
                body()
                let parts = (clock.now - start).components
                seconds = min(seconds, Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
            }
            return 2 * Double(n * n * n) / seconds / 1e9
        }
        if precision == .bfloat16 {
            return best {
                multiply(
                    c, rowStride: n, GemmOperand(bfloat16: a16, rowStride: n),
                    GemmOperand(bfloat16: b16, rowStride: n), m: n, n: n, k: n,
                    precision: .bfloat16)
            }
        }
        let pooled = best { multiply(c, a, b, m: n, n: n, k: n) }
        guard backend == .openBLAS else { return pooled }
        let threads = ThreadSettings.count
        swiftbert_blas_set_threads(Int32(clamping: threads))
        let native = best {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a,
                Int32(n), b, Int32(n), 0, c, Int32(n))
        }
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

/// One operand of ``Gemm/multiply(_:rowStride:_:_:m:n:k:alpha:beta:precision:)``: where its
/// elements are, their type, the row stride as stored and whether the product reads it
/// transposed.
public struct GemmOperand {
    /// The operand's elements: fp32, or bf16 bits (``BFloat16``).
    public enum Elements {
        case float32(UnsafePointer<Float>)
        case bfloat16(UnsafePointer<UInt16>)
    }

    public var elements: Elements
    /// Elements between consecutive rows as stored.
    public var rowStride: Int
    /// Whether the product reads the stored matrix transposed.
    public var isTransposed: Bool

    /// An fp32 operand.
    public init(_ pointer: UnsafePointer<Float>, rowStride: Int, transposed: Bool = false) {
        elements = .float32(pointer)
        self.rowStride = rowStride
        isTransposed = transposed
    }

    /// A bf16 operand (bits as ``BFloat16/bits(_:)`` makes them).
    public init(bfloat16 pointer: UnsafePointer<UInt16>, rowStride: Int, transposed: Bool = false) {
        elements = .bfloat16(pointer)
        self.rowStride = rowStride
        isTransposed = transposed
    }

    var isBFloat16: Bool {
        if case .bfloat16 = elements { return true }
        return false
    }

    /// The stored matrix's rows and columns when the product reads it as `rows × columns`.
    func storedShape(rows: Int, columns: Int) -> (rows: Int, columns: Int) {
        isTransposed ? (columns, rows) : (rows, columns)
    }

    /// The operand as the backend takes it: itself in an fp32 product; in a bf16 one, bf16
    /// bits when `native`, else fp32 values rounded to bf16, converted into scratch slot
    /// `slot` unless already so.
    func prepared(
        slot: Int, shape: (rows: Int, columns: Int), precision: Precision, native: Bool
    ) -> (base: UnsafeRawPointer, rowStride: Int) {
        if precision == .float32, case .float32(let pointer) = elements {
            return (UnsafeRawPointer(pointer), rowStride)
        }
        let count = shape.rows * shape.columns
        switch (elements, native) {
        case (.bfloat16(let pointer), true):
            return (UnsafeRawPointer(pointer), rowStride)
        case (.float32(let pointer), true):
            let bits = GemmScratch.slot(slot, bytes: count * 2).assumingMemoryBound(to: UInt16.self)
            BFloat16.packRounded(
                bits: bits, floats: nil, from: pointer, rows: shape.rows, columns: shape.columns,
                stride: rowStride)
            return (UnsafeRawPointer(bits), max(1, shape.columns))
        case (.float32(let pointer), false):
            let floats = GemmScratch.slot(slot, bytes: count * 4).assumingMemoryBound(to: Float.self)
            BFloat16.packRounded(
                bits: nil, floats: floats, from: pointer, rows: shape.rows,
                columns: shape.columns, stride: rowStride)
            return (UnsafeRawPointer(floats), max(1, shape.columns))
        case (.bfloat16(let pointer), false):
            let floats = GemmScratch.slot(slot, bytes: count * 4).assumingMemoryBound(to: Float.self)
            BFloat16.packWidened(
                floats, from: pointer, rows: shape.rows, columns: shape.columns, stride: rowStride)
            return (UnsafeRawPointer(floats), max(1, shape.columns))
        }
    }
}

/// The process-wide scratch of bf16 conversions: three slots (one per operand, and one for an
/// operand two products share), and a fourth for a transposed weight, that grow to the
/// largest operand seen and are then reused, so steady-state products allocate nothing.
enum GemmScratch {
    nonisolated(unsafe) private static var slots: [(pointer: UnsafeMutableRawPointer, bytes: Int)] = [
        (UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64), 64),
        (UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64), 64),
        (UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64), 64),
        (UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64), 64),
    ]

    /// The slot ``Gemm/sharedBFloat16(_:rows:columns:)`` converts into: an operand two
    /// products share (slots 0 and 1 are each product's own).
    static let sharedSlot = 2

    /// The slot ``Gemm/transposedWeight(_:rows:columns:)`` writes: a weight matrix, not a
    /// conversion, so ``reserve(elements:)`` leaves it alone.
    static let transposedSlot = 3

    /// Grows the three conversion slots to hold `elements` fp32 values (the largest
    /// conversion of the run).
    static func reserve(elements: Int) {
        for index in 0...sharedSlot { _ = slot(index, bytes: elements * 4) }
    }

    /// The bytes slot `index` holds now.
    static func capacity(_ index: Int) -> Int { slots[index].bytes }

    /// Slot `index` with room for `bytes`, grown (once) if it is smaller.
    static func slot(_ index: Int, bytes: Int) -> UnsafeMutableRawPointer {
        precondition(
            !Parallel.isInsideParallelRegion, "Gemm: a bf16 conversion inside a parallel region")
        if slots[index].bytes < bytes {
            slots[index].pointer.deallocate()
            slots[index] = (UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64), bytes)
        }
        return slots[index].pointer
    }
}
