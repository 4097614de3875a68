// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// Runs the built `bert` executable.
enum BertBinary {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `bert` binary next to the test bundle (`swift test` builds it with the tests).
    static var url: URL {
        get throws {
            let bundle = Bundle.main.bundleURL
            for folder in [bundle, bundle.deletingLastPathComponent()] {
                let candidate = folder.appendingPathComponent("bert")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
            throw XCTSkip("bert binary not found near \(bundle.path)")
        }
    }

    /// Runs `bert arguments…` (or another `executable`) with `input` on stdin and
    /// `environment` added to this process's environment.
    ///
    /// A run past `timeout` seconds is killed (a hang fails the test instead of blocking it):
    /// its status is then SIGKILL's.
    static func run(
        _ arguments: [String], input: Data = Data(), environment: [String: String] = [:],
        executable: URL? = nil, timeout: TimeInterval = 600
    ) throws -> Result {
        let process = Process()
        process.executableURL = try executable ?? url
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = TestPaths.repositoryRoot
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let watchdog = DispatchWorkItem { [process] in
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }
}
