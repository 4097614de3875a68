// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// Gradient buckets launched during the backward pass (DDP's overlap) against one sum after
/// it: the same bits, step by step and in the final model, with many small buckets, ranks
/// whose share is empty, gradient accumulation, frozen layers and the tied MLM decoder; and
/// `bert bench` under mpirun reporting the all-reduce. Skipped without `mpirun`.
final class OverlappedAllreduceTests: MPITestCase {
    /// 2 KiB buckets: tiny-bert's 42 k gradient floats in over 80 buckets, most of them
    /// launched while later layers' backward still runs.
    static let smallBuckets = ["--bucket-cap-mb", "0.002"]

    func testOverlappedSmallBucketsGiveTheSameBitsAsOneSumAfterTheBackwardPass() throws {
        let cola = try CoLASubset.make(in: folder)
        let texts = folder.appendingPathComponent("texts.txt")
        try (0..<30).map {
            "text \($0) : " + String(repeating: "the cat sat on a mat . ", count: 1 + $0 % 3)
        }.joined(separator: "\n").write(to: texts, atomically: true, encoding: .utf8)
        let cases: [(name: String, ranks: Int, task: [String])] = [
            // 41 examples in micro-batches of 8, 8 | … | 8, 1: the last has 1 + 0 + 0 on three
            // ranks, so two ranks run no backward pass and start every bucket at the end.
            (
                "cola, 3 ranks, accumulation", 3,
                [
                    "--task", "cola", "--data", cola.path, "--limit-train", "41",
                    "--gradient-accumulation-steps", "2", "--batch-size", "8", "--epochs", "1",
                ]
            ),
            (
                "cola, 2 ranks, frozen layer", 2,
                [
                    "--task", "cola", "--data", cola.path, "--freeze-layers", "1",
                    "--batch-size", "8", "--epochs", "1", "--max-steps", "4",
                ]
            ),
            (
                "mlm, 2 ranks, tied decoder", 2,
                [
                    "--task", "mlm", "--train", texts.path, "--max-length", "32",
                    "--batch-size", "5", "--epochs", "1", "--max-steps", "4",
                ]
            ),
        ]
        for (name, ranks, task) in cases {
            func arguments(_ output: URL, _ extra: [String]) -> [String] {
                ["train", "--model", TestPaths.fixture("tiny-bert").path] + task + [
                    "--output", output.path, "--learning-rate", "1e-3", "--dropout", "0",
                    "--json", "--log-every", "1",
                ] + extra
            }
            let overlapped = folder.appendingPathComponent("overlapped-\(ranks)-\(name.prefix(3))")
            let after = folder.appendingPathComponent("after-\(ranks)-\(name.prefix(3))")
            let a = try MPIRun.run(ranks: ranks, arguments(overlapped, Self.smallBuckets))
            XCTAssertFalse(a.timedOut, name)
            XCTAssertEqual(a.result.status, 0, "\(name): \(a.result.stderr)")
            let b = try MPIRun.run(ranks: ranks, arguments(after, ["--no-overlap-allreduce"]))
            XCTAssertFalse(b.timedOut, name)
            XCTAssertEqual(b.result.status, 0, "\(name): \(b.result.stderr)")

            let summary = try XCTUnwrap(try events(a.result.stdout, "allreduce").first, name)
            XCTAssertGreaterThan(summary["buckets"] as? Int ?? 0, 10, name)
            XCTAssertEqual(try events(b.result.stdout, "allreduce").first?["buckets"] as? Int, 1)
            let steps = try events(a.result.stdout, "step")
            let reference = try events(b.result.stdout, "step")
            XCTAssertGreaterThan(steps.count, 2, name)
            XCTAssertEqual(steps.count, reference.count, name)
            for (index, (got, want)) in zip(steps, reference).enumerated() {
                for key in ["loss", "grad_norm"] {
                    XCTAssertEqual(
                        got[key] as? Double, want[key] as? Double,
                        "\(name) step \(index + 1) \(key)")
                }
            }
            XCTAssertEqual(
                try Data(contentsOf: overlapped.appendingPathComponent("model.safetensors")),
                try Data(contentsOf: after.appendingPathComponent("model.safetensors")), name)
        }
    }

    func testBenchUnderMPIPrintsTheAllreduceAndTheWaitAfterTheBackwardPass() throws {
        let config = TestPaths.fixture("tiny-bert/config.json").path
        let arguments = [
            "bench", "--config", config, "--batch-size", "6", "--seq-length", "16", "--steps",
            "2", "--warmup", "1",
        ] + Self.smallBuckets
        let job = try MPIRun.run(arguments + ["--json"])
        XCTAssertFalse(job.timedOut)
        XCTAssertEqual(job.result.status, 0, job.result.stderr)
        let lines = job.result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "rank 0 alone prints: \(job.result.stdout)")
        let object = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        XCTAssertEqual(object["ranks"] as? Int, 2)
        // tiny-bert with its config's 3 labels: 42 509 floats, all trainable.
        XCTAssertEqual(object["allreduce_bytes_per_step"] as? Int, 42_509 * 4)
        XCTAssertGreaterThan(object["allreduce_buckets"] as? Int ?? 0, 20)
        XCTAssertEqual(object["allreduce_overlap"] as? Bool, true)
        let seconds = try XCTUnwrap(object["allreduce_seconds"] as? Double)
        let wait = try XCTUnwrap(object["allreduce_wait_seconds"] as? Double)
        let span = try XCTUnwrap(object["allreduce_bucket_seconds"] as? Double)
        XCTAssertGreaterThan(wait, 0)
        XCTAssertLessThanOrEqual(wait, seconds)
        XCTAssertGreaterThan(span, 0)

        let text = try MPIRun.run(arguments + ["--no-overlap-allreduce"])
        XCTAssertEqual(text.result.status, 0, text.result.stderr)
        let stdout = text.result.stdout
        XCTAssertTrue(
            stdout.contains("  all-reduce:       2 ranks, 0.2 MB of gradients per step in "),
            stdout)
        XCTAssertTrue(stdout.contains("(after backward)"), stdout)
        XCTAssertTrue(stdout.contains("ms of it waiting after backward"), stdout)
        XCTAssertEqual(
            text.result.stdout.components(separatedBy: "median step:").count, 2,
            "rank 0 alone prints: \(text.result.stdout)")
    }

}
