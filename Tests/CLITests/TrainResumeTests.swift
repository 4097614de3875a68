// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// `bert train` checkpoints, resume, faults and the run report, on the tiny model.
final class TrainResumeTests: XCTestCase {
    private var folder: URL!
    private var data: URL!

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory()
        data = try CoLASubset.make(in: folder)
    }

    override func tearDownWithError() throws {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// 48 sentences: 43 training examples in 6 batches of 8, 5 validation; 3 epochs = 18 steps.
    private func arguments(_ output: URL, _ extra: [String] = []) -> [String] {
        [
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", output.path, "--epochs", "3", "--batch-size", "8",
            "--learning-rate", "1e-3", "--save-steps", "2", "--save-every-epoch", "--json",
        ] + extra
    }

    private func stepLines(_ output: URL) throws -> [String] {
        let text = try String(
            contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        return text.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("{\"kind\":\"step\"")
        }
    }

    /// The error line: `--json` runs print the "newly initialized" notice on stderr first.
    private func error(_ result: BertBinary.Result) -> String {
        let lines = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.filter { $0.hasPrefix("Error: ") }.count, 1, result.stderr)
        return (lines.last ?? "") + "\n"
    }

    private func weights(_ output: URL) throws -> Data {
        try Data(contentsOf: output.appendingPathComponent("model.safetensors"))
    }

    private func hidden(_ output: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: output.path).filter {
            $0.hasPrefix(".")
        }
    }

    func testRunKilledThreeTimesAndResumedEndsWithTheSameModelAndLossCurve() throws {
        let reference = folder.appendingPathComponent("reference")
        let uninterrupted = try BertBinary.run(arguments(reference))
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)

        // Three crashes at seeded random points: after a step, or inside a checkpoint save
        // (files written, folder not yet renamed).
        var generator = CrashSchedule(seed: 7)
        let output = folder.appendingPathComponent("resumed")
        var step = 0
        var crashes: [[String]] = []
        for _ in 0..<3 {
            step += 2 + generator.nextIndex(below: 4)
            crashes.append(
                generator.nextIndex(below: 2) == 0
                    ? ["--debug-exit-after-step", "\(step)"] : ["--debug-exit-in-save", "1"])
        }
        var resumedFrom = ""
        for crash in crashes {
            let killed = try BertBinary.run(arguments(output, ["--resume", "latest"] + crash))
            XCTAssertEqual(killed.status, 3, "\(crash): \(killed.stderr)")
            resumedFrom += killed.stderr
        }
        XCTAssertTrue(
            resumedFrom.contains("No checkpoint in \(output.path): starting from the beginning."),
            resumedFrom)
        XCTAssertTrue(resumedFrom.contains("Resuming from \(output.path)/checkpoint-"), resumedFrom)
        let last = try BertBinary.run(arguments(output, ["--resume", "latest"]))
        XCTAssertEqual(last.status, 0, last.stderr)

        XCTAssertEqual(try weights(output), try weights(reference), "crashes: \(crashes)")
        XCTAssertEqual(try stepLines(output), try stepLines(reference), "crashes: \(crashes)")
        XCTAssertEqual(try stepLines(output).count, 18)
        XCTAssertEqual(try hidden(output), [], "leftover temporary folders")
        let checkpoints = try FileManager.default.contentsOfDirectory(atPath: output.path)
            .filter { $0.hasPrefix("checkpoint-") }.sorted()
        XCTAssertEqual(checkpoints, ["checkpoint-16", "checkpoint-18"])
        for file in ["metrics.jsonl", "metrics.csv", "loss_curve.svg", "summary.md"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path),
                file)
        }
        let summary = try String(
            contentsOf: output.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains("### Confusion matrix: validation (epoch 3)"), summary)
        XCTAssertTrue(summary.contains("| resumed from | checkpoint-"), summary)
    }

    func testMismatchedOrDamagedCheckpointsAreRefusedWithAClearError() throws {
        let output = folder.appendingPathComponent("out")
        let first = try BertBinary.run(arguments(output, ["--debug-exit-after-step", "4"]))
        XCTAssertEqual(first.status, 3, first.stderr)
        let checkpoint = output.appendingPathComponent("checkpoint-4")

        let fresh = try BertBinary.run(arguments(output))
        XCTAssertNotEqual(fresh.status, 0)
        XCTAssertTrue(
            error(fresh).hasPrefix("Error: \(output.path) holds checkpoints of an earlier run"),
            fresh.stderr)

        let otherRate = try BertBinary.run(
            arguments(output, ["--resume", "latest", "--learning-rate", "2e-3"]))
        XCTAssertNotEqual(otherRate.status, 0)
        XCTAssertEqual(
            error(otherRate),
            "Error: \(checkpoint.path): cannot resume: learning rate differs (checkpoint: 0.001, "
                + "this run: 0.002)\n")
        // Another precision or GEMM backend sums in another order: refused by name.
        let otherPrecision = try BertBinary.run(arguments(output, ["--resume", "latest", "--bf16"]))
        XCTAssertEqual(
            error(otherPrecision),
            "Error: \(checkpoint.path): cannot resume: precision differs (checkpoint: fp32, "
                + "this run: bf16)\n")
        // The run used the automatic backend (bench names it); the other one is refused,
        // or is not available on this machine.
        let bench = try BertBinary.run([
            "bench", "--config", TestPaths.fixture("tiny-bert/config.json").path, "--steps", "1",
            "--warmup", "0", "--json",
        ])
        let automatic = bench.stdout.contains("\"gemm_backend\":\"onednn\"") ? "onednn" : "openblas"
        let other = automatic == "onednn" ? "openblas" : "onednn"
        let otherBackend = try BertBinary.run(arguments(output, ["--resume", "latest", "--gemm", other]))
        XCTAssertNotEqual(otherBackend.status, 0)
        XCTAssertTrue(
            error(otherBackend).hasSuffix(
                "cannot resume: gemm backend differs (checkpoint: \(automatic), this run: \(other))\n")
                || error(otherBackend).contains("--gemm: onednn is not available"),
            otherBackend.stderr)
        let otherData = try BertBinary.run(
            arguments(output, ["--resume", "latest", "--limit-train", "40"]))
        XCTAssertTrue(
            error(otherData).contains("cannot resume: training examples differs"), otherData.stderr)

        let state = checkpoint.appendingPathComponent("trainer_state.json")
        let optimizer = checkpoint.appendingPathComponent("optimizer.safetensors")
        let model = checkpoint.appendingPathComponent("model.safetensors")
        let originals = try [state, optimizer, model].map { try Data(contentsOf: $0) }
        let damages: [(String, URL, (Data) -> Data, String)] = [
            ("truncated optimizer", optimizer, { $0.prefix($0.count - 100) }, optimizer.path),
            (
                "flipped weight byte", model,
                { data in
                    var data = data
                    data[data.count - 3] ^= 0x40
                    return data
                }, "the parameters' checksum differs"
            ),
            ("garbage state", state, { _ in Data("{\"formatVersion\": 1".utf8) }, "damaged"),
        ]
        for (name, file, damage, mention) in damages {
            let original = try Data(contentsOf: file)
            try damage(original).write(to: file)
            let result = try BertBinary.run(arguments(output, ["--resume", "latest"]))
            XCTAssertNotEqual(result.status, 0, name)
            XCTAssertTrue(error(result).contains(mention), "\(name): \(result.stderr)")
            try original.write(to: file)
        }
        XCTAssertEqual(try [state, optimizer, model].map { try Data(contentsOf: $0) }, originals)
        let resumed = try BertBinary.run(arguments(output, ["--resume", checkpoint.path]))
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
    }

    func testAFullDiskStopsTheRunAndKeepsTheEarlierCheckpoint() throws {
        let output = folder.appendingPathComponent("out")
        let first = try BertBinary.run(arguments(output, ["--debug-exit-after-step", "2"]))
        XCTAssertEqual(first.status, 3, first.stderr)
        let checkpoint = output.appendingPathComponent("checkpoint-2")
        let before = try FileManager.default.contentsOfDirectory(atPath: checkpoint.path).sorted()
            .map { try Data(contentsOf: checkpoint.appendingPathComponent($0)) }

        // Files may grow to 250 KiB: the model (170 KiB) fits, the optimizer (340 KiB) not.
        let binary = try BertBinary.url.path
        let command = (["trap '' XFSZ; ulimit -f 250; exec \"$0\" \"$@\"", binary]
            + arguments(output, ["--resume", "latest"]))
        let full = try Self.run("/bin/bash", ["-c"] + command)
        XCTAssertNotEqual(full.status, 0)
        XCTAssertTrue(
            error(full).hasPrefix(
                "Error: \(output.path)/checkpoint-4/optimizer.safetensors: cannot write: "),
            full.stderr)
        XCTAssertTrue(full.stderr.contains("File too large"), full.stderr)
        let after = try FileManager.default.contentsOfDirectory(atPath: checkpoint.path).sorted()
            .map { try Data(contentsOf: checkpoint.appendingPathComponent($0)) }
        XCTAssertEqual(after, before, "checkpoint-2 changed")
        XCTAssertEqual(try hidden(output), [])
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: output.appendingPathComponent("checkpoint-4").path))
    }

    func testANonFiniteLossStopsTheRunNamingTheStep() throws {
        let output = folder.appendingPathComponent("out")
        let result = try BertBinary.run(arguments(output, ["--learning-rate", "1e38"]))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(error(result).hasPrefix("Error: step "), result.stderr)
        XCTAssertTrue(error(result).contains("not finite; stopped before the update"), result.stderr)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: output.appendingPathComponent("model.safetensors").path))

        let skipping = try BertBinary.run(
            arguments(folder.appendingPathComponent("skip"), ["--learning-rate", "1e38", "--skip-nonfinite"]))
        XCTAssertTrue(skipping.stdout.contains("{\"event\":\"skipped\""), skipping.stdout)
    }

    func testMetricForBestKeepsTheBestEpochsModel() throws {
        let output = folder.appendingPathComponent("out")
        let result = try BertBinary.run(
            arguments(output, ["--metric-for-best", "loss", "--learning-rate", "3e-2"]))
        XCTAssertEqual(result.status, 0, result.stderr)
        let best = output.appendingPathComponent("best-model")
        XCTAssertEqual(try weights(output), try weights(best))
        let summary = try String(
            contentsOf: output.appendingPathComponent("summary.md"), encoding: .utf8)
        XCTAssertTrue(summary.contains("(best)"), summary)
    }

    // MARK: - Helpers

    /// SplitMix64: the crash points are seeded, so a failure names a repeatable schedule.
    private struct CrashSchedule {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func nextIndex(below bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> BertBinary.Result {
        try BertBinary.run(arguments, executable: URL(fileURLWithPath: executable))
    }

}
