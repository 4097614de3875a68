// swift-bert — CLI tests.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

/// `mpirun -np N bert train` against one process on tiny-bert: the same losses, gradient
/// norms, validation figures and final model up to rounding, with `--dropout 0` and with the
/// config's dropout (0.1: every rank draws one process's masks for its share), rank 0 alone
/// printing and writing, checkpoints that refuse another world size, and one error line when
/// a rank fails. Skipped without `mpirun` (`make deps` installs Open MPI).
final class DataParallelTrainTests: MPITestCase {
    /// 48 CoLA sentences: 43 training examples in batches of 8 (the last of 3: 2 + 1 on two
    /// ranks, 1 + 1 + 1 on three), 5 validation. `dropout: false` leaves the config's 0.1.
    private func colaArguments(
        _ output: URL, _ extra: [String] = [], dropout: Bool = false
    ) throws -> [String] {
        let data = try CoLASubset.make(in: folder)
        return [
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", output.path, "--epochs", "2", "--batch-size", "8",
            "--learning-rate", "1e-3", "--json", "--log-every", "1",
        ] + (dropout ? [] : ["--dropout", "0"]) + extra
    }

    /// `bert train --task ner` on the NER fixture, 12 steps of 5 sentences.
    private func nerArguments(_ output: URL, dropout: Bool = false) -> [String] {
        [
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "ner",
            "--train", TestPaths.fixture("ner/train.conll").path,
            "--validation", TestPaths.fixture("ner/validation.conll").path,
            "--output", output.path, "--epochs", "1", "--max-steps", "12",
            "--batch-size", "5", "--learning-rate", "1e-3", "--json", "--log-every", "1",
        ] + (dropout ? [] : ["--dropout", "0"])
    }

    func testTwoAndThreeRanksFollowOneProcessOnCoLAWithAnUnevenLastBatch() throws {
        let reference = folder.appendingPathComponent("one")
        let one = try BertBinary.run(try colaArguments(reference))
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(try events(one.stdout, "step").count, 12)

        // Two ranks, each with its own --output: rank 1 must write nothing into its own.
        let two = folder.appendingPathComponent("two")
        let unused = folder.appendingPathComponent("rank-1-output")
        let job = try MPIRun.run(programs: [
            try colaArguments(two), try colaArguments(unused),
        ])
        XCTAssertFalse(job.timedOut)
        XCTAssertEqual(job.result.status, 0, job.result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: unused.path), "rank 1 wrote")
        try assertSameRun(job.result.stdout, one.stdout, models: (two, reference), "2 ranks")
        XCTAssertEqual(try events(job.result.stdout, "done").count, 1, "rank 1 printed")
        for step in try events(job.result.stdout, "step") {
            XCTAssertEqual(step["allreduce_bytes"] as? Int, Self.tinyClassifierBytes)
        }
        let allreduce = try events(job.result.stdout, "allreduce")
        XCTAssertEqual(allreduce.first?["steps"] as? Int, 12, job.result.stdout)

