// swift-bert — Distributed: data-parallel communication over MPI.

import _MPI

extension Communicator {
    /// The largest element count of one MPI message (counts are C `int`s).
    static let messageLimit = Int(Int32.max)
    /// Elements per round of a blocking rank-order sum: bounds its scratch memory (16 MiB
    /// of `Float`: each rank receives `size` copies of a `1/size` slice) without changing the
    /// result's bits.
    static let rankOrderChunk = 1 << 22

    /// Sums `buffer` over all ranks, in place: afterwards every rank holds the same
    /// element-wise sum (`torch.distributed.all_reduce(op=SUM)`).
    ///
    /// Every rank must pass the same count. For ``ReductionOrder/rankOrder`` each element is
    /// `((x₀ + x₁) + x₂) + …` in rank order, on every rank; from 3 ranks on it runs in rounds
    /// of 4 Mi elements and allocates scratch of one round for the call. For a training
    /// step's gradients, prefer a ``BucketedAllreduce``, which overlaps the backward pass and
    /// allocates once. A single process leaves `buffer` as it is.
    ///
    /// - Throws: ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func allreduceSum(
        _ buffer: UnsafeMutableBufferPointer<Float>, order: ReductionOrder = .rankOrder
    ) throws {
        try reduce(buffer, order: order)
    }

    /// Sums `buffer` over all ranks, in place, as the `Float` overload does: for losses,
    /// example counts and metric sums (integers are exact up to 2⁵³).
    ///
    /// - Throws: ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func allreduceSum(
        _ buffer: UnsafeMutableBufferPointer<Double>, order: ReductionOrder = .rankOrder
    ) throws {
        try reduce(buffer, order: order)
    }

    private func reduce<T: ReducibleElement>(
        _ buffer: UnsafeMutableBufferPointer<T>, order: ReductionOrder
    ) throws {
        guard usesMPI, let base = buffer.baseAddress, !buffer.isEmpty else { return }
        try checkActive("MPI_Allreduce")
        switch order.effective(size: size) {
        case .library:
            var done = 0
            while done < buffer.count {
                let n = min(buffer.count - done, Self.messageLimit)
                try check(
                    swiftbert_mpi_allreduce_sum(base + done, Int32(n), T.mpiType),
                    "MPI_Allreduce")
                done += n
            }
        case .rankOrder:
            try allreduceSumInRankOrder(base, count: buffer.count)
        }
    }

    private func allreduceSumInRankOrder<T: ReducibleElement>(
        _ base: UnsafeMutablePointer<T>, count: Int
    ) throws {
        let chunk = min(count, Self.rankOrderChunk)
        let scratch = UnsafeMutablePointer<T>.allocate(capacity: chunk + size)
        let arrays = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * size)
        defer {
            scratch.deallocate()
            arrays.deallocate()
        }
        let (sendCounts, sendDisplacements) = (arrays, arrays + size)
        let (receiveCounts, receiveDisplacements) = (arrays + 2 * size, arrays + 3 * size)
        var done = 0
        while done < count {
            let n = min(count - done, chunk)
            let slices = RankSlices(count: n, size: size)
            slices.fill(
                rank: rank, sendCounts: sendCounts, sendDisplacements: sendDisplacements,
                receiveCounts: receiveCounts, receiveDisplacements: receiveDisplacements)
            let chunkBase = base + done
            try check(
                swiftbert_mpi_alltoallv(
                    chunkBase, sendCounts, sendDisplacements, scratch, receiveCounts,
                    receiveDisplacements, T.mpiType),
                "MPI_Alltoallv")
            RankSlices.sumInRankOrder(
                into: chunkBase + slices.start(rank), copies: scratch,
                length: slices.count(rank), size: size)
            try check(
                swiftbert_mpi_allgatherv_in_place(
                    chunkBase, sendCounts, sendDisplacements, T.mpiType),
                "MPI_Allgatherv")
            done += n
        }
    }

    /// Sends `bytes` from rank `root` to every rank (`MPI_Bcast` of the length, then of the
    /// bytes): returns root's bytes on every rank. Other ranks' `bytes` are ignored.
    ///
    /// - Throws: ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func broadcast(_ bytes: [UInt8], from root: Int = 0) throws -> [UInt8] {
        precondition((0..<size).contains(root), "broadcast: root \(root) outside 0..<\(size)")
        guard usesMPI else { return bytes }
        try checkActive("MPI_Bcast")
        var length = Int64(rank == root ? bytes.count : 0)
        try withUnsafeMutableBytes(of: &length) { raw in
            try check(swiftbert_mpi_broadcast_bytes(raw.baseAddress, 8, Int32(root)), "MPI_Bcast")
        }
        precondition(length >= 0, "broadcast: negative length \(length) from root")
        var result = rank == root ? bytes : [UInt8](repeating: 0, count: Int(length))
        try result.withUnsafeMutableBytes { raw in
            var done = 0
            while done < raw.count {
                let n = min(raw.count - done, Self.messageLimit)
                try check(
                    swiftbert_mpi_broadcast_bytes(
                        raw.baseAddress.map { $0 + done }, Int32(n), Int32(root)),
                    "MPI_Bcast")
                done += n
            }
        }
        return result
    }

    /// Sends rank `root`'s `buffer` to every rank, in place (`MPI_Bcast` in pieces of at most
    /// 2³¹ − 1 bytes): for parameters and optimizer state, without copies.
    ///
    /// Every rank must pass a buffer of the same length. A single process leaves it as it is.
    /// - Throws: ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int = 0) throws {
        precondition((0..<size).contains(root), "broadcast: root \(root) outside 0..<\(size)")
        guard usesMPI, let base = buffer.baseAddress else { return }
        try checkActive("MPI_Bcast")
        var done = 0
        while done < buffer.count {
            let n = min(buffer.count - done, Self.messageLimit)
            try check(
                swiftbert_mpi_broadcast_bytes(base + done, Int32(n), Int32(root)), "MPI_Bcast")
            done += n
        }
    }

    /// Collects every rank's `bytes`, of any lengths, on rank `root` (`MPI_Allgather` of the
    /// lengths, then `MPI_Gatherv`): for sharded evaluation, each rank's results to rank 0.
    ///
    /// - Returns: On `root`, the `size` byte arrays in rank order; on other ranks, `[]`.
    /// - Throws: ``DistributedError/messageTooLarge(operation:rank:bytes:limit:)`` on every
    ///   rank alike when the total exceeds 2³¹ − 1 bytes (`MPI_Gatherv`'s `int`
    ///   displacements), or ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func gather(_ bytes: [UInt8], to root: Int = 0) throws -> [[UInt8]] {
        precondition((0..<size).contains(root), "gather: root \(root) outside 0..<\(size)")
        guard usesMPI else { return [bytes] }
        try checkActive("MPI_Gatherv")
        var lengths = [Int64](repeating: 0, count: size)
        try check(swiftbert_mpi_allgather_int64(Int64(bytes.count), &lengths), "MPI_Allgather")
        let total = lengths.reduce(0, +)
        guard total <= Int64(Self.messageLimit) else {
            throw DistributedError.messageTooLarge(
                operation: "gather", rank: rank, bytes: Int(total), limit: Self.messageLimit)
        }
        let counts = lengths.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) { displacements[r] = displacements[r - 1] + counts[r - 1] }
        var received = [UInt8](repeating: 0, count: rank == root ? Int(total) : 0)
        try bytes.withUnsafeBytes { send in
            try received.withUnsafeMutableBytes { receive in
                try check(
                    swiftbert_mpi_gatherv_bytes(
                        send.baseAddress, Int32(bytes.count), receive.baseAddress, counts,
                        displacements, Int32(root)),
                    "MPI_Gatherv")
            }
        }
        guard rank == root else { return [] }
        return (0..<size).map { r in
            let start = Int(displacements[r])
            return Array(received[start..<(start + Int(counts[r]))])
        }
    }
}
