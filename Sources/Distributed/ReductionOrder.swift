// swift-bert — Distributed: data-parallel communication over MPI.

/// How an all-reduce sums the ranks' buffers.
///
/// The MPI standard requires every rank to receive identical results from `MPI_Allreduce`
/// (MPI 4.1 §6.9.6), and Open MPI 4.1's algorithms meet it (each element is summed once, by
/// one rank, in reduce-scatter/allgather and reduce/broadcast schemes, or pairwise with
/// commutative IEEE addition in recursive doubling). What it does not fix is the order of the
/// sum: Open MPI picks the algorithm from the message size, the number of ranks, the MCA
/// tuning and the component (blocking `MPI_Allreduce` goes through `coll/tuned`, non-blocking
/// `MPI_Iallreduce` through `coll/libnbc`), so the last bits can change with the bucket size,
/// blocking against non-blocking, or another Open MPI build. With 2 ranks every order gives
/// the same bits (`a + b == b + a`); from 3 ranks on they can differ.
public enum ReductionOrder: String, Sendable, CaseIterable {
    /// Every element is summed in rank order, `((x₀ + x₁) + x₂) + …`, on every rank: the
    /// same bits whatever the bucket sizes, the network or the MPI build. From 3 ranks on,
    /// rank `r` sums the `r`-th of `size` contiguous slices of each buffer (`MPI_Alltoallv`
    /// brings it every rank's copy of that slice), then `MPI_Allgatherv` returns the sums:
    /// the traffic of a ring all-reduce, plus scratch memory of one buffer's size. With 2
    /// ranks each element is one addition, `x₀ + x₁ == x₁ + x₀` in IEEE arithmetic whoever
    /// computes it, so Open MPI's own all-reduce gives exactly the rank-order bits and is
    /// used. The default.
    case rankOrder = "rank-order"
    /// `MPI_Allreduce` / `MPI_Iallreduce` with `MPI_SUM`: Open MPI's own algorithms, whose
    /// order of summation is theirs (see above).
    case library

    /// The order actually run on `size` ranks: rank order is Open MPI's own sum for 2 ranks.
    func effective(size: Int) -> ReductionOrder { size <= 2 ? .library : self }
}
