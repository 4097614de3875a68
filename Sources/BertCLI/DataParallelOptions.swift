// swift-bert — the `bert` command.

import ArgumentParser
import Distributed
import Training

/// How a data-parallel run (`mpirun -np N bert …`) sums its gradients: `--bucket-cap-mb` and
/// `--no-overlap-allreduce`, shared by train and bench. Neither changes a result: the sums
/// are the same bits whatever the buckets and whenever they start.
struct DataParallelOptions: ParsableArguments {
    @Option(
        name: .long, parsing: .unconditional,
        help: "Under mpirun: the most MiB of gradients one all-reduce bucket holds (DDP's bucket_cap_mb).")
    var bucketCapMb: Double = 25

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Under mpirun: launch each bucket's all-reduce as soon as the backward pass has finished it, overlapping the rest of the backward pass (DDP's design); without, all after the backward pass.")
    var overlapAllreduce = true

    func validate() throws {
        // At most one MPI message (Int32.max floats, just under 8 GiB).
        guard bucketCapMb > 0 && bucketCapMb <= 8191 else {
            throw ValidationError("--bucket-cap-mb must be > 0 and at most 8191 (one MPI message)")
        }
    }

    /// `--bucket-cap-mb` in floats (at least one).
    var bucketCapacity: Int {
        max(1, Int(bucketCapMb * 1024 * 1024 / Double(MemoryLayout<Float>.stride)))
    }

    /// Sets the bucket capacity and the overlap of `options`.
    func apply(to options: inout FineTuningOptions) {
        options.bucketCapacity = bucketCapacity
        options.overlapsGradientReduction = overlapAllreduce
    }
}
