// swift-bert — Distributed: data-parallel communication over MPI.

import _MPI

/// Non-blocking all-reduces of a gradient buffer, bucket by bucket, that overlap the
/// backward pass: PyTorch DDP's `Reducer`.
///
/// As the backward pass finishes the gradients of a bucket (a contiguous range of the flat
/// gradient buffer; ``GradientBuckets`` plans them), ``start(_:)`` launches its sum over all
/// ranks (`MPI_Iallreduce`, or the first phase of a rank-order sum, `MPI_Ialltoallv`) and
/// returns at once; the trainer calls ``progress()`` between layers, so that MPI advances the
/// transfers (Open MPI moves non-blocking collectives forward only inside MPI calls), and
/// ``waitAll()`` before clipping and the optimizer step. Afterwards every started range holds
/// the sum of all ranks' values, the same bits on every rank; for
/// ``ReductionOrder/rankOrder`` also the same bits as the blocking
/// `Communicator.allreduceSum(_:order:)`, whatever the buckets.
///
/// Between ``start(_:)`` and ``waitAll()``, a started range must not be read or written, and
/// the buffer must stay allocated. Every rank must start the same ranges in the same order.
/// One engine may be in flight at a time in a process. Everything is allocated up front: a
/// step allocates nothing on the Swift side. With a single-process communicator every call
/// only checks its arguments.
public final class BucketedAllreduce: @unchecked Sendable {
    /// The communicator the sums run on.
    public let communicator: Communicator
    /// How the buckets are summed.
    public let order: ReductionOrder
    /// The order run on this many ranks (``ReductionOrder/rankOrder`` is Open MPI's own sum
    /// for 2 ranks, with the same bits).
    private let run: ReductionOrder
    /// The most buckets one ``waitAll()`` can cover.
    public let capacity: Int

    private let buffer: UnsafeMutableBufferPointer<Float>
    private let size: Int
    /// Per bucket: its range, and for rank order where its copies land in `scratch`.
    private var ranges: [Range<Int>]
    private var scratchOffsets: [Int]
    /// Buckets started since the last ``waitAll()``.
    public private(set) var pending = 0
    /// Rank order: how many of the pending buckets have been exchanged, summed, and have
    /// started their gather.
    private var gathering = 0
    private var scratchUsed = 0
    /// `MPI_Request`s: phase one (`MPI_Iallreduce` or `MPI_Ialltoallv`), then phase two
    /// (`MPI_Iallgatherv`), `capacity` of each.
    private let requests: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    /// Per bucket, four `Int32` arrays of `size` values: send counts and displacements (also
    /// the gather's), receive counts and displacements.
    private let arrays: UnsafeMutablePointer<Int32>
    private let scratch: UnsafeMutablePointer<Float>
    private let scratchCapacity: Int

    nonisolated(unsafe) private static var inFlight = false

    /// An engine for `buffer` and up to `capacity` buckets per step.
    ///
    /// For ``ReductionOrder/rankOrder`` on 3 ranks or more it allocates scratch of
    /// `buffer.count + size × capacity` `Float`s (each rank receives every rank's copy of its
    /// slice of each bucket).
    public init(
        communicator: Communicator, buffer: UnsafeMutableBufferPointer<Float>, capacity: Int,
        order: ReductionOrder = .rankOrder
    ) {
        precondition(capacity >= 1, "BucketedAllreduce: capacity \(capacity) < 1")
        self.communicator = communicator
        self.order = order
        self.run = order.effective(size: communicator.size)
        self.capacity = capacity
        self.buffer = buffer
        self.size = communicator.size
        ranges = [Range<Int>](repeating: 0..<0, count: capacity)
        scratchOffsets = [Int](repeating: 0, count: capacity)
        requests = .allocate(capacity: 2 * capacity)
        let null = communicator.usesMPI ? swiftbert_mpi_request_null() : nil
        requests.initialize(repeating: null, count: 2 * capacity)
        arrays = .allocate(capacity: 4 * size * capacity)
        arrays.initialize(repeating: 0, count: 4 * size * capacity)
        scratchCapacity =
            communicator.usesMPI && run == .rankOrder ? buffer.count + size * capacity : 0
        scratch = .allocate(capacity: max(scratchCapacity, 1))
    }

    deinit {
        requests.deallocate()
        arrays.deallocate()
        scratch.deallocate()
    }

