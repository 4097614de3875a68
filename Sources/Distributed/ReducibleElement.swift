// swift-bert — Distributed: data-parallel communication over MPI.

import _MPI

/// An element type that the all-reduces sum: `Float` (gradients) or `Double` (losses,
/// example counts, metric sums). Internal: the public entry points are one overload per
/// type, so that the generic code is specialized inside this module.
protocol ReducibleElement: BinaryFloatingPoint, Sendable {
    /// The shim's code for the matching MPI datatype (`MPI_FLOAT`, `MPI_DOUBLE`).
    static var mpiType: Int32 { get }
}

extension Float: ReducibleElement {
    static var mpiType: Int32 { Int32(SWIFTBERT_MPI_FLOAT) }
}

extension Double: ReducibleElement {
    static var mpiType: Int32 { Int32(SWIFTBERT_MPI_DOUBLE) }
}

/// The split of a buffer into one contiguous slice per rank, for rank-order sums.
///
/// Slice `r` of `count` elements over `size` ranks is `r·count/size ..< (r+1)·count/size`:
/// it depends on nothing but the two numbers, so every rank computes the same split.
struct RankSlices {
    let count: Int
    let size: Int

    func start(_ rank: Int) -> Int { rank * count / size }
    func count(_ rank: Int) -> Int { start(rank + 1) - start(rank) }

    /// Fills the `MPI_Alltoallv` arrays for rank `rank`: it sends slice `k` to rank `k`
    /// (`sendCounts`, `sendDisplacements`, also the `MPI_Allgatherv` arrays) and receives
    /// every rank's copy of its own slice, rank after rank (`receiveCounts`,
    /// `receiveDisplacements`). Each array holds `size` values.
    func fill(
        rank: Int, sendCounts: UnsafeMutablePointer<Int32>,
        sendDisplacements: UnsafeMutablePointer<Int32>,
        receiveCounts: UnsafeMutablePointer<Int32>,
        receiveDisplacements: UnsafeMutablePointer<Int32>
    ) {
        let own = count(rank)
        for k in 0..<size {
            sendCounts[k] = Int32(count(k))
            sendDisplacements[k] = Int32(start(k))
            receiveCounts[k] = Int32(own)
            receiveDisplacements[k] = Int32(k * own)
        }
    }

    /// `destination[i] = ((copies[0][i] + copies[1][i]) + copies[2][i]) + …` for the `size`
    /// copies of `length` elements laid out one after another in `copies`: the rank-order sum.
    static func sumInRankOrder<T: ReducibleElement>(
        into destination: UnsafeMutablePointer<T>, copies: UnsafePointer<T>, length: Int,
        size: Int
    ) {
        destination.update(from: copies, count: length)
        for r in 1..<max(size, 1) {
            let copy = copies + r * length
            for i in 0..<length { destination[i] += copy[i] }
        }
    }
}
