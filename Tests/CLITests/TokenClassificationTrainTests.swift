// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// `bert train --task ner` end to end on the synthetic CoNLL sample and tiny-bert.
final class TokenClassificationTrainTests: XCTestCase {
    func testTrainReportsEntityScoresPerTypeAndSavesATokenClassifier() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("ner")
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "ner",
            "--train", TestPaths.fixture("ner/train.conll").path,
            "--validation", TestPaths.fixture("ner/validation.conll").path,
            "--output", output.path, "--epochs", "2", "--batch-size", "16",
            "--learning-rate", "5e-3", "--max-length", "12", "--stride", "2", "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let epochs = events.filter { $0["event"] as? String == "epoch" }
        XCTAssertEqual(epochs.count, 2)
        for key in ["val_f1", "val_precision", "val_recall", "val_accuracy", "val_loss"] {
            XCTAssertNotNil(epochs.last?[key], "epoch event lacks \(key)")
        }
        let types = events.filter { $0["event"] as? String == "entity_type" }
            .compactMap { $0["type"] as? String }
        XCTAssertEqual(types, ["LOC", "MISC", "ORG", "PER"])
        let config = try String(contentsOf: output.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("BertForTokenClassification"), config)
        XCTAssertTrue(config.contains("\"B-PER\""), config)
        let predicted = try BertBinary.run(
            ["predict", "--model", output.path], input: Data("Kenji lives in Paris .\n".utf8))
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        XCTAssertTrue(predicted.stdout.hasPrefix("{\"text\":\"Kenji lives in Paris .\",\"entities\":["), predicted.stdout)
    }

    func testBadTagFileIsAOneLineErrorNamingIt() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.conll")
        try "John B-PER\nlives\n".write(to: bad, atomically: true, encoding: .utf8)
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "ner",
            "--train", bad.path, "--output", folder.appendingPathComponent("out").path,
        ])
        XCTAssertNotEqual(result.status, 0)
        let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(first.contains("bad.conll:2"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }
}
