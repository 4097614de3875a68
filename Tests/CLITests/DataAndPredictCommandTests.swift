// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

final class DataAndPredictCommandTests: XCTestCase {
    func testDataCommandPrintsTheTutorialFigures() throws {
        let result = try BertBinary.run([
            "data", "--task", "cola", "--data", TestPaths.colaZip.path, "--model",
            try TestPaths.miniLM().path,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        for expected in [
            "Number of training sentences: 8,551",
            "Token IDs:  2256 2814 2180 1005 1056 4965 2023 4106 1010 2292 2894 1996 2279 2028 2057 16599 1012",
            "Max sentence length:  47", "7,695 training samples", "856 validation samples",
            "241 training batches and 27 validation batches of 32",
        ] {
            XCTAssertTrue(result.stdout.contains(expected), "missing: \(expected)")
        }
    }

    func testCorruptDataIsAOneLineErrorNamingFileAndLine() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let raw = folder.appendingPathComponent("cola_public/raw")
        try FileManager.default.createDirectory(at: raw, withIntermediateDirectories: true)
        try "gj04\t1\t\tGood.\ngj04\t7\t\tBad label.\n".write(
            to: raw.appendingPathComponent("in_domain_train.tsv"), atomically: true, encoding: .utf8)
        for name in ["in_domain_dev", "out_of_domain_dev"] {
            try "gj04\t1\t\tFine.\n".write(
                to: raw.appendingPathComponent("\(name).tsv"), atomically: true, encoding: .utf8)
        }
        let result = try BertBinary.run([
            "data", "--data", folder.appendingPathComponent("cola_public").path, "--model",
            try TestPaths.miniLM().path,
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(
            result.stderr.hasPrefix("Error: \(raw.path)/in_domain_train.tsv:2:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("label"), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1)
    }

    func testPredictWritesOneJSONObjectPerInputWithEveryLabel() throws {
        let input = #"{"text": "the cat sat"}"# + "\n" + #"{"text": "a dog", "text_pair": "ran"}"# + "\n"
        let result = try BertBinary.run(
            ["predict", "--model", TestPaths.fixture("tiny-bert").path, "--jsonl"],
            input: Data(input.utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for line in lines {
            let object = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let probabilities = try XCTUnwrap(object["probabilities"] as? [Double])
            XCTAssertEqual(probabilities.count, 3)
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
            let id = try XCTUnwrap(object["label_id"] as? Int)
            XCTAssertEqual(
                object["label"] as? String, ["contradiction", "entailment", "neutral"][id])
        }
    }

    func testPredictOnACorruptCheckpointIsAOneLineError() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tiny = TestPaths.fixture("tiny-bert")
        for file in ["config.json", "tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: tiny.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        let weights = try Data(contentsOf: tiny.appendingPathComponent("model.safetensors"))
        try weights.prefix(weights.count / 2).write(to: folder.appendingPathComponent("model.safetensors"))
        let result = try BertBinary.run(
            ["predict", "--model", folder.path], input: Data("hello\n".utf8))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.hasPrefix("Error: \(folder.path)/model.safetensors"), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
    }
}
