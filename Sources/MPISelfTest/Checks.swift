// swift-bert — bert-mpi-selftest: every Distributed operation under mpirun.

import Distributed
import Foundation
import Randomness

/// Every collective on data that each rank can recompute for all ranks.
struct Checks {
    let communicator: Communicator
    let report: Report
    var rank: Int { communicator.rank }
    var size: Int { communicator.size }

    func runAll() throws {
        let launch = LaunchEnvironment()
        report.check(
            "environment",
            communicator.usesMPI
                ? launch.worldSize == size && launch.worldRank == rank : !launch.isUnderMPI,
            "launcher says rank \(String(describing: launch.worldRank)) of "
                + "\(String(describing: launch.worldSize)), MPI says \(rank) of \(size)")
        report.say("info size \(size)")
        report.say("info host \(try communicator.processorName())")
        report.say("info threads-per-rank \(launch.defaultThreadsPerRank())")
        for count in [1, max(size - 1, 1), 1009] { try sums(count: count) }
        // Past the 4 Mi elements of one round of a blocking rank-order sum (run from 3 ranks
        // on; 2 ranks use Open MPI's sum, which has the same bits).
        if size >= 3 { try sums(count: (1 << 22) + 3, orders: [.rankOrder], doubles: false) }
        try buckets(count: 50_021, capacity: 4_099)
        try buckets(count: 7, capacity: 2)
        try overlap(count: 1 << 20)
        try broadcasts()
        try gathers()
        try communicator.barrier()
        report.check("barrier", true)
    }

    /// Rank `r`'s values: seeded by `r`, mixed signs and magnitudes, so the sum's rounding
    /// depends on its order. Doubles, rounded to `Float` for the `Float` checks.
    static func values(rank: Int, count: Int, seed: UInt64) -> [Double] {
        var generator = SeededGenerator(seed: seed &+ UInt64(rank) &* 7919)
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count {
            values[i] = (generator.nextUniformDouble() * 2 - 1) * Double(1 << (i % 11))
        }
        return values
    }

