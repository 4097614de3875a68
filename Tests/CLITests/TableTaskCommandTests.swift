// swift-bert — CLI tests: training, evaluating and predicting on the user's own files.

import Foundation
import XCTest
import _TestSupport

/// `bert train|evaluate|predict --task tsv|csv|jsonl` end to end on the tiny model, with a
/// small three-label premise/hypothesis set written here.
final class TableTaskCommandTests: XCTestCase {
    static let labels = ["entailment", "neutral", "contradiction"]

    /// `count` NLI-like rows (premise, hypothesis, label), labels in turn, built from fixed
    /// word lists so the data are the same on every run.
    static func nliRows(count: Int, offset: Int = 0) -> [(String, String, String)] {
        let subjects = ["man", "woman", "dog", "child", "cat", "teacher", "farmer"]
        let places = ["park", "kitchen", "garden", "street", "library"]
        return (offset..<(offset + count)).map { index in
            let subject = subjects[index % subjects.count]
            let place = places[(index / subjects.count) % places.count]
            let premise = "The \(subject) is walking in the \(place), slowly."
            let label = labels[index % 3]
            let hypothesis: String
            switch label {
            case "entailment": hypothesis = "A \(subject) is in the \(place)."
            case "neutral": hypothesis = "The \(subject) is \"happy\" today."
            default: hypothesis = "The \(subject) is asleep at home."
            }
            return (premise, hypothesis, label)
        }
    }

    /// A CSV file with a header and RFC 4180 quoting.
    static func writeCSV(_ rows: [(String, String, String)], to url: URL) throws {
        func quoted(_ field: String) -> String {
            field.contains(",") || field.contains("\"")
                ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
        }
        let lines = ["premise,hypothesis,label"] + rows.map {
            [$0.0, $0.1, $0.2].map(quoted).joined(separator: ",")
        }
        try (lines.joined(separator: "\r\n") + "\r\n").write(to: url, atomically: true, encoding: .utf8)
    }

