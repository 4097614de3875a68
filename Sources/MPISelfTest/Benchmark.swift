// swift-bert — bert-mpi-selftest: every Distributed operation under mpirun.

import Distributed
import Foundation

/// All-reduce times of gradient-sized Float buffers: blocking and in 25 MiB buckets, each
/// reduction order; the best of 3 runs after one warm-up, on rank 0.
struct Benchmark {
    let communicator: Communicator
    let report: Report

    func run(counts: [Int]) throws {
        for count in counts {
            var gradient = [Float](repeating: 1, count: count)
            try gradient.withUnsafeMutableBufferPointer { buffer in
                for order in ReductionOrder.allCases {
                    let blocking = try time { try communicator.allreduceSum(buffer, order: order) }
                    let plan = GradientBuckets(
                        segments: [0..<count], capacity: GradientBuckets.defaultCapacity)
                    let engine = BucketedAllreduce(
                        communicator: communicator, buffer: buffer,
                        capacity: plan.buckets.count, order: order)
                    let bucketed = try time {
                        for bucket in plan.buckets { try engine.start(bucket) }
                        try engine.waitAll()
                    }
                    report.say(
                        "info benchmark \(count) floats \(order.rawValue): blocking "
                            + String(format: "%.3f s, ", blocking)
                            + "\(plan.buckets.count) buckets " + String(format: "%.3f s", bucketed))
                    // A backward pass simulated by busy work as long as the blocking sum,
                    // in one slice per bucket: each bucket starts after its slice, with a
                    // progress call; against the same work followed by the blocking sum.
                    let work = blocking
                    let serial = try time {
                        spin(work)
                        try communicator.allreduceSum(buffer, order: order)
                    }
                    let overlapped = try time {
                        for bucket in plan.buckets {
                            spin(work / Double(plan.buckets.count))
                            try engine.start(bucket)
                            try engine.progress()
                        }
                        try engine.waitAll()
                    }
                    report.say(
                        "info benchmark \(count) floats \(order.rawValue): work + blocking "
                            + String(format: "%.3f s, ", serial)
                            + String(format: "work with buckets %.3f s", overlapped))
                }
            }
        }
    }

    /// Busy work on this thread for `seconds`, calling no MPI.
    private func spin(_ seconds: Double) {
        let until = Date().addingTimeInterval(seconds)
        while Date() < until {}
    }

    private func time(_ body: () throws -> Void) throws -> Double {
        try body()
        var best = Double.infinity
        for _ in 0..<3 {
            try communicator.barrier()
            let begin = Date()
            try body()
            best = min(best, Date().timeIntervalSince(begin))
        }
        return best
    }
}
