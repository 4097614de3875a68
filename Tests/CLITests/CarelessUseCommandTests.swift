// swift-bert — CLI tests: careless use that used to give a wrong answer or a vague error.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

final class CarelessUseCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// A copy of tiny-bert whose weights are the fixture's after `edit`.
    private func model(_ edit: (inout [String: ([Int], [Float])]) -> Void) throws -> URL {
        let copy = folder.appendingPathComponent("model-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: TestPaths.fixture("tiny-bert"), to: copy)
        let url = copy.appendingPathComponent("model.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        var tensors: [String: ([Int], [Float])] = [:]
        for name in file.tensorNames {
            tensors[name] = (try file.info(name).shape, try file.floats(name))
        }
        edit(&tensors)
        var writer = SafeTensorsWriter()
        for name in tensors.keys.sorted() {
            let (shape, values) = tensors[name] ?? ([], [])
            try writer.add(name, shape: shape, floats: values)
        }
        try FileManager.default.removeItem(at: url)
        try writer.write(to: url)
        return copy
    }

    func testPredictRefusesNonFiniteLogitsNamingTheModel() throws {
        for value in [Float.nan, .infinity] {
            let model = try self.model { $0["classifier.bias"]?.1[0] = value }
            let result = try BertBinary.run(
                ["predict", "--model", model.path, "--jsonl"],
                input: Data("{\"text\": \"a\"}\n{\"text\": \"b\"}\n".utf8))
            XCTAssertNotEqual(result.status, 0, "\(value)")
            XCTAssertEqual(
                result.stderr,
                "Error: \(model.path): the model's logits for input 1 are not finite (NaN or "
                    + "infinity): its weights are damaged or overflow\n")
            XCTAssertEqual(result.stdout, "", "\(value)")
        }
    }

    func testPredictWarnsOnceForANewHeadAndForUnusedTensors() throws {
        let model = try self.model { tensors in
            tensors["classifier.weight"] = nil
            tensors["classifier.bias"] = nil
            tensors["cls.predictions.bias"] = ([800], [Float](repeating: 0, count: 800))
        }
        let result = try BertBinary.run(
            ["predict", "--model", model.path], input: Data("one\ntwo\nthree\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 3, result.stdout)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2, result.stderr)
        XCTAssertTrue(
            lines.first?.hasPrefix(
                "warning: Some weights of BertForSequenceClassification were not initialized "
                    + "from the model checkpoint at \(model.path) and are newly initialized: "
                    + "['classifier.weight', 'classifier.bias']") == true, result.stderr)
        XCTAssertEqual(
            lines.last,
            "warning: Some weights of the model checkpoint at \(model.path) were not used when "
                + "initializing BertForSequenceClassification: ['cls.predictions.bias']")
        // A fine-tuned folder with every tensor used: no warning at all.
        let clean = try BertBinary.run(
            ["predict", "--model", TestPaths.fixture("tiny-bert").path], input: Data("one\n".utf8))
        XCTAssertEqual(clean.status, 0, clean.stderr)
        XCTAssertEqual(clean.stderr, "")
    }

    func testBadOptionValuesAreRefusedNamingTheOption() throws {
        let data = try CoLASubset.make(in: folder, count: 16)
        let base = [
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", folder.appendingPathComponent("out").path,
        ]
        let cases: [([String], String)] = [
            (["--batch-size", "-5"], "--batch-size must be ≥ 1"),
            (["--epochs", "-1"], "--epochs"),
            (["--max-length", "-3"], "--max-length must be ≥ 2"),
            (["--save-steps", "0"], "--save-steps must be ≥ 1"),
            (["--save-total-limit", "0"], "--save-total-limit must be ≥ 1"),
            (["--num-labels", "1000000000"], "--num-labels must be in 1...65536"),
            (["--resume", "latest", "--resume", "latest"], "--resume is given 2 times"),
            (["--validation-fraction", "-0.5"], "--validation-fraction must be in [0, 1)"),
        ]
        for (arguments, mention) in cases {
            let result = try BertBinary.run(base + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(first.hasPrefix("Error: "), "\(arguments): \(result.stderr)")
            XCTAssertTrue(first.contains(mention), "\(arguments): \(first)")
            XCTAssertFalse(first.contains("Missing value"), "\(arguments): \(first)")
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
        }
    }

    func testResumeLatestWithOnlyIncompleteCheckpointsIsAnError() throws {
        let data = try CoLASubset.make(in: folder, count: 16)
        let output = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(
            at: output.appendingPathComponent("checkpoint-4"), withIntermediateDirectories: true)
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", output.path, "--resume", "latest", "--epochs", "1",
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(
            result.stderr.hasSuffix(
                "Error: --resume latest: \(output.path) holds no complete checkpoint "
                    + "(checkpoint-4 has no trainer_state.json); remove it to start again\n"),
            result.stderr)
        XCTAssertFalse(result.stdout.contains("Epoch"), result.stdout)
    }

    func testSingleLabelTrainingFileIsAOneLineError() throws {
        let train = folder.appendingPathComponent("train.csv")
        try "text,label\na,yes\nb,yes\nc,yes\n".write(to: train, atomically: true, encoding: .utf8)
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "csv", "--train",
            train.path, "--text-column", "text", "--label-column", "label", "--output",
            folder.appendingPathComponent("out").path, "--validation-fraction", "0",
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(
            result.stderr,
            "Error: \(train.path): every training example has the label 'yes': classification "
                + "needs at least 2 labels (--num-labels N adds more)\n")
    }
}
