// swift-bert — numeric kernels.
//
// Threads: one global count, deterministic chunking, reductions in a fixed order.

import Dispatch
import Foundation
import _CBLAS

/// The number of threads that every kernel, and OpenBLAS, may use (`Kernels.threadCount`).
///
/// Defaults to `ProcessInfo.activeProcessorCount`. Setting it also sets OpenBLAS's thread
/// count. Every kernel gives bit-identical results run to run for one thread count; most give
/// the same bits for any thread count (each kernel's documentation says which).
///
/// Set it before starting work, from one thread: it is read once at the start of each kernel
/// and is not synchronized with kernels that are running.
public var threadCount: Int {
    get { ThreadSettings.count }
    set {
        precondition(newValue >= 1, "threadCount must be at least 1, got \(newValue)")
        ThreadSettings.count = newValue
        swiftbert_blas_set_threads(Int32(clamping: newValue))
    }
}

/// Storage for `threadCount`; its lazy initializer also configures OpenBLAS.
enum ThreadSettings {
    nonisolated(unsafe) static var count: Int = {
        let count = max(1, ProcessInfo.processInfo.activeProcessorCount)
        swiftbert_blas_set_threads(Int32(clamping: count))
        return count
    }()

    /// Runs `body`, with OpenBLAS limited to one thread when `condition` holds.
    ///
    /// For GEMMs issued from inside a parallel loop, which already uses every core. Restores
    /// `threadCount` threads afterwards.
    static func withSingleThreadedBLASIf(_ condition: Bool, _ body: () -> Void) {
        let threads = count
        guard condition, threads > 1 else { return body() }
        swiftbert_blas_set_threads(1)
        body()
        swiftbert_blas_set_threads(Int32(clamping: threads))
    }
}

/// A value declared safe to share across threads by the code that uses it.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
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

    /// Calls `body` once per chunk of `0..<items`, concurrently when there is more than one.
    ///
    /// `body` must write only to memory that belongs to its range.
    /// - Parameters:
    ///   - items: The number of items to split.
    ///   - minimumChunkSize: The fewest items worth giving to one thread.
    ///   - body: Called with the chunk's index and its range of items.
    public static func forEachChunk(
        items: Int, minimumChunkSize: Int = 1,
        _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
    ) {
        guard items > 0 else { return }
        let chunks = chunkCount(items: items, minimumChunkSize: minimumChunkSize)
        if chunks == 1 {
            body(0, 0..<items)
            return
        }
        concurrentPerform(iterations: chunks) { index in
            body(index, chunk(index, of: chunks, items: items))
        }
    }

    /// `DispatchQueue.concurrentPerform` for a non-`Sendable` body.
    ///
    /// Kernels capture raw buffer pointers, which are not `Sendable`; each iteration writes
    /// only its own part of them, which is what makes sharing them safe.
    public static func concurrentPerform(iterations: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: iterations) { box.value($0) }
        }
    }

    /// Adds the column sums of a row-major `[rows, columns]` matrix into `sums`.
    ///
    /// `sums[c] += matrix[0][c] + matrix[1][c] + …`, adding the rows one after the other in
    /// order, with columns split over threads: the same bits for any thread count.
    /// - Parameters:
    ///   - sums: `[columns]`, accumulated into.
    ///   - matrix: `[rows, columns]`, row-major.
    ///   - rows: Rows of `matrix`.
    ///   - columns: Columns of `matrix`.
    public static func accumulateColumnSums(
        _ sums: UnsafeMutablePointer<Float>, _ matrix: UnsafePointer<Float>, rows: Int,
        columns: Int
    ) {
        forEachChunk(items: columns, minimumChunkSize: columnGrain(rows: rows)) { _, range in
            let lower = range.lowerBound
            let width = range.count
            let output = sums + lower
            for row in 0..<rows {
                let source = matrix + row * columns + lower
                for c in 0..<width { output[c] += source[c] }
            }
        }
    }

    /// The minimum columns per chunk for a column-split pass over `rows` rows.
    static func columnGrain(rows: Int) -> Int {
        max(16, elementwiseGrain / max(1, rows))
    }
}