    /// Rank `r`'s `Float` values: the same mix from Knuth's MMIX linear congruential
    /// generator, cheap enough for millions of values in a debug build.
    static func floats(rank: Int, count: Int, seed: UInt64) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(rank) &* 0xD1B5_4A32_D192_ED03
            for i in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let unit = Float(Int32(truncatingIfNeeded: state >> 40) - (1 << 23)) / 8_388_608
                buffer[i] = unit * Float(1 << (i % 11))
            }
            initialized = count
        }
    }

    /// `((x₀ + x₁) + x₂) + …` per element in `Float`, and the bound of any order's rounding
    /// error (`size · ε · Σ|xᵣ|`).
    func floatSum(count: Int, seed: UInt64) -> (sum: [Float], tolerance: [Float]) {
        var sum = Self.floats(rank: 0, count: count, seed: seed)
        var magnitude = sum.map { abs($0) }
        sum.withUnsafeMutableBufferPointer { sum in
            magnitude.withUnsafeMutableBufferPointer { magnitude in
                for r in 1..<max(size, 1) {
                    Self.floats(rank: r, count: count, seed: seed).withUnsafeBufferPointer { x in
                        for i in 0..<count {
                            sum[i] += x[i]
                            magnitude[i] += abs(x[i])
                        }
                    }
                }
                let scale = Float(size) * Float.ulpOfOne
                for i in 0..<count { magnitude[i] *= scale }
            }
        }
        return (sum, magnitude)
    }

    /// The same in `Double`.
    func doubleSum(count: Int, seed: UInt64) -> (sum: [Double], tolerance: [Double]) {
        var sum = Self.values(rank: 0, count: count, seed: seed)
        var magnitude = sum.map { abs($0) }
        for r in 1..<max(size, 1) {
            let x = Self.values(rank: r, count: count, seed: seed)
            for i in 0..<count {
                sum[i] += x[i]
                magnitude[i] += abs(x[i])
            }
        }
        return (sum, magnitude.map { $0 * Double(size) * Double.ulpOfOne })
    }

    func sums(
        count: Int, orders: [ReductionOrder] = ReductionOrder.allCases, doubles: Bool = true
    ) throws {
        let seed = UInt64(count)
        let expected = floatSum(count: count, seed: seed)
        for order in orders {
            var x = Self.floats(rank: rank, count: count, seed: seed)
            try x.withUnsafeMutableBufferPointer { try communicator.allreduceSum($0, order: order) }
            let name = "sum-Float-\(order.rawValue)-\(count)"
            verify(name, x, expected, exact: order == .rankOrder)
            x.withUnsafeBufferPointer { report.say("digest \(name) \(Report.digest($0))") }
        }
        guard doubles else { return }
        let expectedDouble = doubleSum(count: count, seed: seed)
        for order in orders {
            var x = Self.values(rank: rank, count: count, seed: seed)
            try x.withUnsafeMutableBufferPointer { try communicator.allreduceSum($0, order: order) }
            let name = "sum-Double-\(order.rawValue)-\(count)"
            verify(name, x, expectedDouble, exact: order == .rankOrder)
            x.withUnsafeBufferPointer { report.say("digest \(name) \(Report.digest($0))") }
        }
    }

    /// Checks `actual` against the rank-order sum: the same bits (`exact`), or within the
    /// rounding bound of any order.
    /// The `Float` case as a plain loop: the generic one is slow for millions of values in a
    /// debug build.
    func verify(
        _ name: String, _ actual: [Float], _ expected: (sum: [Float], tolerance: [Float]),
        exact: Bool, scale: Float = 1
    ) {
        var bad: Int?
        actual.withUnsafeBufferPointer { actual in
            expected.sum.withUnsafeBufferPointer { sum in
                expected.tolerance.withUnsafeBufferPointer { tolerance in
                    for i in 0..<actual.count {
                        let want = sum[i] * scale
                        let wrong =
                            exact ? actual[i] != want : abs(actual[i] - want) > tolerance[i] * scale
                        if wrong {
                            bad = i
                            break
                        }
                    }
                }
            }
        }
        report.check(
            name, bad == nil,
            bad.map { "element \($0): \(actual[$0]) vs \(expected.sum[$0] * scale)" } ?? "")
    }

    func verify<T: BinaryFloatingPoint>(
        _ name: String, _ actual: [T], _ expected: (sum: [T], tolerance: [T]), exact: Bool,
        scale: T = 1
    ) {
        let bad = actual.indices.first { i in
            let want = expected.sum[i] * scale
            return exact ? actual[i] != want : abs(actual[i] - want) > expected.tolerance[i] * scale
        }
        report.check(
            name, bad == nil,
            bad.map { "element \($0): \(actual[$0]) vs \(expected.sum[$0] * scale)" } ?? "")
    }

    /// Uneven segments ready from the buffer's end to its start (as a backward pass frees
    /// them), bucketed and started as each completes, with progress calls in between; two
    /// steps on one engine. Rank order must give the blocking rank-order bits exactly.
    func buckets(count: Int, capacity: Int) throws {
        var bounds = [count]
        var generator = SeededGenerator(seed: 99)
        while let last = bounds.last, last > 0 {
            bounds.append(max(0, last - 1 - generator.nextIndex(below: 2 * capacity)))
        }
        let segments = zip(bounds.dropFirst(), bounds).map { $0..<$1 }
        let plan = GradientBuckets(segments: segments, capacity: capacity)
        let covered = plan.buckets.reduce(0) { $0 + $1.count }
        let fits = plan.buckets.allSatisfy { $0.count <= capacity }
        report.check(
            "bucket-plan-\(count)", covered == count && fits,
            "buckets cover \(covered) of \(count), all within \(capacity): \(fits)")
        let expected = floatSum(count: count, seed: 5)
        for order in ReductionOrder.allCases {
            var gradient = [Float](repeating: .nan, count: count)
            let mine = Self.floats(rank: rank, count: count, seed: 5)
            try gradient.withUnsafeMutableBufferPointer { buffer in
                let engine = BucketedAllreduce(
                    communicator: communicator, buffer: buffer, capacity: plan.buckets.count,
                    order: order)
                for step in 0..<2 {
                    for (index, segment) in segments.enumerated() {
                        for i in segment { buffer[i] = mine[i] * Float(step + 1) }
                        for bucket in plan.completed[index] {
                            try engine.start(plan.buckets[bucket])
                        }
                        try engine.progress()
                    }
                    try engine.waitAll()
                    let name = "buckets-\(order.rawValue)-\(count)-step\(step)"
                    verify(
                        name, Array(buffer), expected, exact: order == .rankOrder,
                        scale: Float(step + 1))
                    report.say("digest \(name) \(Report.digest(UnsafeBufferPointer(buffer)))")
                }
            }
        }
        // The blocking sum of the same values, for comparison with the digests above.
        for order in ReductionOrder.allCases {
            var blocking = Self.floats(rank: rank, count: count, seed: 5)
            try blocking.withUnsafeMutableBufferPointer {
                try communicator.allreduceSum($0, order: order)
                let digest = Report.digest(UnsafeBufferPointer($0))
                report.say("digest blocking-\(order.rawValue)-\(count) \(digest)")
            }
        }
    }

    /// One large bucket started, then busy work as long as a blocking sum of it takes, in
    /// 12 slices with a progress call after each, then the wait: how much of the transfer
    /// the work hid (informational; speed is never asserted).
    func overlap(count: Int) throws {
        let original = Self.floats(rank: rank, count: count, seed: 11)
        let expected = floatSum(count: count, seed: 11)
        var gradient = original
        try gradient.withUnsafeMutableBufferPointer { buffer in
            try communicator.barrier()
            let blockingBegin = Date()
            try communicator.allreduceSum(buffer)
            let blocking = Date().timeIntervalSince(blockingBegin)
            _ = buffer.update(fromContentsOf: original)
            let engine = BucketedAllreduce(
                communicator: communicator, buffer: buffer, capacity: 1)
            try communicator.barrier()
            let begin = Date()
            try engine.start(0..<count)
            for slice in 1...12 {
                let until = begin.addingTimeInterval(blocking * Double(slice) / 12)
                while Date() < until {}
                try engine.progress()
            }
            let waitBegin = Date()
            try engine.waitAll()
            let end = Date()
            report.say(
                "info overlap "
                    + String(
                        format: "blocking %.3f s, bucketed with as much work %.3f s, wait %.3f s",
                        blocking, end.timeIntervalSince(begin), end.timeIntervalSince(waitBegin)))
            verify("overlap-result", Array(buffer), expected, exact: true)
        }
    }

    func broadcasts() throws {
        for root in Set([0, size - 1]).sorted() {
            for length in [0, 1000] {
                let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 31 + root) }
                let mine = rank == root ? payload : [1, 2, 3]
                let received = try communicator.broadcast(mine, from: root)
                report.check(
                    "broadcast-from-\(root)-\(length)", received == payload,
                    "\(received.count) bytes, expected \(length)")
            }
        }
    }

    func gathers() throws {
        func payload(_ r: Int) -> [UInt8] {
            (0..<(r * 37)).map { UInt8(truncatingIfNeeded: r * 7 + $0) }
        }
        for root in Set([0, size - 1]).sorted() {
            let all = try communicator.gather(payload(rank), to: root)
            if rank == root {
                let expected = (0..<size).map(payload)
                report.check(
                    "gather-to-\(root)", all == expected,
                    "lengths \(all.map(\.count)), expected \(expected.map(\.count))")
            } else {
                report.check("gather-to-\(root)", all.isEmpty, "non-root got \(all.count)")
            }
        }
        // Typed gathers (sharded evaluation): rank r sends 3r values, rank 0 none, with a
        // NaN payload and a negative zero that must arrive bit for bit.
        func floats(_ r: Int) -> [Float] {
            Self.floats(rank: r, count: 3 * r, seed: 11)
                + (r > 0 ? [-0.0, Float(nan: 5, signaling: false)] : [])
        }
        func doubles(_ r: Int) -> [Double] { Self.values(rank: r, count: 3 * r, seed: 12) }
        for root in Set([0, size - 1]).sorted() {
            let allFloats = try communicator.gather(floats(rank), to: root)
            let allDoubles = try communicator.gather(doubles(rank), to: root)
            let floatsAgree =
                rank == root
                ? allFloats.map { $0.map(\.bitPattern) }
                    == (0..<size).map { floats($0).map(\.bitPattern) } : allFloats.isEmpty
            let doublesAgree =
                rank == root
                ? allDoubles.map { $0.map(\.bitPattern) }
                    == (0..<size).map { doubles($0).map(\.bitPattern) } : allDoubles.isEmpty
            report.check(
                "gather-Float-to-\(root)", floatsAgree, "counts \(allFloats.map(\.count))")
            report.check(
                "gather-Double-to-\(root)", doublesAgree, "counts \(allDoubles.map(\.count))")
        }
    }
}
