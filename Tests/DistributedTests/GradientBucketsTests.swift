// swift-bert — Distributed tests.

import Distributed
import Randomness
import XCTest

final class GradientBucketsTests: XCTestCase {
    /// A BERT-like layout: embeddings, layers, head, ready from the end of the buffer down.
    func testBertLayoutBucketsAreRunsOfWholeLayersFromTheTop() {
        let embeddings = 0..<1000
        let layers = (0..<4).map { 1000 + $0 * 300..<1000 + ($0 + 1) * 300 }
        let head = 2200..<2210
        let segments = [head] + layers.reversed() + [embeddings]
        let plan = GradientBuckets(segments: segments, capacity: 700)
        // The head joins layers 3 and 2 (610 ≤ 700), layer 1 opens the next bucket, the
        // embeddings are cut from the top and their bottom piece is the last bucket.
        XCTAssertEqual(plan.buckets, [1600..<2210, 1000..<1600, 300..<1000, 0..<300])
        XCTAssertEqual(plan.completed, [0..<0, 0..<0, 0..<1, 1..<1, 1..<2, 2..<4])
    }

    func testSegmentsThatAreNotAdjacentNeverShareABucket() {
        let plan = GradientBuckets(segments: [0..<10, 20..<30, 10..<20], capacity: 100)
        XCTAssertEqual(plan.buckets, [0..<10, 10..<30])
        XCTAssertEqual(plan.completed, [0..<1, 1..<1, 1..<2])
    }

    func testDefaultCapacityIsDDPs25MiB() {
        XCTAssertEqual(GradientBuckets.defaultCapacity * 4, 25 * 1024 * 1024)
        let plan = GradientBuckets(segments: [0..<22_713_216])
        XCTAssertEqual(plan.buckets.count, 4)
        XCTAssertEqual(plan.buckets.first, (22_713_216 - 6_553_600)..<22_713_216)
    }

    /// Random layouts: the buckets tile the segments, each is at most `capacity`, and each
    /// starts only once all of its elements' segments are ready, at the first such segment.
    func testRandomLayoutsTileTheBufferAndStartWhenReady() {
        var generator = SeededGenerator(seed: 2024)
        for trial in 0..<200 {
            let count = 1 + generator.nextIndex(below: 400)
            let capacity = 1 + generator.nextIndex(below: 60)
            var bounds = [0]
            while let last = bounds.last, last < count {
                bounds.append(min(count, last + 1 + generator.nextIndex(below: 90)))
            }
            var segments = zip(bounds, bounds.dropFirst()).map { $0..<$1 }
            if trial % 2 == 0 { segments.reverse() }
            if trial % 5 == 0 { generator.shuffle(&segments) }
            let label = "trial \(trial): \(segments), capacity \(capacity)"
            let plan = GradientBuckets(segments: segments, capacity: capacity)
            var owner = [Int](repeating: -1, count: count)
            for (index, segment) in segments.enumerated() { for i in segment { owner[i] = index } }
            var covered = [Int](repeating: 0, count: count)
            for bucket in plan.buckets {
                XCTAssertFalse(bucket.isEmpty, label)
                XCTAssertLessThanOrEqual(bucket.count, capacity, label)
                for i in bucket { covered[i] += 1 }
            }
            XCTAssertEqual(covered, [Int](repeating: 1, count: count), label)
            XCTAssertEqual(plan.completed.count, segments.count, label)
            var next = 0
            for (index, ready) in plan.completed.enumerated() {
                XCTAssertEqual(ready.lowerBound, next, label)
                next = ready.upperBound
                for bucket in ready {
                    let needs = plan.buckets[bucket].map { owner[$0] }.max() ?? -1
                    XCTAssertEqual(needs, index, "\(label): bucket \(bucket)")
                }
            }
            XCTAssertEqual(next, plan.buckets.count, label)
        }
    }
}
