// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// `bert train --output` that would destroy an input or a folder's contents is refused
/// before any training, with one line and a non-zero exit, and nothing changes on disk.
final class TrainOutputSafetyTests: XCTestCase {
    /// Every file under `folder` with its bytes (links as their targets' bytes).
    private func snapshot(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: folder.path) else { return [:] }
        for case let name as String in walker {
            let path = folder.appendingPathComponent(name).path
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[name] = try Data(contentsOf: URL(fileURLWithPath: path))
            } else {
                files[name + "/"] = Data()
            }
        }
        return files
    }

    func testOutputThatWouldDestroyAnInputOrAFolderIsRefusedBeforeTraining() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try CoLASubset.make(in: folder.appendingPathComponent("data"), count: 16)
        let models = folder.appendingPathComponent("models")
        let model = models.appendingPathComponent("tiny-bert")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.fixture("tiny-bert"), to: model)
        let link = folder.appendingPathComponent("model-link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: model)
        let file = folder.appendingPathComponent("a-file")
        try Data("keep".utf8).write(to: file)
        let other = folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Data("notes".utf8).write(to: other.appendingPathComponent("notes.txt"))
        let rootBefore = try FileManager.default.contentsOfDirectory(
            atPath: TestPaths.repositoryRoot.path)

        let cases: [(name: String, output: String, mention: String)] = [
            ("empty", "", "empty"),
            ("blank", "  ", "empty"),
            ("the model folder", model.path, "is the model folder"),
            ("the model through a link", link.path, "is the model folder"),
            ("the model folder with a slash", model.path + "/", "is the model folder"),
            ("a folder holding the model", models.path, "contains the model folder"),
            ("a folder holding the data", data.deletingLastPathComponent().path, "contains the data file"),
            ("the data folder itself", data.path, "contains the data file"),
            ("a file", file.path, "is a file, not a folder"),
            ("a non-empty folder", other.path, "--overwrite-output-dir"),
        ]
        let before = try snapshot(folder)
        for (name, output, mention) in cases {
            let result = try BertBinary.run([
                "train", "--model", model.path, "--task", "cola", "--data", data.path,
                "--output", output, "--epochs", "1", "--batch-size", "8",
            ])
            XCTAssertNotEqual(result.status, 0, name)
            XCTAssertTrue(result.stderr.hasPrefix("Error: "), "\(name): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(mention), "\(name): \(result.stderr)")
            XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, "\(name): \(result.stderr)")
            XCTAssertFalse(result.stdout.contains("Epoch"), "\(name) trained: \(result.stdout)")
            XCTAssertEqual(try snapshot(folder), before, "\(name) changed files")
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: TestPaths.repositoryRoot.path),
            rootBefore)

        // With --overwrite-output-dir, the non-empty folder is written into, its file kept.
        let overwritten = try BertBinary.run([
            "train", "--model", model.path, "--task", "cola", "--data", data.path, "--output",
            other.path, "--epochs", "1", "--batch-size", "8", "--overwrite-output-dir",
        ])
        XCTAssertEqual(overwritten.status, 0, overwritten.stderr)
        XCTAssertEqual(
            try Data(contentsOf: other.appendingPathComponent("notes.txt")), Data("notes".utf8))
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: other.appendingPathComponent("summary.md").path))
        // That folder is now an earlier run's: a second run needs no flag.
        let again = try BertBinary.run([
            "train", "--model", model.path, "--task", "cola", "--data", data.path, "--output",
            other.path, "--epochs", "1", "--batch-size", "8",
        ])
        XCTAssertEqual(again.status, 0, again.stderr)
    }
}
