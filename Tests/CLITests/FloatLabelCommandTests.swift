// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// `bert train --problem-type regression|multi_label_classification` and `bert predict` on
/// the folders it saves.
final class FloatLabelCommandTests: XCTestCase {
    private func write(_ text: String, _ name: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    private func table(_ rows: Int, _ label: (Int) -> String) -> String {
        let words = ["good", "bad", "great", "awful", "fine", "poor"]
        return "text,label\n" + (0..<rows).map { i in
            "\(words[i % 6]) \(words[(i / 6) % 6]) film,\"\(label(i))\""
        }.joined(separator: "\n") + "\n"
    }

    func testRegressionTrainsReportsCorrelationsAndPredictsValues() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let train = try write(table(60) { String(Double($0 % 6) - 2.5) }, "train.csv", in: folder)
        let output = folder.appendingPathComponent("out")
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "csv",
            "--train", train.path, "--text-column", "text", "--label-column", "label",
            "--problem-type", "regression", "--output", output.path, "--epochs", "2",
            "--batch-size", "8", "--learning-rate", "1e-3", "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let epoch = try XCTUnwrap(
            result.stdout.split(separator: "\n").last { $0.contains("\"event\":\"epoch\"") })
        for key in ["val_mse", "val_pearson", "val_spearman"] {
            XCTAssertTrue(epoch.contains("\"\(key)\""), String(epoch))
        }
        let config = try String(contentsOf: output.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("\"problem_type\": \"regression\""), config)
        let predicted = try BertBinary.run(
            ["predict", "--model", output.path, "--jsonl"],
            input: Data("{\"text\": \"good film\"}\n".utf8))
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        XCTAssertTrue(predicted.stdout.hasPrefix("{\"score\":"), predicted.stdout)

        let bad = try write("text,label\ngood film,1.5\nbad film,high\n", "bad.csv", in: folder)
        let failed = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "csv",
            "--train", bad.path, "--text-column", "text", "--label-column", "label",
            "--problem-type", "regression", "--output", folder.appendingPathComponent("bad").path,
        ])
        XCTAssertNotEqual(failed.status, 0)
        let first = failed.stderr.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(first.contains("bad.csv:3") && first.contains("a finite number"), failed.stderr)
    }

    func testMultiLabelTrainsReportsF1AndPredictsLabelsAboveTheThreshold() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let names = ["", "pos", "neg", "pos,neg"]
        let train = try write(table(60) { names[$0 % 4] }, "train.csv", in: folder)
        let output = folder.appendingPathComponent("out")
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "csv",
            "--train", train.path, "--text-column", "text", "--label-column", "label",
            "--problem-type", "multi_label_classification", "--output", output.path,
            "--epochs", "2", "--batch-size", "8", "--learning-rate", "1e-3", "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let epoch = try XCTUnwrap(
            result.stdout.split(separator: "\n").last { $0.contains("\"event\":\"epoch\"") })
        for key in ["val_micro_f1", "val_macro_f1", "val_subset_accuracy"] {
            XCTAssertTrue(epoch.contains("\"\(key)\""), String(epoch))
        }
        let config = try String(contentsOf: output.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("multi_label_classification"), config)
        XCTAssertTrue(config.contains("\"neg\"") && config.contains("\"pos\""), config)
        for (threshold, expected) in [("0", "[\"neg\",\"pos\"]"), ("1", "[]")] {
            let predicted = try BertBinary.run(
                ["predict", "--model", output.path, "--jsonl", "--threshold", threshold],
                input: Data("{\"text\": \"good film\"}\n".utf8))
            XCTAssertEqual(predicted.status, 0, predicted.stderr)
            XCTAssertTrue(
                predicted.stdout.hasPrefix("{\"labels\":\(expected),\"probabilities\":["),
                predicted.stdout)
        }
    }

    /// JSON Lines: a regression label may be a fractional number, a multi-label label an
    /// array of names; a list of numbers is an error naming the element.
    func testJSONLinesNumbersAndLabelLists() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let words = ["good", "bad", "great", "awful"]
        let regression = try write(
            (0..<24).map { "{\"text\": \"\(words[$0 % 4]) film\", \"label\": \(Double($0 % 4) * 0.5 - 0.75)}" }
                .joined(separator: "\n") + "\n", "reg.jsonl", in: folder)
        let lists = [#"[]"#, #"["pos"]"#, #"["neg"]"#, #"["pos", "neg"]"#]
        let multi = try write(
            (0..<24).map { "{\"text\": \"\(words[$0 % 4]) film\", \"label\": \(lists[$0 % 4])}" }
                .joined(separator: "\n") + "\n", "multi.jsonl", in: folder)
        for (file, type) in [(regression, "regression"), (multi, "multi_label_classification")] {
            let result = try BertBinary.run([
                "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "jsonl",
                "--train", file.path, "--text-column", "text", "--label-column", "label",
                "--problem-type", type, "--output", folder.appendingPathComponent(type).path,
                "--epochs", "1", "--batch-size", "8",
            ])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let config = try String(
            contentsOf: folder.appendingPathComponent("multi_label_classification/config.json"),
            encoding: .utf8)
        XCTAssertTrue(config.contains("\"neg\"") && config.contains("\"pos\""), config)
        let bad = try write(#"{"text": "a", "label": ["pos", 3]}"# + "\n", "bad.jsonl", in: folder)
        let failed = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "jsonl",
            "--train", bad.path, "--text-column", "text", "--label-column", "label",
            "--problem-type", "multi_label_classification",
            "--output", folder.appendingPathComponent("bad").path,
        ])
        XCTAssertNotEqual(failed.status, 0)
        let first = failed.stderr.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(first.contains("bad.jsonl:1") && first.contains("label[1]"), failed.stderr)
    }
}
