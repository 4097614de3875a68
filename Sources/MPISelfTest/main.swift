// swift-bert — bert-mpi-selftest: every Distributed operation under mpirun.
//
//     mpirun -np 2 bert-mpi-selftest [check | benchmark [COUNT…] | exit-early | abort |
//                                     mismatch | finalized]
//
// `check` runs each collective on data every rank can recompute for every other rank
// (seeded by rank), so each rank verifies its own results, and prints one line per check:
// `rank R ok NAME`, `rank R FAIL NAME: why`, `rank R digest NAME HEX` (a hash of the
// result's bits, equal on every rank) and `rank R info KEY VALUE`. The other modes make one
// rank fail in a chosen way, for the tests of how a job ends. Exit status 0 when every
// check passed on this rank.

import Distributed
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first ?? "check"

do {
    let communicator = try Communicator.detect()
    let report = Report(rank: communicator.rank)
    switch mode {
    case "check":
        try Checks(communicator: communicator, report: report).runAll()
    case "benchmark":
        let counts = arguments.dropFirst().compactMap { Int($0) }
        try Benchmark(communicator: communicator, report: report).run(
            counts: counts.isEmpty ? [22_713_216, 109_482_240] : counts)
    case "exit-early":
        // The last rank leaves before a collective that the others enter.
        if communicator.rank == communicator.size - 1 {
            report.say("info exiting-early 3")
            exit(3)
        }
        var value: [Float] = [1]
        try value.withUnsafeMutableBufferPointer { try communicator.allreduceSum($0) }
        report.say("FAIL exit-early: the all-reduce returned without the last rank")
    case "abort":
        if communicator.rank == communicator.size - 1 {
            report.say("info aborting 5")
            communicator.abort(exitCode: 5)
        }
        try communicator.barrier()
        report.say("FAIL abort: the barrier returned without the last rank")
    case "mismatch":
        // Rank 1 sums more elements than the others: MPI reports a truncated message.
        var values = [Float](repeating: 1, count: communicator.rank == 1 ? 20 : 10)
        try values.withUnsafeMutableBufferPointer {
            try communicator.allreduceSum($0, order: .library)
        }
        try communicator.barrier()
    case "finalized":
        try communicator.finalize()
        do {
            try communicator.barrier()
            report.say("FAIL finalized: a barrier after MPI_Finalize returned")
        } catch {
            report.say("ok finalized: \(error)")
        }
        exit(report.failures == 0 ? 0 : 1)
    default:
        FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
        exit(64)
    }
    try communicator.finalize()
    exit(report.failures == 0 ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("bert-mpi-selftest: \(error)\n".utf8))
    exit(1)
}
