// swift-bert — numeric kernels.
//
// Threads: one global count, deterministic chunking, reductions in a fixed order.

import Foundation
import _CBLAS
import _ThreadPool
import _VectorKernels

/// The number of threads that every kernel, and OpenBLAS, may use (`Kernels.threadCount`).
///
/// Defaults to `ProcessInfo.activeProcessorCount`. Every kernel gives bit-identical results
/// run to run for one thread count; most give the same bits for any thread count (each
/// kernel's documentation says which).
///
/// Set it before starting work, from one thread: it is read once at the start of each kernel
/// and is not synchronized with kernels that are running.
public var threadCount: Int {
    get { ThreadSettings.count }
    set {
        precondition(newValue >= 1, "threadCount must be at least 1, got \(newValue)")
        ThreadSettings.count = newValue
        ThreadSettings.configureBLAS(threads: newValue)
    }
}

/// Who runs the threads of a large GEMM.
public enum GemmThreading: String, Sendable {
    /// One pool for everything: GEMMs are split over the pool's threads by rows or columns,
    /// each part a single-threaded `cblas_sgemm`. The default: on this project's 2-core
    /// machine as fast as OpenBLAS's threads or faster (Benchmarks/README.md), and it keeps
    /// one set of threads.
    case pool
    /// OpenBLAS's own threads run each GEMM; the pool runs the other kernels. Selected with
    /// `SWIFT_BERT_GEMM_THREADS=openblas`, for comparison.
    case openBLAS = "openblas"
}

/// Storage for `threadCount`; its lazy initializer also configures OpenBLAS.
enum ThreadSettings {
    nonisolated(unsafe) static var count: Int = {
        let count = max(1, ProcessInfo.processInfo.activeProcessorCount)
        configureBLAS(threads: count)
        return count
    }()

    /// `SWIFT_BERT_GEMM_THREADS` (`pool` or `openblas`), read once.
    static let gemmThreading: GemmThreading = {
        let value = ProcessInfo.processInfo.environment["SWIFT_BERT_GEMM_THREADS"] ?? ""
        return GemmThreading(rawValue: value.lowercased()) ?? .pool
    }()

    /// OpenBLAS gets one thread in `.pool` mode (our tasks call it), `threads` otherwise.
    static func configureBLAS(threads: Int) {
        swiftbert_blas_set_threads(Int32(clamping: gemmThreading == .pool ? 1 : threads))
    }

    /// Runs `body`, with OpenBLAS limited to one thread when `condition` holds.
    ///
    /// For GEMMs issued from inside a parallel loop, which already uses every core. Restores
    /// `threadCount` threads afterwards. In `.pool` mode OpenBLAS always has one thread.
    static func withSingleThreadedBLASIf(_ condition: Bool, _ body: () -> Void) {
        let threads = count
        guard condition, threads > 1, gemmThreading == .openBLAS else { return body() }
        swiftbert_blas_set_threads(1)
        body()
        swiftbert_blas_set_threads(Int32(clamping: threads))
    }
}

/// Splits loops into contiguous chunks that run on `threadCount` threads.
///
/// Chunk boundaries depend only on the item count, the minimum chunk size and `threadCount`,
/// never on timing. Kernels that sum across rows (`dWeight`, `dBias`, LayerNorm's parameter
/// gradients, embedding scatter-adds) split over *columns* instead, so every column's sum runs
/// over the rows in one fixed order on one thread: no partial buffers are needed and the bits
/// do not even depend on the thread count.
public enum Parallel {
    /// Elements below which an elementwise loop is not worth splitting.
    public static let elementwiseGrain = 16_384

    /// The number of chunks `forEachChunk` uses for `items` items.
    /// - Parameters:
    ///   - items: The number of items (rows, columns or elements) to split.
    ///   - minimumChunkSize: The fewest items worth giving to one thread.
    /// - Returns: A number in `1...max(1, threadCount)`.
    public static func chunkCount(items: Int, minimumChunkSize: Int = 1) -> Int {
        let byWork = items / max(1, minimumChunkSize)
        return max(1, min(threadCount, byWork))
    }

    /// The items of chunk `index` when `items` items are split into `chunks` chunks.
    ///
    /// Chunks are contiguous, in order, cover `0..<items` exactly and differ in size by at
    /// most one.
    @inlinable
    public static func chunk(_ index: Int, of chunks: Int, items: Int) -> Range<Int> {
        (items * index / chunks)..<(items * (index + 1) / chunks)
    }