    private func jsonObjects(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testTrainOnACSVPairTaskThenPredictAndEvaluate() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let train = folder.appendingPathComponent("train.csv")
        let test = folder.appendingPathComponent("test.csv")
        try Self.writeCSV(Self.nliRows(count: 60), to: train)
        try Self.writeCSV(Self.nliRows(count: 12, offset: 60), to: test)
        let output = folder.appendingPathComponent("out")
        let columns = [
            "--text-column", "premise", "--text-pair-column", "hypothesis", "--label-column", "label",
        ]
        let result = try BertBinary.run(
            [
                "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "csv",
                "--train", train.path, "--test", test.path, "--output", output.path,
                "--epochs", "1", "--batch-size", "8", "--max-steps", "4", "--learning-rate", "1e-3",
                "--json",
            ] + columns)
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = try jsonObjects(result.stdout)
        let testEvent = try XCTUnwrap(events.first { $0["event"] as? String == "test" })
        XCTAssertEqual(testEvent["n"] as? Int, 12)
        XCTAssertNotNil(testEvent["macro_f1"])
        let epoch = try XCTUnwrap(events.first { $0["event"] as? String == "epoch" })
        XCTAssertNotNil(epoch["val_macro_f1"], "6 of 60 rows split off for validation")

        let configData = try Data(contentsOf: output.appendingPathComponent("config.json"))
        let config = try XCTUnwrap(JSONSerialization.jsonObject(with: configData) as? [String: Any])
        XCTAssertEqual(
            config["id2label"] as? [String: String],
            ["0": "contradiction", "1": "entailment", "2": "neutral"])
        XCTAssertEqual(
            config["label2id"] as? [String: Int],
            ["contradiction": 0, "entailment": 1, "neutral": 2])

        // CSV in, CSV out: the input's columns, then the prediction (renamed, as the input
        // already has a `label` column).
        let predictions = folder.appendingPathComponent("predictions.csv")
        let predicted = try BertBinary.run(
            [
                "predict", "--model", output.path, "--input", test.path, "--output",
                predictions.path, "--text-column", "premise", "--text-pair-column", "hypothesis",
            ])
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        let lines = try String(contentsOf: predictions, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 13)
        XCTAssertEqual(
            lines.first, "premise,hypothesis,label,predicted_label,predicted_probabilities")
        let first = String(lines[1])
        XCTAssertTrue(first.hasPrefix("\"The cat is walking in the street, slowly.\",A cat is in the street.,entailment,"), first)
        XCTAssertTrue(Self.labels.contains { first.contains(",\($0),\"[") }, first)

        // JSON Lines in, JSON Lines out: every key kept, `label` and `probabilities` added.
        let jsonlInput = folder.appendingPathComponent("unlabeled.jsonl")
        try "{\"id\": 7, \"premise\": \"The cat sleeps.\", \"hypothesis\": \"A cat rests.\"}\n\n{\"id\": 8, \"premise\": \"A dog runs.\", \"hypothesis\": \"The dog is asleep.\"}\n"
            .write(to: jsonlInput, atomically: true, encoding: .utf8)
        let jsonlRun = try BertBinary.run(
            [
                "predict", "--model", output.path, "--input", jsonlInput.path,
                "--text-column", "premise", "--text-pair-column", "hypothesis",
            ])
        XCTAssertEqual(jsonlRun.status, 0, jsonlRun.stderr)
        let objects = try jsonObjects(jsonlRun.stdout)
        XCTAssertEqual(objects.map { $0["id"] as? Int }, [7, 8])
        for object in objects {
            XCTAssertTrue(Self.labels.contains(object["label"] as? String ?? ""), "\(object)")
            let probabilities = try XCTUnwrap(object["probabilities"] as? [Double])
            XCTAssertEqual(probabilities.count, 3)
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
        }

        let evaluated = try BertBinary.run(
            ["evaluate", "--model", output.path, "--task", "csv", "--test", test.path, "--json"]
                + columns)
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let summary = try XCTUnwrap(jsonObjects(evaluated.stdout).first)
        XCTAssertEqual(summary["split"] as? String, "test")
        XCTAssertEqual(summary["n"] as? Int, 12)
        XCTAssertEqual(summary["labels"] as? [String], ["contradiction", "entailment", "neutral"])
        XCTAssertNotNil(summary["macro_f1"])
        let confusion = try XCTUnwrap(summary["confusion"] as? [[Int]])
        XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), 12)
    }

    /// Each bad input: a non-zero exit, one error line naming the file, line and field, and
    /// no output folder.
    func testBadTableInputIsAOneLineErrorNamingFileAndLine() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ text: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let good = try write("good.tsv", "sentence\tlabel\nA cat.\tyes\nA dog.\tno\nA cow.\tyes\n")
        let ragged = try write("ragged.tsv", "sentence\tlabel\nA cat.\tyes\nA dog.\tno\textra\n")
        let unseen = try write("unseen.tsv", "sentence\tlabel\nA cat.\tmaybe\n")
        let quote = try write("quote.csv", "sentence,label\n\"A cat.,yes\nA dog.,no\n")
        let json = try write("bad.jsonl", "{\"sentence\": \"A cat.\", \"label\": \"yes\"}\n{\"sentence\": \"A dog.\", \"label\": \n")
        let noLabel = try write("nolabel.jsonl", "{\"sentence\": \"A cat.\", \"label\": \"yes\"}\n{\"sentence\": \"A dog.\"}\n")
        let columns = ["--text-column", "sentence", "--label-column", "label"]
        let cases: [(String, [String], String)] = [
            ("missing column", ["--task", "tsv", "--train", good, "--text-column", "text", "--label-column", "label"],
                "\(good):1: field 'text': no such column; columns: sentence, label"),
            ("ragged row", ["--task", "tsv", "--train", ragged] + columns,
                "\(ragged):3: expected 2 fields (as in the first row), found 3"),
            ("label never seen in training", ["--task", "tsv", "--train", good, "--test", unseen] + columns,
                "\(unseen):2: field 'label': expected a label seen in training (no, yes), found \"maybe\""),
            ("unterminated quote", ["--task", "csv", "--train", quote] + columns,
                "\(quote):2: invalid CSV: field 1: quoted field is never closed"),
            ("invalid JSON line", ["--task", "jsonl", "--train", json] + columns,
                "\(json):2: invalid JSON: not a valid JSON value"),
            ("missing JSON key", ["--task", "jsonl", "--train", noLabel] + columns,
                "\(noLabel):2: field 'label': no such column; columns: sentence"),
            ("no label column", ["--task", "tsv", "--train", good, "--text-column", "sentence"],
                "--label-column"),
            ("data with a table task", ["--task", "tsv", "--data", good] + columns, "--data"),
            ("table options with cola", ["--task", "cola", "--data", good, "--train", good], "--train"),
        ]
        let output = folder.appendingPathComponent("out")
        for (name, arguments, message) in cases {
            let result = try BertBinary.run(
                ["train", "--model", TestPaths.fixture("tiny-bert").path, "--output", output.path]
                    + arguments)
            XCTAssertNotEqual(result.status, 0, name)
            let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
            XCTAssertTrue(first.hasPrefix("Error: "), "\(name): \(result.stderr)")
            XCTAssertTrue(first.contains(message), "\(name): \(first)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "\(name) wrote output")
        }
    }
}
