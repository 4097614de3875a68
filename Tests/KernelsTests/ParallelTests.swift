// swift-bert — Kernels tests: Parallel.

import Kernels
import XCTest

final class ParallelTests: XCTestCase {
    func testChunksCoverEveryItemOnceInOrder() {
        for items in [0, 1, 7, 100, 1_001] {
            for chunks in 1...5 {
                let ranges = (0..<chunks).map { Parallel.chunk($0, of: chunks, items: items) }
                XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<items), "\(items)/\(chunks)")
                let sizes = ranges.map(\.count)
                XCTAssertLessThanOrEqual(
                    (sizes.max() ?? 0) - (sizes.min() ?? 0), 1, "\(items)/\(chunks)")
            }
        }
    }

    func testForEachChunkVisitsEveryItemOnce() {
        let items = 100_003
        let visits = UnsafeMutablePointer<Int32>.allocate(capacity: items)
        defer { visits.deallocate() }
        visits.initialize(repeating: 0, count: items)
        withThreadCount(3) {
            Parallel.forEachChunk(items: items, minimumChunkSize: 1_000, context: visits) {
                visits, _, range in
                for i in range { visits[i] += 1 }
            }
        }
        XCTAssertTrue(UnsafeBufferPointer(start: visits, count: items).allSatisfy { $0 == 1 })
    }

    func testChunkCountRespectsThreadsAndMinimumSize() {
        withThreadCount(4) {
            XCTAssertEqual(Parallel.chunkCount(items: 10, minimumChunkSize: 100), 1)
            XCTAssertEqual(Parallel.chunkCount(items: 250, minimumChunkSize: 100), 2)
            XCTAssertEqual(Parallel.chunkCount(items: 1_000_000, minimumChunkSize: 100), 4)
        }
    }

    func testColumnSumsAddRowsInOrder() {
        let matrix: [Float] = [1, 2, 3, 4, 5, 6]  // [2, 3]
        var sums: [Float] = [10, 20, 30]
        Parallel.accumulateColumnSums(&sums, matrix, rows: 2, columns: 3)
        XCTAssertEqual(sums, [15, 27, 39])
    }

    /// Wide enough for 64-column register blocks, a ragged tail and a split over threads:
    /// the same bits as adding each row in turn, on 1 to 3 threads.
    func testColumnSumsEqualRowByRowAdditionOnEveryThreadCount() {
        var random = TestRandom(seed: 5)
        let (rows, columns) = (300, 3_001)
        let matrix = random.floats(rows * columns)
        let start = random.floats(columns)
        var expected = start
        for row in 0..<rows {
            for column in 0..<columns { expected[column] += matrix[row * columns + column] }
        }
        for threads in 1...3 {
            var sums = start
            withThreadCount(threads) {
                Parallel.accumulateColumnSums(&sums, matrix, rows: rows, columns: columns)
            }
            XCTAssertEqual(sums, expected, "threads \(threads)")
        }
    }

    func testConcurrentPerformRunsEveryIterationOnceAcrossManyJobs() {
        let iterations = 7
        let visits = UnsafeMutablePointer<Int32>.allocate(capacity: iterations)
        defer { visits.deallocate() }
        visits.initialize(repeating: 0, count: iterations)
        withThreadCount(3) {
            for _ in 0..<2_000 {  // back-to-back jobs: workers spin, sleep and wake between them
                Parallel.concurrentPerform(iterations: iterations, context: visits) {
                    visits, index in visits[index] += 1
                }
            }
        }
        XCTAssertEqual(Array(UnsafeBufferPointer(start: visits, count: iterations)),
            Array(repeating: 2_000, count: iterations))
    }

    func testNestedConcurrentPerformRunsInsideTheIteration() {
        let cells = UnsafeMutablePointer<Int32>.allocate(capacity: 16)
        defer { cells.deallocate() }
        cells.initialize(repeating: 0, count: 16)
        withThreadCount(2) {
            XCTAssertFalse(Parallel.isInsideParallelRegion)
            Parallel.concurrentPerform(iterations: 4, context: cells) { cells, outer in
                XCTAssertTrue(Parallel.isInsideParallelRegion)
                Parallel.concurrentPerform(iterations: 4, context: cells + outer * 4) {
                    row, inner in row[inner] += 1
                }
            }
            XCTAssertFalse(Parallel.isInsideParallelRegion)
        }
        XCTAssertTrue(UnsafeBufferPointer(start: cells, count: 16).allSatisfy { $0 == 1 })
    }
}
