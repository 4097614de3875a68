// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// The base of the tests that run `bert` under `mpirun`: each is skipped where `mpirun` is
/// missing, and gets a fresh temporary `folder`, removed afterwards; `events` and
/// `jsonObjects` read their output.
class MPITestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        _ = try MPIRun.mpirun
        folder = try TestPaths.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// The JSON objects of the lines of `text` that start with `{` (`--json` output, a
    /// metrics.jsonl).
    func jsonObjects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    /// `{"event":NAME,…}` objects of `--json` output.
    func events(_ stdout: String, _ name: String) throws -> [[String: Any]] {
        try jsonObjects(stdout).filter { $0["event"] as? String == name }
    }
}
