// swift-bert — CLI tests: Hub ids resolved through an HF cache, offline.

import Foundation
import XCTest
import _TestSupport

final class HubModelCommandTests: XCTestCase {
    /// Runs `bert` with extra environment variables (the cache and HF_HUB_OFFLINE).
    private func run(_ arguments: [String], environment: [String: String], input: String = "")
        throws -> BertBinary.Result
    {
        try BertBinary.run(arguments, input: Data(input.utf8), environment: environment)
    }

    func testHubIdLoadsFromTheHFCacheOfflineAndAMissingOneIsAOneLineError() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        // models--org--tiny-bert as huggingface_hub lays it out (blob names are arbitrary here).
        let commit = String(repeating: "0123456789", count: 4)
        let repo = root.appendingPathComponent("hub/models--org--tiny-bert")
        let manager = FileManager.default
        for folder in ["refs", "blobs", "snapshots/\(commit)"] {
            try manager.createDirectory(
                at: repo.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data(commit.utf8).write(to: repo.appendingPathComponent("refs/main"))
        for (index, name) in ["config.json", "model.safetensors", "tokenizer.json"].enumerated() {
            try manager.copyItem(
                at: TestPaths.fixture("tiny-bert/\(name)"),
                to: repo.appendingPathComponent("blobs/blob\(index)"))
            try manager.createSymbolicLink(
                atPath: repo.appendingPathComponent("snapshots/\(commit)/\(name)").path,
                withDestinationPath: "../../blobs/blob\(index)")
        }
        let environment = ["HF_HOME": root.path, "HF_HUB_OFFLINE": "1"]
        let local = try run(
            ["tokenize", "--model", TestPaths.fixture("tiny-bert").path, "--tokens"],
            environment: [:], input: "hello world\n")
        let hub = try run(
            ["tokenize", "--model", "org/tiny-bert", "--tokens"], environment: environment,
            input: "hello world\n")
        XCTAssertEqual(hub.status, 0, hub.stderr)
        XCTAssertEqual(hub.stdout, local.stdout)
        let download = try run(["download", "org/tiny-bert"], environment: environment)
        XCTAssertEqual(download.stdout, repo.path + "/snapshots/\(commit)\n", download.stderr)

        let missing = try run(
            ["tokenize", "--model", "org/absent"], environment: environment, input: "a\n")
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertEqual(
            missing.stderr,
            "Error: org/absent: refs/main: not in the HF cache \(root.path)/hub (revision main) "
                + "and HF_HUB_OFFLINE is set\n")
    }

    func testRevisionOrTimeoutOfTheWrongFormIsRefusedBeforeAnyFileIsTouched() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let environment = ["HF_HOME": root.path, "HF_ENDPOINT": "http://127.0.0.1:9"]
        for revision in ["../../x", "main/../../../x", ".git"] {
            for arguments in [
                ["download", "org/tiny-bert", "--revision", revision],
                ["tokenize", "--model", "org/tiny-bert", "--revision", revision],
            ] {
                let result = try run(arguments, environment: environment, input: "a\n")
                XCTAssertNotEqual(result.status, 0, "\(arguments)")
                let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
                XCTAssertTrue(first.hasPrefix("Error: --revision '\(revision)': "), result.stderr)
            }
        }
        let timeout = try run(
            ["download", "org/tiny-bert"],
            environment: environment.merging(["HF_HUB_DOWNLOAD_TIMEOUT": "soon"]) { $1 })
        XCTAssertEqual(
            timeout.stderr,
            "Error: HF_HUB_DOWNLOAD_TIMEOUT=\"soon\": expected a number of seconds in (0, 86400]\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.path), [])
    }
}
