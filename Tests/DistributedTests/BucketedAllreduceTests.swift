// swift-bert — Distributed tests.

import Distributed
import XCTest

final class BucketedAllreduceTests: XCTestCase {
    /// With one process the engine only tracks its buckets: values stay as they are, and
    /// the engine is ready for the next step after each wait.
    func testSingleProcessBucketsLeaveTheBufferAsItIs() throws {
        let communicator = Communicator.singleProcess()
        var values = (0..<1000).map { Float($0) * 0.5 - 7 }
        let original = values
        try values.withUnsafeMutableBufferPointer { buffer in
            for order in ReductionOrder.allCases {
                let engine = BucketedAllreduce(
                    communicator: communicator, buffer: buffer, capacity: 3, order: order)
                XCTAssertEqual(engine.capacity, 3)
                for _ in 0..<2 {
                    try engine.start(600..<1000)
                    try engine.progress()
                    try engine.start(0..<1)
                    try engine.start(1..<600)
                    XCTAssertEqual(engine.pending, 3)
                    try engine.waitAll()
                    XCTAssertEqual(engine.pending, 0)
                }
                try engine.waitAll()
                try engine.progress()
            }
        }
        XCTAssertEqual(values, original)
    }
}
