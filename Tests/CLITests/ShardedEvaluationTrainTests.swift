// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// `mpirun -np N bert train`'s evaluation is sharded: every rank evaluates a run of whole
/// batches and rank 0 computes the figures from the gathered outputs. The validation figures
/// (printed and in metrics.jsonl), the tutorial's test figures and its per-batch MCC chart
/// equal one process's with 2 and 3 ranks, on evaluation sets of several batches per rank.
/// Skipped without `mpirun`.
final class ShardedEvaluationTrainTests: MPITestCase {
    /// CoLA, 48 rows a file: 33 training and 15 validation sentences (4 batches of 4: 2 + 2
    /// on two ranks, 2 + 1 + 1 on three), two test sets of 48 (12 batches). Seed and rate are
    /// chosen so that the predictions are not all one class (else any order of the gathered
    /// rows would pass) and the best epoch by accuracy is the first: rank 0 alone restores
    /// it before the tests, so the test figures also check that every rank evaluates rank
    /// 0's parameters (epoch 2's give other test figures).
    func testValidationAndTestFiguresOfTwoAndThreeRanksEqualOneProcessOnCoLA() throws {
        let data = try CoLASubset.make(in: folder)
        func arguments(_ output: URL) -> [String] {
            [
                "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola",
                "--data", data.path, "--output", output.path, "--validation-fraction", "0.3",
                "--epochs", "2", "--batch-size", "4", "--learning-rate", "2e-5", "--seed", "11",
                "--dropout", "0", "--metric-for-best", "accuracy", "--json", "--log-every", "1",
            ]
        }
        let reference = folder.appendingPathComponent("one")
        let one = try BertBinary.run(arguments(reference))
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(try events(one.stdout, "test").count, 2, one.stdout)
        let summary = try String(
            contentsOf: reference.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains("The final model is epoch 1's"), summary)
        XCTAssertNotEqual(try events(one.stdout, "test").first?["mcc"] as? Double, 0)
        for ranks in [2, 3] {
            let output = folder.appendingPathComponent("ranks-\(ranks)")
            let job = try MPIRun.run(ranks: ranks, arguments(output))
            XCTAssertFalse(job.timedOut)
            XCTAssertEqual(job.result.status, 0, job.result.stderr)
            let label = "\(ranks) ranks"
            try assertSameFigures(
                try events(job.result.stdout, "epoch"), try events(one.stdout, "epoch"),
                prefix: "val_", label + " epoch")
            try assertSameFigures(
                try events(job.result.stdout, "test"), try events(one.stdout, "test"),
                prefix: "", label + " test")
            try assertSameFigures(
                try metricsEpochs(output), try metricsEpochs(reference), prefix: "val_",
                label + " metrics.jsonl")
            XCTAssertEqual(
                try Data(contentsOf: output.appendingPathComponent("test_mcc_per_batch.svg")),
                try Data(contentsOf: reference.appendingPathComponent("test_mcc_per_batch.svg")),
                label)
        }
    }

    /// NER (entity P/R/F1 from word logits across windows), SQuAD (EM/F1 of the
    /// post-processed answers) and masked LM (loss and perplexity over batches): at learning
    /// rate 0 every run evaluates the same model, so each figure, argmax-based ones too, must
    /// agree within 1e-5.
    func testValidationFiguresOfTwoAndThreeRanksEqualOneProcessForNERSquadAndMaskedLM() throws
    {
        let texts = folder.appendingPathComponent("texts.txt")
        try (0..<60).map {
            "text \($0) : " + String(repeating: "the cat sat on a mat . ", count: 1 + $0 % 4)
        }.joined(separator: "\n").write(to: texts, atomically: true, encoding: .utf8)
        let tasks: [(String, [String])] = [
            (
                "ner",
                [
                    "--task", "ner", "--train", TestPaths.fixture("ner/train.conll").path,
                    "--validation", TestPaths.fixture("ner/validation.conll").path,
                    "--batch-size", "8",
                ]
            ),
            (
                "squad",
                [
                    // dev-v1's 50 questions train (one step): featurizing train-v2 on
                    // every rank of a debug build would take most of the time.
                    "--task", "squad", "--train", TestPaths.fixture("squad/dev-v1.json").path,
                    "--validation", TestPaths.fixture("squad/dev-v2.json").path,
                    "--version-2-with-negative", "--max-length", "64", "--doc-stride", "16",
                    "--batch-size", "8",
                ]
            ),
            (
                "mlm",
                ["--task", "mlm", "--train", texts.path, "--max-length", "32", "--batch-size", "1"]
            ),
        ]
        for (name, task) in tasks {
            func arguments(_ output: URL) -> [String] {
                ["train", "--model", TestPaths.fixture("tiny-bert").path] + task + [
                    "--output", output.path, "--epochs", "1", "--max-steps", "1",
                    "--learning-rate", "0", "--dropout", "0", "--json",
                ]
            }
            let reference = folder.appendingPathComponent("one-\(name)")
            let one = try BertBinary.run(arguments(reference))
            XCTAssertEqual(one.status, 0, one.stderr)
            let expected = try events(one.stdout, "epoch")
            XCTAssertEqual(expected.count, 1, name)
            for ranks in [2, 3] {
                let output = folder.appendingPathComponent("\(name)-\(ranks)")
                let job = try MPIRun.run(ranks: ranks, arguments(output))
                XCTAssertFalse(job.timedOut)
                XCTAssertEqual(job.result.status, 0, job.result.stderr)
                try assertSameFigures(
                    try events(job.result.stdout, "epoch"), expected, prefix: "val_",
                    "\(name) \(ranks) ranks")
                try assertSameFigures(
                    try metricsEpochs(output), try metricsEpochs(reference), prefix: "val_",
                    "\(name) \(ranks) ranks metrics.jsonl")
            }
        }
    }

    // MARK: - Helpers

    /// The `{"kind":"epoch",…}` lines of the run's metrics.jsonl.
    private func metricsEpochs(_ output: URL) throws -> [[String: Any]] {
        let text = try String(
            contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return try jsonObjects(text).filter { $0["kind"] as? String == "epoch" }
    }

    /// The same objects, with the same numeric fields starting with `prefix` (seconds
    /// aside), each within 1e-5 (NaN matching NaN); strings and counts equal.
    private func assertSameFigures(
        _ got: [[String: Any]], _ expected: [[String: Any]], prefix: String, _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        XCTAssertEqual(got.count, expected.count, label, file: file, line: line)
        var compared = 0
        for (index, (a, b)) in zip(got, expected).enumerated() {
            let keys = b.keys.filter { $0.hasPrefix(prefix) && !$0.hasSuffix("seconds") }
            XCTAssertEqual(
                Set(a.keys.filter { $0.hasPrefix(prefix) && !$0.hasSuffix("seconds") }),
                Set(keys), "\(label) #\(index)", file: file, line: line)
            for key in keys.sorted() {
                if let want = b[key] as? Double, !(b[key] is String) {
                    let have = a[key] as? Double ?? .infinity
                    let same = want.isNaN ? have.isNaN : abs(have - want) <= 1e-5
                    XCTAssertTrue(
                        same, "\(label) #\(index) \(key): \(have) vs \(want)", file: file,
                        line: line)
                    compared += 1
                } else {
                    XCTAssertEqual(
                        "\(a[key] ?? "none")", "\(b[key] ?? "none")", "\(label) #\(index) \(key)",
                        file: file, line: line)
                }
            }
        }
        XCTAssertGreaterThan(compared, 0, label, file: file, line: line)
    }
}
