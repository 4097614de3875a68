// swift-bert — the `bert` command.

import Distributed
import Foundation
import Training

extension TrainCommand {
    /// The run's output: silent on every rank of an `mpirun` job but rank 0.
    func reporter(_ communicator: Communicator) -> Reporter {
        var out = Reporter(json: json, logEvery: training.logEvery)
        out.accumulation = training.gradientAccumulationSteps
        out.silent = !communicator.isWriter
        // mpirun hands its ranks a pseudo-terminal whatever its own output is (a pipe, a log
        // file): no progress bar, whose control codes would land there.
        if communicator.usesMPI { out.terminal = false }
        return out
    }

    /// `error` as a rank other than 0 reports it: prefixed with the rank, since under
    /// `mpirun` several ranks share one standard error.
    static func rankError(_ error: any Error, _ communicator: Communicator) -> any Error {
        guard communicator.size > 1, !communicator.isWriter else { return error }
        return CLIError("rank \(communicator.rank) of \(communicator.size): \(error)")
    }
}

extension Reporter {
    /// The step event's all-reduce figures of a data-parallel run (none for one process).
    var communicationFields: [(String, String)] {
        guard let statistics = communication?(), statistics.steps > 0 else { return [] }
        return [
            ("allreduce_seconds", JSONText.number(statistics.lastSeconds)),
            ("allreduce_wait_seconds", JSONText.number(statistics.lastWaitSeconds)),
            ("allreduce_bytes", String(statistics.bytesPerStep)),
        ]
    }

    /// After training: what the gradient all-reduces moved and cost per step (a data-parallel
    /// run only), as a line and `{"event":"allreduce",...}`.
    func communicationSummary() {
        guard let statistics = communication?(), statistics.steps > 0 else { return }
        let megabytes = Double(statistics.bytesPerStep) / 1_000_000
        text(
            "All-reduce: \(fixed(megabytes, 1)) MB of gradients per step, "
                + "\(fixed(statistics.meanSeconds * 1000, 1)) ms per step in MPI on average, "
                + "\(fixed(statistics.meanWaitSeconds * 1000, 1)) ms of it after the backward "
                + "pass; buckets \(fixed(statistics.meanBucketSeconds * 1000, 1)) ms from the "
                + "first launch to the sum (\(statistics.steps) steps, waits for other ranks "
                + "included)")
        json([
            ("event", JSONText.string("allreduce")), ("steps", String(statistics.steps)),
            ("bytes_per_step", String(statistics.bytesPerStep)),
            ("buckets", String(statistics.buckets)),
            ("mean_seconds", JSONText.number(statistics.meanSeconds)),
            ("total_seconds", JSONText.number(statistics.totalSeconds)),
            ("mean_wait_seconds", JSONText.number(statistics.meanWaitSeconds)),
            ("mean_bucket_seconds", JSONText.number(statistics.meanBucketSeconds)),
        ])
    }
}