    /// Calls `body(context, chunk, range)` once per chunk of `0..<items`, concurrently when
    /// there is more than one.
    ///
    /// `body` must write only to memory that belongs to its range, and must capture nothing:
    /// what it needs travels in `context` (pointers, sizes), so that no closure context is
    /// boxed on the heap. A capturing `body` still works but allocates once per call, which
    /// `StepAllocationTests` would catch in the training step.
    /// - Parameters:
    ///   - items: The number of items to split.
    ///   - minimumChunkSize: The fewest items worth giving to one thread.
    ///   - context: The values `body` works with.
    ///   - body: Called with `context`, the chunk's index and its range of items.
    @inline(__always)
    public static func forEachChunk<Context>(
        items: Int, minimumChunkSize: Int = 1, context: Context,
        _ body: @escaping (_ context: Context, _ chunk: Int, _ range: Range<Int>) -> Void
    ) {
        guard items > 0 else { return }
        let chunks = chunkCount(items: items, minimumChunkSize: minimumChunkSize)
        if chunks == 1 {
            body(context, 0, 0..<items)
            return
        }
        // The body is reached through a pointer to a typed stack slot: a closure carried
        // inside a tuple context would be reabstracted, a heap allocation per iteration.
        withUnsafeTemporaryAllocation(of: ChunkTask<Context>.self, capacity: 1) { slot in
            let task = slot.baseAddress!
            task.initialize(to: ChunkTask(context: context, body: body, chunks: chunks, items: items))
            defer { task.deinitialize(count: 1) }
            concurrentPerform(iterations: chunks, context: UnsafePointer(task)) { task, index in
                task.pointee.body(
                    task.pointee.context, index,
                    chunk(index, of: task.pointee.chunks, items: task.pointee.items))
            }
        }
    }

    /// Runs `body(context, index)` for every index of `0..<iterations` on the thread pool
    /// (`_ThreadPool`), the caller included, with at most `threadCount` threads; returns when
    /// every call has returned.
    ///
    /// Kernels pass raw buffer pointers in `context`, which are not `Sendable`; each
    /// iteration writes only its own part of them, which is what makes sharing them safe.
    /// `body` must capture nothing (see `forEachChunk(items:minimumChunkSize:context:_:)`);
    /// then a call allocates nothing: the task lives on this stack frame. A call from inside
    /// an iteration runs on the calling thread.
    @inline(__always)
    public static func concurrentPerform<Context>(
        iterations: Int, context: Context, _ body: @escaping (_ context: Context, Int) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: TypedTask<Context>.self, capacity: 1) { typedSlot in
            let typed = typedSlot.baseAddress!
            typed.initialize(to: TypedTask(context: context, body: body))
            defer { typed.deinitialize(count: 1) }
            withUnsafeTemporaryAllocation(of: ErasedTask.self, capacity: 1) { erasedSlot in
                let erased = erasedSlot.baseAddress!
                erased.initialize(
                    to: ErasedTask(state: UnsafeRawPointer(typed)) { state, index in
                        let task = state.assumingMemoryBound(to: TypedTask<Context>.self)
                        task.pointee.body(task.pointee.context, index)
                    })
                defer { erased.deinitialize(count: 1) }
                swiftbert_pool_run(
                    iterations,
                    { pointer, index in
                        let task = pointer!.assumingMemoryBound(to: ErasedTask.self)
                        task.pointee.invoke(task.pointee.state, index)
                    }, erased, Int32(clamping: threadCount))
            }
        }
    }

    /// A `forEachChunk` body and its split, in the caller's stack frame.
    private struct ChunkTask<Context> {
        let context: Context
        let body: (Context, Int, Range<Int>) -> Void
        let chunks: Int
        let items: Int
    }

    /// A task and what it works on, in the caller's stack frame.
    private struct TypedTask<Context> {
        let context: Context
        let body: (Context, Int) -> Void
    }

    /// A `TypedTask` behind a non-generic call, as the pool's C code can hold it.
    private struct ErasedTask {
        let state: UnsafeRawPointer
        let invoke: (UnsafeRawPointer, Int) -> Void
    }

    /// Whether the calling thread is inside a `concurrentPerform` iteration (where a nested
    /// split would run serially anyway).
    public static var isInsideParallelRegion: Bool { swiftbert_pool_in_task() != 0 }

    /// Adds the column sums of a row-major `[rows, columns]` matrix into `sums`.
    ///
    /// `sums[c] += matrix[0][c] + matrix[1][c] + …`, adding the rows one after the other in
    /// order, with columns split over threads: the same bits for any thread count (the loop
    /// is C, `swiftbert_accumulate_column_sums`, compiled for the CPU at hand). `sums` must not
    /// overlap `matrix`.
    /// - Parameters:
    ///   - sums: `[columns]`, accumulated into.
    ///   - matrix: `[rows, columns]`, row-major.
    ///   - rows: Rows of `matrix`.
    ///   - columns: Columns of `matrix`.
    public static func accumulateColumnSums(
        _ sums: UnsafeMutablePointer<Float>, _ matrix: UnsafePointer<Float>, rows: Int,
        columns: Int
    ) {
        forEachChunk(
            items: columns, minimumChunkSize: columnGrain(rows: rows),
            context: (sums, matrix, rows, columns)
        ) { context, _, range in
            let (sums, matrix, rows, columns) = context
            swiftbert_accumulate_column_sums(
                sums, matrix, rows, columns, range.lowerBound, range.upperBound)
        }
    }

    /// The minimum columns per chunk for a column-split pass over `rows` rows.
    static func columnGrain(rows: Int) -> Int {
        max(16, elementwiseGrain / max(1, rows))
    }
}
