// swift-bert — CLI tests.

import Foundation
import XCTest

/// Runs `bert` under `mpirun` on this machine.
enum MPIRun {
    /// `mpirun` on `PATH`, or a skip that says how to get it.
    static var mpirun: URL {
        get throws {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            for folder in path.split(separator: ":") {
                let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(
                    "mpirun")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
            throw XCTSkip("mpirun is not on PATH: `make deps` installs Open MPI (openmpi-bin)")
        }
    }

    /// `mpirun -np ranks --oversubscribe bert arguments…`, or with several `programs`
    /// (`-np 1 bert A : -np 1 bert B`, one argument list per rank) to give ranks different
    /// arguments. Allowed to run as root (containers, CI) and without the shared-memory
    /// transport's single-copy mode, which containers without `CAP_SYS_PTRACE` refuse.
    /// Past `timeout` seconds mpirun gets SIGTERM (it then ends its ranks) and SIGKILL 5 s
    /// later: a hang fails the test instead of blocking it.
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
        let process = Process()
        process.executableURL = try mpirun
        process.arguments = line
        process.environment = ProcessInfo.processInfo.environment.merging([
            "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
            "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
        ]) { $1 }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let timedOut = TimeoutFlag()
        let watchdog = DispatchWorkItem { [process] in
            guard process.isRunning else { return }
            timedOut.set()
            kill(process.processIdentifier, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        // Read stderr on another thread, so that neither pipe can fill up and block the job.
        let errors = TimeoutFlag.Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors.data = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let result = BertBinary.Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: errors.data, as: UTF8.self))
        return (result, timedOut.isSet)
    }
}

/// A flag and a data box shared with the watchdog and reader threads.
final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }

    final class Box: @unchecked Sendable {
        var data = Data()
    }
}
