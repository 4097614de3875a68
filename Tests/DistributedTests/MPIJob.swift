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

    /// `mpirun -np ranks --oversubscribe bert-mpi-selftest arguments…`, allowed to run as
    /// root (containers, CI), and without the shared-memory transport's single-copy mode
    /// (`process_vm_readv`, which containers without `CAP_SYS_PTRACE` refuse). Past `timeout`
    /// seconds mpirun gets SIGTERM (it then kills its ranks), and SIGKILL 5 s later: a hang
    /// fails the test instead of blocking it.
    static func run(ranks: Int, _ arguments: [String], timeout: Double = 60) throws -> Result {
        try execute(
            try mpirun,
            ["-np", "\(ranks)", "--oversubscribe", try selfTest.path] + arguments,
            environment: [
                "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
            ], timeout: timeout)
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
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let begin = Date()
        try process.run()
        let timedOut = Flag()
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
        let errors = Flag.Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors.data = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: errors.data, as: UTF8.self),
            seconds: Date().timeIntervalSince(begin), timedOut: timedOut.isSet)
    }
}

/// A flag and a data box shared with the watchdog and reader threads.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }

    final class Box: @unchecked Sendable {
        var data = Data()
    }
}
