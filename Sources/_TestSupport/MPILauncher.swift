// swift-bert — test support: running programs under mpirun.

import Foundation
import XCTest

/// What the mpirun tests of every target share: finding `mpirun`, the environment that lets
/// it run here, and running a process with a watchdog.
public enum MPILauncher {
    /// `mpirun` on `PATH`, or a skip that says how to get it.
    public static var mpirun: URL {
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

    /// Lets mpirun run as root (containers, CI) and without the shared-memory transport's
    /// single-copy mode (`process_vm_readv`, which containers without `CAP_SYS_PTRACE`
    /// refuse).
    public static let environment = [
        "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
        "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
    ]

    /// What a run gave.
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var seconds: Double
        public var timedOut: Bool
    }

    /// Runs `executable` with `arguments` and this process's environment plus `environment`,
    /// reading both pipes to the end (stderr on another thread, so that neither can fill up
    /// and block the job). Past `timeout` seconds the process gets SIGTERM (mpirun then ends
    /// its ranks) and SIGKILL 5 s later: a hang fails the test instead of blocking it.
    public static func execute(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:],
        timeout: Double
    ) throws -> Output {
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
        return Output(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: errors.data, as: UTF8.self),
            seconds: Date().timeIntervalSince(begin), timedOut: timedOut.isSet)
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
}