    /// Launches the sum of `range` of the buffer over all ranks; returns at once.
    ///
    /// - Precondition: `range` lies in the buffer, overlaps no pending bucket, and fewer than
    ///   ``capacity`` buckets are pending.
    /// - Throws: ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func start(_ range: Range<Int>) throws {
        precondition(
            range.lowerBound >= 0 && range.upperBound <= buffer.count,
            "BucketedAllreduce.start: \(range) outside the buffer's 0..<\(buffer.count)")
        precondition(
            pending < capacity, "BucketedAllreduce.start: more than \(capacity) buckets")
        precondition(
            range.count <= Communicator.messageLimit,
            "BucketedAllreduce.start: \(range.count) elements exceed one MPI message")
        for other in ranges[0..<pending] where other.overlaps(range) {
            preconditionFailure("BucketedAllreduce.start: \(range) overlaps pending \(other)")
        }
        let index = pending
        ranges[index] = range
        pending += 1
        guard communicator.usesMPI, let base = buffer.baseAddress else { return }
        if index == 0 {
            precondition(!Self.inFlight, "BucketedAllreduce: another engine is in flight")
            Self.inFlight = true
        }
        try communicator.checkActive("MPI_Iallreduce")
        let bucket = base + range.lowerBound
        switch run {
        case .library:
            try communicator.check(
                swiftbert_mpi_iallreduce_sum(
                    bucket, Int32(range.count), Int32(SWIFTBERT_MPI_FLOAT), requests + index),
                "MPI_Iallreduce")
        case .rankOrder:
            let slices = RankSlices(count: range.count, size: size)
            let own = slices.count(communicator.rank)
            precondition(
                scratchUsed + size * own <= scratchCapacity,
                "BucketedAllreduce.start: buckets exceed the buffer")
            scratchOffsets[index] = scratchUsed
            scratchUsed += size * own
            let a = arrays + 4 * size * index
            slices.fill(
                rank: communicator.rank, sendCounts: a, sendDisplacements: a + size,
                receiveCounts: a + 2 * size, receiveDisplacements: a + 3 * size)
            try communicator.check(
                swiftbert_mpi_ialltoallv(
                    bucket, a, a + size, scratch + scratchOffsets[index], a + 2 * size,
                    a + 3 * size, Int32(SWIFTBERT_MPI_FLOAT), requests + index),
                "MPI_Ialltoallv")
        }
    }

    /// Lets MPI advance the pending transfers (one `MPI_Test`/`MPI_Testall`) and, for rank
    /// order, sums the buckets whose exchange has finished, in bucket order, and starts
    /// their gather. Cheap; call it between layers of the backward pass.
    ///
    /// - Throws: ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func progress() throws {
        guard communicator.usesMPI, pending > 0 else { return }
        switch run {
        case .library:
            var done: Int32 = 0
            try communicator.check(
                swiftbert_mpi_testall(Int32(pending), requests, &done), "MPI_Testall")
        case .rankOrder:
            while gathering < pending {
                var done: Int32 = 0
                try communicator.check(
                    swiftbert_mpi_test(requests + gathering, &done), "MPI_Test")
                guard done != 0 else { return }
                try finishExchange(gathering)
            }
            var done: Int32 = 0
            try communicator.check(
                swiftbert_mpi_testall(Int32(pending), requests + capacity, &done),
                "MPI_Testall")
        }
    }

    /// Waits until every started bucket holds the sum over all ranks, then readies the
    /// engine for the next step.
    ///
    /// - Throws: ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func waitAll() throws {
        defer {
            if communicator.usesMPI && pending > 0 { Self.inFlight = false }
            pending = 0
            gathering = 0
            scratchUsed = 0
        }
        guard communicator.usesMPI, pending > 0 else { return }
        switch run {
        case .library:
            try communicator.check(
                swiftbert_mpi_waitall(Int32(pending), requests), "MPI_Waitall")
        case .rankOrder:
            while gathering < pending {
                try communicator.check(swiftbert_mpi_wait(requests + gathering), "MPI_Wait")
                try finishExchange(gathering)
            }
            try communicator.check(
                swiftbert_mpi_waitall(Int32(pending), requests + capacity), "MPI_Waitall")
        }
    }

    /// Rank order, bucket `index` exchanged: sums this rank's slice in rank order into the
    /// buffer and starts the gather that returns every slice to every rank. Buckets reach
    /// here in index order on every rank, so the gathers start in the same order everywhere.
    private func finishExchange(_ index: Int) throws {
        guard let base = buffer.baseAddress else { return }
        let range = ranges[index]
        let slices = RankSlices(count: range.count, size: size)
        let rank = communicator.rank
        let bucket = base + range.lowerBound
        RankSlices.sumInRankOrder(
            into: bucket + slices.start(rank), copies: scratch + scratchOffsets[index],
            length: slices.count(rank), size: size)
        let a = arrays + 4 * size * index
        gathering = index + 1
        try communicator.check(
            swiftbert_mpi_iallgatherv_in_place(
                bucket, a, a + size, Int32(SWIFTBERT_MPI_FLOAT), requests + capacity + index),
            "MPI_Iallgatherv")
    }
}
