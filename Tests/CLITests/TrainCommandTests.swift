// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// `bert train` and `bert evaluate` end to end on the tiny model and a small CoLA folder.
final class TrainCommandTests: XCTestCase {

    func testTrainWritesAFolderThatPredictAndEvaluateLoad() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try CoLASubset.make(in: folder)
        let output = folder.appendingPathComponent("out")
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", output.path, "--epochs", "2", "--batch-size", "8",
            "--learning-rate", "1e-3", "--log-every", "2", "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let kinds = events.compactMap { $0["event"] as? String }
        XCTAssertEqual(kinds.filter { $0 == "epoch" }.count, 2)
        XCTAssertEqual(kinds.filter { $0 == "test" }.count, 2)
        XCTAssertEqual(kinds.last, "done")
        let step = try XCTUnwrap(events.first { $0["event"] as? String == "step" })
        for key in ["epoch", "step", "loss", "learning_rate", "grad_norm"] {
            XCTAssertNotNil(step[key], "step event lacks \(key)")
        }
        let epoch = try XCTUnwrap(events.first { $0["event"] as? String == "epoch" })
        for key in ["train_loss", "val_loss", "val_accuracy", "val_mcc", "seconds"] {
            XCTAssertNotNil(epoch[key], "epoch event lacks \(key)")
        }
        for file in ["model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path),
                "missing \(file)")
        }
        let config = try String(contentsOf: output.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"unacceptable\""), config)
        XCTAssertTrue(config.contains("BertForSequenceClassification"), config)
        let predicted = try BertBinary.run(
            ["predict", "--model", output.path], input: Data("The cat sat.\n".utf8))
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        XCTAssertTrue(
            predicted.stdout.hasPrefix("acceptable\t") || predicted.stdout.hasPrefix("unacceptable\t"),
            predicted.stdout)
        let evaluated = try BertBinary.run([
            "evaluate", "--model", output.path, "--task", "cola", "--data", data.path, "--json",
        ])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        XCTAssertTrue(evaluated.stdout.contains("\"mcc\""), evaluated.stdout)
    }

    /// Each bad input: a non-zero exit, a one-line error first, and no output folder.
    func testBadInputIsAnErrorAndWritesNothing() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try CoLASubset.make(in: folder)
        let empty = folder.appendingPathComponent("empty/cola_public/raw")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        for name in ["in_domain_train", "in_domain_dev", "out_of_domain_dev"] {
            try "".write(to: empty.appendingPathComponent("\(name).tsv"), atomically: true, encoding: .utf8)
        }
        let corrupt = folder.appendingPathComponent("cola_public_1.1.zip")
        try Data("not a zip".utf8).write(to: corrupt)
        let blocker = folder.appendingPathComponent("file")
        try Data().write(to: blocker)
        let model = TestPaths.fixture("tiny-bert").path
        let output = folder.appendingPathComponent("out")
        let cases: [(String, [String], String)] = [
            ("missing data", ["--data", folder.appendingPathComponent("nope").path], "nope"),
            ("corrupt zip", ["--data", corrupt.path], "cola_public_1.1.zip"),
            ("empty training set", ["--data", folder.appendingPathComponent("empty/cola_public").path], "in_domain_train.tsv: no examples"),
            ("batch size 0", ["--data", data.path, "--batch-size", "0"], "--batch-size"),
            ("negative learning rate", ["--data", data.path, "--learning-rate", "-1"], "--learning-rate"),
        ]
        for (name, arguments, mention) in cases {
            let result = try BertBinary.run(
                ["train", "--model", model, "--task", "cola", "--output", output.path] + arguments)
            XCTAssertNotEqual(result.status, 0, name)
            let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(first.hasPrefix("Error: "), "\(name): \(result.stderr)")
            XCTAssertTrue(first.contains(mention), "\(name): \(first)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "\(name) wrote output")
        }
        let unwritable = try BertBinary.run([
            "train", "--model", model, "--task", "cola", "--data", data.path, "--output",
            blocker.appendingPathComponent("out").path,
        ])
        XCTAssertNotEqual(unwritable.status, 0)
        XCTAssertTrue(unwritable.stderr.hasPrefix("Error: \(blocker.path)/out: cannot write"), unwritable.stderr)
        XCTAssertEqual(unwritable.stderr.filter { $0 == "\n" }.count, 1, unwritable.stderr)
    }
}