        let three = folder.appendingPathComponent("three")
        let job3 = try MPIRun.run(ranks: 3, try colaArguments(three))
        XCTAssertFalse(job3.timedOut)
        XCTAssertEqual(job3.result.status, 0, job3.result.stderr)
        try assertSameRun(job3.result.stdout, one.stdout, models: (three, reference), "3 ranks")
        let summary = try String(
            contentsOf: three.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains("| ranks (mpirun) | 3 |"), summary)
    }

    func testWithDropoutTwoAndThreeRanksFollowOneProcessOnCoLAWithAnUnevenLastBatch() throws {
        let reference = folder.appendingPathComponent("one")
        let one = try BertBinary.run(try colaArguments(reference, dropout: true))
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(try events(one.stdout, "step").count, 12)
        for ranks in [2, 3] {
            let output = folder.appendingPathComponent("ranks-\(ranks)")
            let job = try MPIRun.run(ranks: ranks, try colaArguments(output, dropout: true))
            XCTAssertFalse(job.timedOut)
            XCTAssertEqual(job.result.status, 0, job.result.stderr)
            try assertSameRun(
                job.result.stdout, one.stdout, models: (output, reference),
                "\(ranks) ranks, dropout 0.1")
        }
        // Without dropout the run differs: the masks above did take part.
        let off = folder.appendingPathComponent("off")
        let without = try BertBinary.run(try colaArguments(off))
        XCTAssertEqual(without.status, 0, without.stderr)
        XCTAssertNotEqual(
            try events(without.stdout, "step").first?["loss"] as? Double,
            try events(one.stdout, "step").first?["loss"] as? Double)
    }

    func testWithDropoutAccumulationWithAnEmptyShareAndTokenClassificationFollowOneProcess()
        throws
    {
        // 41 examples: micro-batches 8, 8 | 8, 8 | 8, 1; the last one is 1 + 0 on two ranks,
        // whose rank 1 still draws the micro-batch's dropout word.
        let extra = ["--limit-train", "41", "--gradient-accumulation-steps", "2"]
        let reference = folder.appendingPathComponent("one")
        let one = try BertBinary.run(try colaArguments(reference, extra, dropout: true))
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = folder.appendingPathComponent("two")
        let job = try MPIRun.run(try colaArguments(two, extra, dropout: true))
        XCTAssertFalse(job.timedOut)
        XCTAssertEqual(job.result.status, 0, job.result.stderr)
        try assertSameRun(
            job.result.stdout, one.stdout, models: (two, reference), "accumulation, dropout 0.1")

        // Per-token classifier dropout over each sequence's own rows.
        let nerReference = folder.appendingPathComponent("ner-one")
        let ner = try BertBinary.run(nerArguments(nerReference, dropout: true))
        XCTAssertEqual(ner.status, 0, ner.stderr)
        let nerTwo = folder.appendingPathComponent("ner-two")
        let nerJob = try MPIRun.run(nerArguments(nerTwo, dropout: true))
        XCTAssertFalse(nerJob.timedOut)
        XCTAssertEqual(nerJob.result.status, 0, nerJob.result.stderr)
        try assertSameRun(
            nerJob.result.stdout, ner.stdout, models: (nerTwo, nerReference), "ner, dropout 0.1")
    }

    func testGradientAccumulationWithAnEmptyShareFollowsOneProcess() throws {
        // 41 examples: micro-batches 8, 8 | 8, 8 | 8, 1; the last one is 1 + 0 on two ranks.
        let extra = ["--limit-train", "41", "--gradient-accumulation-steps", "2"]
        let reference = folder.appendingPathComponent("one")
        let one = try BertBinary.run(try colaArguments(reference, extra))
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertEqual(try events(one.stdout, "step").count, 6)
        let two = folder.appendingPathComponent("two")
        let job = try MPIRun.run(try colaArguments(two, extra))
        XCTAssertFalse(job.timedOut)
        XCTAssertEqual(job.result.status, 0, job.result.stderr)
        try assertSameRun(job.result.stdout, one.stdout, models: (two, reference), "accumulation")
    }

    func testTwoRanksFollowOneProcessOnTokenClassificationWithTokenWeightedLosses() throws {
        // Sentences of different lengths: each rank's share holds another number of
        // labelled tokens, so its loss weighs by tokens, not sentences.
        let reference = folder.appendingPathComponent("one")
        let one = try BertBinary.run(nerArguments(reference))
        XCTAssertEqual(one.status, 0, one.stderr)
        let two = folder.appendingPathComponent("two")
        let job = try MPIRun.run(nerArguments(two))
        XCTAssertFalse(job.timedOut)
        XCTAssertEqual(job.result.status, 0, job.result.stderr)
        try assertSameRun(job.result.stdout, one.stdout, models: (two, reference), "ner")
        let epoch = try events(job.result.stdout, "epoch")
        XCTAssertEqual(
            epoch.first?["val_f1"] as? Double,
            try events(one.stdout, "epoch").first?["val_f1"] as? Double)
    }

    /// Question answering (a loss averaged over windows) and masked LM (over masked tokens,
    /// masks drawn from the seed, epoch and text, so every rank masks as one process does):
    /// 2 ranks follow one process.
    func testTwoRanksFollowOneProcessOnQuestionAnsweringAndMaskedLM() throws {
        let texts = folder.appendingPathComponent("texts.txt")
        try (0..<40).map { "text \($0) : " + String(repeating: "the cat sat on a mat . ", count: 1 + $0 % 4) }
            .joined(separator: "\n").write(to: texts, atomically: true, encoding: .utf8)
        let tasks: [(String, [String], [String])] = [
            (
                "squad",
                [
                    "--task", "squad", "--train", TestPaths.fixture("squad/train-v2.json").path,
                    "--validation", TestPaths.fixture("squad/dev-v1.json").path,
                    "--limit-train", "30", "--max-length", "64", "--doc-stride", "16",
                ],
                ["qa_outputs.bias", "bert.encoder.layer.1.output.LayerNorm.bias"]
            ),
            ("mlm", ["--task", "mlm", "--train", texts.path, "--max-length", "32"], []),
        ]
        for (name, task, noise) in tasks {
            func arguments(_ output: URL) -> [String] {
                ["train", "--model", TestPaths.fixture("tiny-bert").path] + task + [
                    "--output", output.path, "--epochs", "1", "--max-steps", "8",
                    "--batch-size", "5", "--learning-rate", "1e-3", "--dropout", "0", "--json",
                    "--log-every", "1",
                ]
            }
            let reference = folder.appendingPathComponent("one-\(name)")
            let one = try BertBinary.run(arguments(reference))
            XCTAssertEqual(one.status, 0, one.stderr)
            XCTAssertEqual(try events(one.stdout, "step").count, 8, name)
            let two = folder.appendingPathComponent("two-\(name)")
            let job = try MPIRun.run(arguments(two))
            XCTAssertFalse(job.timedOut)
            XCTAssertEqual(job.result.status, 0, job.result.stderr)
            try assertSameRun(
                job.result.stdout, one.stdout, models: (two, reference), name, noise: noise,
                exactKeys: [])
        }
    }

    func testResumeContinuesTheSameWorldSizeAndRefusesAnotherByName() throws {
        // Dropout on: the ranks' masks are keyed by the shared generator's words, which the
        // checkpoint holds, so a resumed 2-rank run repeats the uninterrupted one bit for bit.
        let extra = ["--dropout", "0.1", "--save-steps", "2"]
        let reference = folder.appendingPathComponent("reference")
        let uninterrupted = try MPIRun.run(try colaArguments(reference, extra))
        XCTAssertEqual(uninterrupted.result.status, 0, uninterrupted.result.stderr)

        /// Interrupts a run after step 5 with `interruption`, checks how it ended, resumes it
        /// from checkpoint-4 and compares the model with the uninterrupted one's.
        func interruptAndResume(
            _ name: String, _ interruption: [String],
            ended: (BertBinary.Result, [String]) throws -> Void
        ) throws -> URL {
            let output = folder.appendingPathComponent(name)
            let killed = try MPIRun.run(
                try colaArguments(output, extra + ["--debug-exit-after-step", "5"] + interruption))
            XCTAssertFalse(killed.timedOut, "\(name): an interrupted job must not hang")
            XCTAssertNotEqual(killed.result.status, 0)
            try ended(killed.result, try FileManager.default.contentsOfDirectory(atPath: output.path))
            let resumed = try MPIRun.run(try colaArguments(output, extra + ["--resume", "latest"]))
            XCTAssertEqual(resumed.result.status, 0, resumed.result.stderr)
            XCTAssertTrue(
                resumed.result.stderr.contains("Resuming from \(output.path)/checkpoint-4: step 4"),
                resumed.result.stderr)
            XCTAssertEqual(
                try Data(contentsOf: output.appendingPathComponent("model.safetensors")),
                try Data(contentsOf: reference.appendingPathComponent("model.safetensors")),
                name)
            return output
        }

        // Every rank exits after step 5, once rank 0 has saved.
        let output = try interruptAndResume("resumed", []) { _, _ in }
        XCTAssertEqual(try stepLines(output), try stepLines(reference))

        // Rank 1 alone dies by SIGKILL right after step 5 while rank 0 goes on into step 6's
        // all-reduce: mpirun ends the job and names the signal, checkpoint-4 (complete before
        // step 5) stays intact, and no step-6 checkpoint or final model appears.
        _ = try interruptAndResume("killed", ["--debug-kill-rank", "1"]) { result, names in
            XCTAssertTrue(result.stderr.contains("signal 9"), result.stderr)
            XCTAssertTrue(names.contains("checkpoint-4"), "\(names)")
            XCTAssertFalse(names.contains("checkpoint-6"), "step 6 cannot finish without rank 1")
            XCTAssertFalse(names.contains("model.safetensors"), "\(names)")
        }

        let alone = try BertBinary.run(try colaArguments(output, extra + ["--resume", "latest"]))
        XCTAssertEqual(alone.status, 1, alone.stderr)
        XCTAssertEqual(
            errorLines(alone.stderr),
            [
                "Error: \(output.path)/checkpoint-12: cannot resume: world size differs "
                    + "(checkpoint: 2, this run: 1)"
            ])

        let single = folder.appendingPathComponent("single")
        let first = try BertBinary.run(
            try colaArguments(single, extra + ["--debug-exit-after-step", "2"]))
        XCTAssertEqual(first.status, 3, first.stderr)
        let wider = try MPIRun.run(try colaArguments(single, extra + ["--resume", "latest"]))
        XCTAssertFalse(wider.timedOut)
        XCTAssertEqual(wider.result.status, 1, wider.result.stderr)
        XCTAssertEqual(
            errorLines(wider.result.stderr),
            [
                "Error: \(single.path)/checkpoint-2: cannot resume: world size differs "
                    + "(checkpoint: 1, this run: 2)"
            ])
    }

    func testAFailingRankEndsTheJobWithOneErrorLine() throws {
        // Rank 1 alone differs (another seed, so other classifier weights): it names the
        // difference, and the job ends without a hang or any output folder.
        let output = folder.appendingPathComponent("out")
        let job = try MPIRun.run(programs: [
            try colaArguments(output), try colaArguments(output, ["--seed", "5"]),
        ])
        XCTAssertFalse(job.timedOut)
        XCTAssertEqual(job.result.status, 1, job.result.stderr)
        let lines = errorLines(job.result.stderr)
        XCTAssertEqual(lines.count, 1, job.result.stderr)
        XCTAssertTrue(
            lines.first?.hasPrefix(
                "Error: rank 1 of 2: this rank's initial model weights differ from rank 0's (rank 0: "
            )
                ?? false, job.result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))

        // Every rank meets the same error: it is printed once, by rank 0.
        let missing = folder.appendingPathComponent("nowhere")
        let both = try MPIRun.run(
            [
                "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
                missing.path, "--output", output.path,
            ])
        XCTAssertFalse(both.timedOut)
        XCTAssertEqual(both.result.status, 1, both.result.stderr)
        XCTAssertEqual(
            errorLines(both.result.stderr), ["Error: \(missing.path): no such file or folder"])
    }

    // MARK: - Helpers

    /// tiny-bert with a 2-label classifier: 42 476 trainable floats.
    static let tinyClassifierBytes = 42_476 * 4

    private func stepLines(_ output: URL) throws -> [String] {
        let text = try String(
            contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("{\"kind\":\"step\"")
        }
    }

    private func errorLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("Error: ") }
    }

    /// Same step count, per-step loss and gradient norm within 1e-5, the same validation
    /// figures, and final parameters within 1e-5.
    ///
    /// Except the attention key biases: their exact gradient is zero (a key bias adds the
    /// same q·b to every score of a query's softmax), so what they get is rounding noise,
    /// which AdamW normalizes into steps as large as the learning rate. Another summation
    /// order moves them by up to ~lr per step; so does another thread count in ONE process
    /// (measured on this run: 3.6e-5 between 1 and 2 threads). Every other tensor agrees to
    /// ~1e-6.
    /// `noise`: more tensors whose true gradient is zero (QA's `qa_outputs.bias` and last
    /// output LayerNorm bias: each window's softmax − one-hot sums to 0); `exactKeys`: the
    /// validation figures that must be equal, not only within 1e-5 (argmax-based ones; a QA
    /// model this small has near-ties, so its EM/F1 are left out).
    func assertSameRun(
        _ parallel: String, _ single: String, models: (URL, URL), _ label: String,
        noise: [String] = [], exactKeys: [String] = ["val_accuracy", "val_mcc", "val_f1"],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let steps = try events(parallel, "step")
        let expected = try events(single, "step")
        XCTAssertEqual(steps.count, expected.count, label, file: file, line: line)
        for (index, (got, want)) in zip(steps, expected).enumerated() {
            for key in ["loss", "grad_norm", "learning_rate"] {
                let a = got[key] as? Double ?? .nan
                let b = want[key] as? Double ?? .nan
                XCTAssertLessThanOrEqual(
                    abs(a - b), 1e-5, "\(label) step \(index + 1) \(key): \(a) vs \(b)", file: file,
                    line: line)
            }
        }
        let epochs = try events(parallel, "epoch")
        let expectedEpochs = try events(single, "epoch")
        XCTAssertEqual(epochs.count, expectedEpochs.count, label, file: file, line: line)
        for (got, want) in zip(epochs, expectedEpochs) {
            for key in ["train_loss", "val_loss"] {
                let a = got[key] as? Double ?? .nan
                let b = want[key] as? Double ?? .nan
                XCTAssertLessThanOrEqual(
                    abs(a - b), 1e-5, "\(label) epoch \(key): \(a) vs \(b)", file: file, line: line)
            }
            for key in exactKeys where want[key] != nil {
                XCTAssertEqual(
                    got[key] as? Double, want[key] as? Double, "\(label) \(key)", file: file,
                    line: line)
            }
        }
        let a = try SafeTensorsFile(
            contentsOf: models.0.appendingPathComponent("model.safetensors"))
        let b = try SafeTensorsFile(
            contentsOf: models.1.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(a.tensors.map(\.name).sorted(), b.tensors.map(\.name).sorted(), label)
        var compared = 0
        for tensor in b.tensors
        where !tensor.name.hasSuffix("attention.self.key.bias") && !noise.contains(tensor.name) {
            let got = try a.floats(tensor.name)
            let want = try b.floats(tensor.name)
            XCTAssertEqual(got.count, want.count, "\(label) \(tensor.name)")
            let worst = zip(got, want).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(
                worst, 1e-5, "\(label) \(tensor.name): max |Δ| \(worst)", file: file, line: line)
            compared += 1
        }
        XCTAssertGreaterThan(compared, 10, label, file: file, line: line)
    }
}
