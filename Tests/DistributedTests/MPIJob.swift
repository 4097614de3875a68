// swift-bert — Distributed tests.

import Foundation
import XCTest
import _TestSupport

/// Runs `mpirun -np N bert-mpi-selftest MODE` (or the self-test alone) and parses its lines.
enum MPIJob {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var seconds: Double
        var timedOut: Bool

        /// `rank R KIND REST` lines: per rank, per kind (`ok`, `FAIL`, `digest`, `info`).
        func lines(_ kind: String) -> [Int: [String]] {
            var result: [Int: [String]] = [:]
            for line in stdout.split(separator: "\n") {
                let fields = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard fields.count >= 3, fields[0] == "rank", let rank = Int(fields[1]),
                    fields[2] == kind
                else { continue }
                result[rank, default: []].append(fields.count > 3 ? fields[3] : "")
            }
            return result
        }
    }

    /// The self-test binary next to the test bundle (`swift build --build-tests` builds it).
    static var selfTest: URL {
        get throws {
            let bundle = Bundle.main.bundleURL
            for folder in [bundle, bundle.deletingLastPathComponent()] {
                let candidate = folder.appendingPathComponent("bert-mpi-selftest")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
            throw XCTSkip("bert-mpi-selftest not found near \(bundle.path)")
        }
    }

    /// `mpirun` on `PATH`, or a skip that says how to get it.
    static var mpirun: URL { get throws { try MPILauncher.mpirun } }

    /// `mpirun -np ranks --oversubscribe bert-mpi-selftest arguments…`, in
    /// ``MPILauncher``'s environment and under its watchdog.
    static func run(ranks: Int, _ arguments: [String], timeout: Double = 60) throws -> Result {
        try execute(
            try mpirun,
            ["-np", "\(ranks)", "--oversubscribe", try selfTest.path] + arguments,
            environment: MPILauncher.environment, timeout: timeout)
    }

    /// The self-test alone (no mpirun), with `environment` added.
    static func runAlone(
        _ arguments: [String], environment: [String: String] = [:], timeout: Double = 60
    ) throws -> Result {
        try execute(try selfTest, arguments, environment: environment, timeout: timeout)
    }

    private static func execute(
        _ executable: URL, _ arguments: [String], environment: [String: String],
        timeout: Double
    ) throws -> Result {
        let output = try MPILauncher.execute(
            executable, arguments, environment: environment, timeout: timeout)
        return Result(
            status: output.status, stdout: output.stdout, stderr: output.stderr,
            seconds: output.seconds, timedOut: output.timedOut)
    }
}
