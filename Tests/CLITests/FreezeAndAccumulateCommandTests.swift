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
