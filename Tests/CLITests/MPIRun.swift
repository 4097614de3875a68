// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// Runs `bert` under `mpirun` on this machine.
enum MPIRun {
    /// `mpirun` on `PATH`, or a skip that says how to get it.
    static var mpirun: URL { get throws { try MPILauncher.mpirun } }

    /// `mpirun -np ranks --oversubscribe bert arguments…`, or with several `programs`
    /// (`-np 1 bert A : -np 1 bert B`, one argument list per rank) to give ranks different
    /// arguments, in ``MPILauncher``'s environment and under its watchdog.
    static func run(
        ranks: Int = 2, _ arguments: [String] = [], programs: [[String]] = [],
        timeout: Double = 120
    ) throws -> (result: BertBinary.Result, timedOut: Bool) {
        let bert = try BertBinary.url.path
        var line: [String] = []
        if programs.isEmpty {
            line = ["-np", "\(ranks)", "--oversubscribe", bert] + arguments
        } else {
            for (index, program) in programs.enumerated() {
                line += (index > 0 ? [":"] : []) + ["-np", "1", "--oversubscribe", bert] + program
            }
        }
        let output = try MPILauncher.execute(
            try mpirun, line, environment: MPILauncher.environment, timeout: timeout)
        let result = BertBinary.Result(
            status: output.status, stdout: output.stdout, stderr: output.stderr)
        return (result, output.timedOut)
    }
}
