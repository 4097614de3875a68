// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// `bert train --task squad|mlm`, `bert predict` on a question-answering folder and
/// `bert fill-mask`, end to end: against transformers' pipelines on folders transformers saved
/// (tiny-bert-qa, tiny-bert-mlm; fixtures from make_qa_fixtures.py and
/// make_fill_mask_fixtures.py), and on folders `bert train` saves.
final class QuestionAnsweringAndMaskedLMCommandTests: XCTestCase {
    private func jsonLines(_ text: String) throws -> [Any] {
        try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) }
    }

    private func fixture(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: TestPaths.fixture(path))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The question-answering pipeline's default answers (top_k 1, max_answer_len 15,
    /// windows of 64 with stride 32 for tiny-bert's 64 positions) on its 22 questions.
    func testPredictAnswersAsTheQuestionAnsweringPipeline() throws {
        let cases = try XCTUnwrap(try fixture("metrics/qa_pipeline.json")["cases"] as? [[String: Any]])
        let lines = try cases.map { record -> String in
            let object: [String: Any] = ["question": record["question"]!, "context": record["context"]!]
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let result = try BertBinary.run(
            ["predict", "--model", TestPaths.fixture("tiny-bert-qa").path],
            input: Data((lines.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let answers = try jsonLines(result.stdout).map { try XCTUnwrap($0 as? [String: Any]) }
        XCTAssertEqual(answers.count, cases.count)
        for (answer, record) in zip(answers, cases) {
            let runs = try XCTUnwrap(record["runs"] as? [[String: Any]])
            let defaults = try XCTUnwrap(
                runs.first { ($0["parameters"] as? [String: Any])?.isEmpty == true })
            let expected = try XCTUnwrap((defaults["answers"] as? [[String: Any]])?.first)
            XCTAssertEqual(answer["answer"] as? String, expected["answer"] as? String)
            XCTAssertEqual(answer["start"] as? Int, expected["start"] as? Int)
            XCTAssertEqual(answer["end"] as? Int, expected["end"] as? Int)
            let score = try XCTUnwrap(answer["score"] as? Double)
            let expectedScore = try XCTUnwrap(expected["score"] as? Double)
            XCTAssertEqual(score, expectedScore, accuracy: 1e-5 * expectedScore)
        }
    }

    /// The fill-mask pipeline's propositions on its 23 texts (one or two masks, its top_k).
    func testFillMaskGivesThePipelinesTokensAndScores() throws {
        let cases = try XCTUnwrap(try fixture("mlm/fill_mask.json")["cases"] as? [[String: Any]])
        for record in cases {
            let text = try XCTUnwrap(record["text"] as? String)
            let topK = record["top_k"] as? Int ?? 5
            let result = try BertBinary.run(
                ["fill-mask", "--model", TestPaths.fixture("tiny-bert-mlm").path, "--top-k", "\(topK)"],
                input: Data((text + "\n").utf8))
            XCTAssertEqual(result.status, 0, result.stderr)
            let line = try XCTUnwrap(try jsonLines(result.stdout).first as? [String: Any])
            XCTAssertEqual(line["text"] as? String, text)
            let masks = try XCTUnwrap(line["masks"] as? [[[String: Any]]])
            let expected = try XCTUnwrap(record["predictions"] as? [[[String: Any]]])
            XCTAssertEqual(masks.count, expected.count, text)
            for (got, want) in zip(masks, expected) {
                XCTAssertEqual(got.map { $0["token"] as? Int }, want.map { $0["token"] as? Int }, text)
                XCTAssertEqual(
                    got.map { $0["token_str"] as? String }, want.map { $0["token_str"] as? String }, text)
                XCTAssertEqual(
                    got.map { $0["sequence"] as? String }, want.map { $0["sequence"] as? String }, text)
                for (g, w) in zip(got, want) {
                    let score = try XCTUnwrap(g["score"] as? Double)
                    let expectedScore = try XCTUnwrap(w["score"] as? Double)
                    XCTAssertEqual(score, expectedScore, accuracy: 1e-5 * expectedScore, text)
                }
            }
        }
    }

    func testFillMaskWithoutAMaskIsAOneLineErrorNamingTheLine() throws {
        let result = try BertBinary.run(
            ["fill-mask", "--model", TestPaths.fixture("tiny-bert-mlm").path],
            input: Data("a [MASK] here\nno mask here\n".utf8))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("stdin:2"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
    }

    /// SQuAD v2.0 on tiny-bert: EM/F1 per epoch (overall, answerable, unanswerable), a folder
    /// transformers' BertForQuestionAnswering loads, and `bert predict` on it.
    func testTrainSquadReportsExactMatchAndF1AndSavesAQuestionAnsweringModel() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("squad")
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "squad",
            "--train", TestPaths.fixture("squad/train-v2.json").path,
            "--validation", TestPaths.fixture("squad/dev-v2.json").path,
            "--version-2-with-negative", "--limit-train", "40", "--max-length", "64",
            "--doc-stride", "16", "--output", output.path, "--epochs", "1", "--batch-size", "16",
            "--learning-rate", "5e-3", "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let events = try jsonLines(result.stdout).compactMap { $0 as? [String: Any] }
        let epoch = try XCTUnwrap(events.first { $0["event"] as? String == "epoch" })
        for key in [
            "val_loss", "val_exact_match", "val_f1", "val_has_answer_exact_match",
            "val_has_answer_f1", "val_no_answer_exact_match", "val_no_answer_f1",
        ] {
            XCTAssertNotNil(epoch[key] as? Double, "epoch event lacks \(key): \(epoch)")
        }
        let config = try String(contentsOf: output.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("BertForQuestionAnswering"), config)
        let context = "Anna lives in Oslo and works at the harbour."
        let predicted = try BertBinary.run(
            ["predict", "--model", output.path, "--top-k", "2"],
            input: Data("{\"question\":\"Where does Anna live?\",\"context\":\"\(context)\"}\n".utf8))
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        let answers = try XCTUnwrap(try jsonLines(predicted.stdout).first as? [[String: Any]])
        XCTAssertEqual(answers.count, 2)
        for answer in answers {
            let start = try XCTUnwrap(answer["start"] as? Int)
            let end = try XCTUnwrap(answer["end"] as? Int)
            let text = Array(context.unicodeScalars)[start..<end].map(String.init).joined()
            XCTAssertEqual(answer["answer"] as? String, text)
        }
    }

    /// Masked-LM fine-tuning of a checkpoint without the head: the newly-initialized notice,
    /// perplexity per epoch, and a folder `bert fill-mask` reads.
    func testTrainMaskedLMReportsPerplexityAndSavesAFillMaskModel() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let texts = folder.appendingPathComponent("texts.txt")
        let sentences = try String(
            contentsOf: TestPaths.fixture("ner/train.conll"), encoding: .utf8
        ).components(separatedBy: "\n\n").prefix(120).map {
            $0.split(separator: "\n").compactMap { $0.split(separator: " ").first }.joined(separator: " ")
        }
        try (sentences.joined(separator: "\n") + "\n").write(to: texts, atomically: true, encoding: .utf8)
        let output = folder.appendingPathComponent("mlm")
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "mlm",
            "--train", texts.path, "--whole-word-mask", "--output", output.path,
            "--epochs", "2", "--batch-size", "16", "--learning-rate", "5e-3", "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("cls.predictions.transform.dense.weight"), result.stderr)
        let epochs = try jsonLines(result.stdout).compactMap { $0 as? [String: Any] }
            .filter { $0["event"] as? String == "epoch" }
        XCTAssertEqual(epochs.count, 2)
        let perplexities = try epochs.map { try XCTUnwrap($0["val_perplexity"] as? Double) }
        let losses = try epochs.map { try XCTUnwrap($0["val_loss"] as? Double) }
        for (perplexity, loss) in zip(perplexities, losses) {
            XCTAssertEqual(perplexity, exp(loss), accuracy: 1e-9 * perplexity)
        }
        XCTAssertLessThan(losses[1], losses[0], "the second epoch learns something")
        let config = try String(contentsOf: output.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(config.contains("BertForMaskedLM"), config)
        let filled = try BertBinary.run(
            ["fill-mask", "--model", output.path], input: Data("Kenji lives in [MASK] .\n".utf8))
        XCTAssertEqual(filled.status, 0, filled.stderr)
        XCTAssertTrue(filled.stderr.isEmpty, "a trained head loads without notices: \(filled.stderr)")
    }

    func testABadSquadFileIsAOneLineErrorNamingTheField() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = folder.appendingPathComponent("bad.json")
        try #"{"data": [{"title": "t", "paragraphs": [{"context": "abc", "qas": [{"id": "1", "question": "q", "answers": [{"text": "x", "answer_start": 7}]}]}]}]}"#
            .write(to: bad, atomically: true, encoding: .utf8)
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "squad",
            "--train", bad.path, "--output", folder.appendingPathComponent("out").path,
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("bad.json"), result.stderr)
        XCTAssertTrue(result.stderr.contains("answer_start"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
    }

    /// Checkpoints and `--resume` for both heads, as for sequence classification: a run killed
    /// after step 3 and resumed ends with the uninterrupted run's model and step losses, and
    /// the run report (masks drawn from the seed, epoch and text, not from a stream that the
    /// interruption would reset).
    func testSquadAndMaskedLMRunsResumeExactly() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let texts = folder.appendingPathComponent("texts.txt")
        try (0..<60).map { "sentence \($0) : the \($0 % 7) cats sat on mats in town \($0 % 5) ." }
            .joined(separator: "\n").write(to: texts, atomically: true, encoding: .utf8)
        let tasks: [[String]] = [
            [
                "--task", "squad", "--train", TestPaths.fixture("squad/train-v2.json").path,
                "--limit-train", "24", "--max-length", "64", "--doc-stride", "16",
                "--version-2-with-negative",
            ],
            ["--task", "mlm", "--train", texts.path, "--max-length", "16"],
        ]
        for task in tasks {
            func arguments(_ output: URL, _ extra: [String] = []) -> [String] {
                ["train", "--model", TestPaths.fixture("tiny-bert").path] + task + [
                    "--output", output.path, "--epochs", "2", "--batch-size", "8",
                    "--learning-rate", "1e-3", "--save-steps", "2", "--json",
                ] + extra
            }
            func steps(_ output: URL) throws -> [String] {
                try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
                    .split(separator: "\n").map(String.init).filter { $0.hasPrefix("{\"kind\":\"step\"") }
            }
            let reference = folder.appendingPathComponent("reference-\(task[1])")
            let uninterrupted = try BertBinary.run(arguments(reference))
            XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)
            let output = folder.appendingPathComponent("resumed-\(task[1])")
            let killed = try BertBinary.run(arguments(output, ["--debug-exit-after-step", "3"]))
            XCTAssertEqual(killed.status, 3, killed.stderr)
            let resumed = try BertBinary.run(arguments(output, ["--resume", "latest"]))
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertTrue(resumed.stderr.contains("Resuming from \(output.path)/checkpoint-2"), resumed.stderr)
            XCTAssertEqual(
                try Data(contentsOf: output.appendingPathComponent("model.safetensors")),
                try Data(contentsOf: reference.appendingPathComponent("model.safetensors")), task[1])
            XCTAssertEqual(try steps(output), try steps(reference), task[1])
            XCTAssertGreaterThan(try steps(output).count, 4, task[1])
            for file in ["metrics.jsonl", "metrics.csv", "loss_curve.svg", "summary.md"] {
                XCTAssertTrue(
                    FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path),
                    "\(task[1]): \(file)")
            }
        }
    }
}
