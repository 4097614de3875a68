// swift-bert — CLI tests.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

/// `mpirun -np N bert train --bf16` against one process with `--bf16` (the same bf16 GEMMs,
/// native or emulated as this CPU gives them, on both sides). Skipped without `mpirun`.
///
/// Measured on tiny-bert, CoLA's first 48 rows, 12 steps at lr 1e-3 (2 and 3 ranks against
/// one process): step 1 equal to the bit (the same parameters, so the same bf16 weights;
/// fp32 differs there by 2.2e-4 in the loss and 1.1e-3 in the gradient norm). From step 2
/// the runs part by more than fp32's 1e-5: the ranks' gradient sum rounds differently (as in
/// fp32, ~1e-7), and a master weight that lands on the other side of a bf16 rounding
/// boundary changes its bf16 copy by 2⁻⁸ of its value, which the next steps carry on. Worst
/// seen: loss 1.7e-4 relative, gradient norm 4.5e-3 relative, validation loss 1.0e-4,
/// parameters 1.7e-3 (the word embeddings: rows of near-zero gradient whose AdamW step, of
/// the learning rate's size, goes another way; every other tensor within 1.6e-4). The
/// bounds below are those with a margin of about 5.
final class MixedPrecisionDataParallelTests: MPITestCase {
    func testTwoAndThreeRanksInBFloat16FollowOneProcessInBFloat16() throws {
        let data = try CoLASubset.make(in: folder)
        func arguments(_ output: URL) -> [String] {
            [
                "train", "--model", TestPaths.fixture("tiny-bert").path, "--task", "cola",
                "--data", data.path, "--output", output.path, "--epochs", "2",
                "--batch-size", "8", "--learning-rate", "1e-3", "--dropout", "0", "--bf16",
                "--json", "--log-every", "1",
            ]
        }
        let reference = folder.appendingPathComponent("one")
        let one = try BertBinary.run(arguments(reference))
        XCTAssertEqual(one.status, 0, one.stderr)
        let expected = try events(one.stdout, "step")
        XCTAssertEqual(expected.count, 12)
        for ranks in [2, 3] {
            let output = folder.appendingPathComponent("ranks-\(ranks)")
            let job = try MPIRun.run(ranks: ranks, arguments(output))
            XCTAssertFalse(job.timedOut)
            XCTAssertEqual(job.result.status, 0, job.result.stderr)
            let label = "\(ranks) ranks"
            let steps = try events(job.result.stdout, "step")
            XCTAssertEqual(steps.count, expected.count, label)
            for (index, (got, want)) in zip(steps, expected).enumerated() {
                for (key, relative) in [("loss", 1e-3), ("grad_norm", 2e-2)] {
                    let a = got[key] as? Double ?? .nan
                    let b = want[key] as? Double ?? .nan
                    // Step 1 runs on the same weights: only the sum's order differs.
                    let bound = index == 0 ? 1e-5 : relative * abs(b)
                    XCTAssertLessThanOrEqual(
                        abs(a - b), bound, "\(label) step \(index + 1) \(key): \(a) vs \(b)")
                }
            }
            let epochs = try events(job.result.stdout, "epoch")
            XCTAssertEqual(epochs.count, 2, label)
            for (got, want) in zip(epochs, try events(one.stdout, "epoch")) {
                let a = got["val_loss"] as? Double ?? .nan
                let b = want["val_loss"] as? Double ?? .nan
                XCTAssertLessThanOrEqual(abs(a - b), 1e-3, "\(label) val_loss: \(a) vs \(b)")
            }
            let got = try SafeTensorsFile(
                contentsOf: output.appendingPathComponent("model.safetensors"))
            let want = try SafeTensorsFile(
                contentsOf: reference.appendingPathComponent("model.safetensors"))
            XCTAssertEqual(got.tensors.map(\.name).sorted(), want.tensors.map(\.name).sorted())
            for tensor in want.tensors {
                let a = try got.floats(tensor.name)
                let b = try want.floats(tensor.name)
                let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(
                    worst, 1e-2, "\(label) \(tensor.name): max |Δ| \(worst)")
            }
        }
    }
}
