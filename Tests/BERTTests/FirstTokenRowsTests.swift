// swift-bert — BERT tests: the last layer on [CLS] rows only.

import BERT
import Kernels
import Randomness
import XCTest
import _TestSupport

/// BertForSequenceClassification's default pass runs its last layer past the attention on
/// each sequence's first row alone (``EncoderOutputRows/firstTokens``). With dropout on, it
/// must draw the full pass's masks on those rows and give the full pass's logits, loss and
/// every gradient (the HF parity of both passes is in GradientParityTests).
final class FirstTokenRowsTests: XCTestCase {
    /// Long enough (291 tokens) that two threads split the row loops; one sequence of 1.
    let lengths = [60, 130, 1, 100]
    let labels: [Int32] = [2, 0, 1, 2]

    private func model(precision: Precision) -> BertForSequenceClassification {
        smallModelWithDropout(precision: precision)
    }

    private func batch() -> PackedBatch {
        var generator = SeededGenerator(seed: 3)
        var batch = PackedBatch()
        for length in lengths {
            let ids = (0..<length).map { _ in Int32(1 + generator.nextIndex(below: 49)) }
            batch.append(ids, tokenTypeIDs: [Int32](repeating: 0, count: length))
        }
        return batch
    }

    func testTheLastLayerDrawsTheFullPassesMasksOnTheFirstRows() {
        let model = model(precision: .float32)
        let input = batch()
        let hidden = model.configuration.hiddenSize
        func lastLayer(_ rows: EncoderOutputRows) -> EncoderActivations.Layer {
            let activations = Activations(configuration: model.configuration)
            var generator = SeededGenerator(seed: 77)
            model.forward(
                input, activations: activations, training: true, generator: &generator,
                rows: rows)
            XCTAssertEqual(activations.outputRows, rows)
            return activations.layers[activations.layers.count - 1]
        }
        let full = lastLayer(.all)
        let first = lastLayer(.firstTokens)
        var dropped = 0
        for sequence in 0..<input.batch {
            let row = Int(input.sequenceOffsets[sequence])
            for (name, fullMask, firstMask) in [
                ("attention", full.attentionMask, first.attentionMask),
                ("output", full.outputMask, first.outputMask),
            ] {
                let expected = Array(UnsafeBufferPointer(start: fullMask.pointer + row * hidden, count: hidden))
                let actual = Array(UnsafeBufferPointer(start: firstMask.pointer + sequence * hidden, count: hidden))
                XCTAssertEqual(actual, expected, "\(name) mask, sequence \(sequence)")
                dropped += expected.filter { $0 == 0 }.count
            }
        }
        XCTAssertGreaterThan(dropped, 0, "some element of the first rows is dropped")
    }

    func testFirstTokenPassGivesTheFullPassesLossAndGradients() throws {
        let input = batch()
        // The same values up to the summation order of a 4-row GEMM against a 291-row one:
        // bitwise equal with oneDNN on the AMD EPYC Zen 5, at most 7e-7 relative with
        // OpenBLAS (fp32; 1.3e-7 for the bf16 emulation). In bf16, an fp32 value that moves
        // by its last bit can round to the next bf16 value (2⁻⁸ relative) before a product.
        for (precision, tolerance) in [(Precision.float32, 1e-5), (.bfloat16, 1e-3)] {
            let model = model(precision: precision)
            let full = lossAndGradients(
                model, input, labels: labels, training: true, seed: 77, rows: .all)
            let first = lossAndGradients(
                model, input, labels: labels, training: true, seed: 77, rows: .firstTokens)
            XCTAssertEqual(first.loss, full.loss, accuracy: 1e-5 * abs(full.loss), "loss, \(precision)")
            var errors: [TensorError] = []
            for entry in model.table.entries {
                errors.append(
                    TensorError(
                        entry.name, actual: first.gradients.gradient(entry.name),
                        expected: full.gradients.gradient(entry.name),
                        isNoise: entry.name.hasSuffix("attention.self.key.bias")))
            }
            assertTensorsClose(
                errors, relativeTolerance: tolerance, noiseTolerance: 1e-6, "\(precision)")
        }
    }
}
