// swift-bert — CLI tests.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

/// `bert train --freeze-encoder`, `--freeze-layers N` and `--gradient-accumulation-steps N`.
final class FreezeAndAccumulateCommandTests: XCTestCase {
    /// With the encoder frozen, the saved encoder tensors are the loaded ones, bit for bit,
    /// and the classifier has trained; accumulation halves the optimizer steps.
    func testFrozenEncoderIsSavedUnchangedAndAccumulationCountsSteps() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try CoLASubset.make(in: folder)
        let output = folder.appendingPathComponent("out")
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", output.path, "--epochs", "1", "--batch-size", "4",
            "--learning-rate", "1e-3", "--freeze-encoder", "--gradient-accumulation-steps", "2",
            "--log-every", "1", "--json",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let steps = result.stdout.split(separator: "\n").filter { $0.contains("\"event\":\"step\"") }
        let saved = try SafeTensorsFile(contentsOf: output.appendingPathComponent("model.safetensors"))
        let loaded = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("tiny-bert").appendingPathComponent("model.safetensors"))
        var checked = 0
        for name in saved.tensorNames where name.hasPrefix("bert.embeddings.") || name.hasPrefix("bert.encoder.") {
            XCTAssertEqual(try saved.floats(name), try loaded.floats(name), name)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 10)
        XCTAssertFalse(steps.isEmpty)
        let lines = try String(contentsOf: data.appendingPathComponent("raw/in_domain_train.tsv"), encoding: .utf8)
        let examples = lines.split(separator: "\n").count
        let batches = (Int(Double(examples) * 0.9) + 3) / 4
        XCTAssertLessThanOrEqual(steps.count, (batches + 1) / 2 + 1, "one step per two batches")
        XCTAssertGreaterThanOrEqual(steps.count, (batches - 1) / 2)
    }

    func testFreezingMoreLayersThanTheModelHasIsAnError() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try CoLASubset.make(in: folder)
        let output = folder.appendingPathComponent("out")
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", output.path, "--epochs", "1", "--freeze-layers", "3",
        ])
        XCTAssertNotEqual(result.status, 0)
        let first = result.stderr.split(separator: "\n").first.map(String.init) ?? ""
        XCTAssertTrue(first.contains("freezing") && first.contains("≤ 2"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path))
    }
}

/// `bert train --class-weights`.
final class ClassWeightsCommandTests: XCTestCase {
    private func firstLoss(_ extra: [String]) throws -> (Int32, Double?, String) {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try CoLASubset.make(in: folder)
        let result = try BertBinary.run([
            "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola", "--data",
            data.path, "--output", folder.appendingPathComponent("out").path, "--epochs", "1",
            "--batch-size", "8", "--max-steps", "1", "--log-every", "1", "--no-shuffle",
            "--dropout", "0", "--json",
        ] + extra)
        let step = result.stdout.split(separator: "\n").first { $0.contains("\"event\":\"step\"") }
        let loss = step.flatMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }?["loss"] as? Double
        return (result.status, loss, result.stderr)
    }

    /// Weights change the loss (CoLA's subset is imbalanced); equal weights do not.
    func testWeightsReachTheLoss() throws {
        let plain = try firstLoss([])
        let balanced = try firstLoss(["--class-weights", "balanced"])
        let equal = try firstLoss(["--class-weights", "2,2"])
        XCTAssertEqual(plain.0, 0, plain.2)
        XCTAssertEqual(balanced.0, 0, balanced.2)
        XCTAssertEqual(equal.0, 0, equal.2)
        let (p, b, e) = (try XCTUnwrap(plain.1), try XCTUnwrap(balanced.1), try XCTUnwrap(equal.1))
        XCTAssertNotEqual(p, b)
        XCTAssertEqual(p, e, accuracy: 1e-6 * p, "equal weights leave the weighted mean as it is")
        let wrong = try firstLoss(["--class-weights", "1,2,3"])
        XCTAssertNotEqual(wrong.0, 0)
        XCTAssertTrue(wrong.2.contains("3 weights for 2 labels"), wrong.2)
    }
}
