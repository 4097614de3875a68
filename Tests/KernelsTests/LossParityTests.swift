// swift-bert — Kernels tests: CrossEntropy and BinaryCrossEntropyWithLogits against PyTorch.

import Kernels
import XCTest
import _TestSupport

/// Every case of `losses.safetensors` (made by Tools/reference/make_loss_fixtures.py): loss and
/// `dLogits` within 1e-6 relative of PyTorch's float32 results, nan where PyTorch has nan.
final class LossParityTests: XCTestCase {
    /// PyTorch's exp (Sleef) and libm's differ by an ulp or so, and the sums run in another
    /// order; atol covers gradients that are 0 in one and ~1e-12 in the other.
    let tolerance = (rtol: 1e-6, atol: 1e-9)

    func testCrossEntropyWithWeightsAndIgnoredRowsMatchesTorch() throws {
        let fixtures = try LossFixtures()
        let names = fixtures.caseNames.filter { $0.hasPrefix("ce_") }
        XCTAssertEqual(
            names,
            ["ce_all_ignored", "ce_ignore", "ce_large", "ce_plain", "ce_weighted", "ce_zero_weight"])
        for name in names {
            let shape = try fixtures.shape(name + ".logits")
            let (batch, classes) = (shape[0], shape[1])
            let logits = try fixtures.floats(name + ".logits")
            let labels = try fixtures.int32s(name + ".labels")
            let weights = fixtures.has(name + ".weight") ? try fixtures.floats(name + ".weight") : nil
            let dLoss = try fixtures.floats(name + ".dloss")[0]
            let probabilities = Buffer(repeating: Float.nan, count: batch * classes)
            let dLogits = Buffer(repeating: Float.nan, count: batch * classes)
            let loss = weights.withOptionalPointer { w in
                CrossEntropy.forward(
                    probabilities: probabilities.pointer, logits: logits, labels: labels,
                    classWeights: w, batch: batch, classes: classes)
            }
            weights.withOptionalPointer { w in
                CrossEntropy.backward(
                    dLogits: dLogits.pointer, probabilities: probabilities.pointer,
                    labels: labels, classWeights: w, batch: batch, classes: classes, dLoss: dLoss)
            }
            assertCloseWithNaN(
                [loss], try fixtures.floats(name + ".loss"), rtol: tolerance.rtol,
                atol: 0, "\(name) loss")
            assertCloseWithNaN(
                dLogits.array, try fixtures.floats(name + ".dlogits"), rtol: tolerance.rtol,
                atol: tolerance.atol, "\(name) dLogits")
        }
    }

    func testOriginalCrossEntropyEntryPointMatchesTorchOnTheUnweightedCase() throws {
        let fixtures = try LossFixtures()
        let logits = try fixtures.floats("ce_plain.logits")
        let labels = try fixtures.int32s("ce_plain.labels")
        let probabilities = Buffer(repeating: Float.nan, count: logits.count)
        let dLogits = Buffer(repeating: Float.nan, count: logits.count)
        let loss = CrossEntropy.forward(
            probabilities: probabilities.pointer, logits: logits, labels: labels, batch: 7,
            classes: 3)
        CrossEntropy.backward(
            dLogits: dLogits.pointer, probabilities: probabilities.pointer, labels: labels,
            batch: 7, classes: 3)
        assertClose([loss], try fixtures.floats("ce_plain.loss"), rtol: tolerance.rtol, "loss")
        assertClose(
            dLogits.array, try fixtures.floats("ce_plain.dlogits"), rtol: tolerance.rtol,
            atol: tolerance.atol, "dLogits")
    }

    func testBinaryCrossEntropyWithLogitsMatchesTorch() throws {
        let fixtures = try LossFixtures()
        let names = fixtures.caseNames.filter { $0.hasPrefix("bce_") }
        XCTAssertEqual(names, ["bce_large", "bce_multi_hot", "bce_soft"])
        for name in names {
            let logits = try fixtures.floats(name + ".logits")
            let targets = try fixtures.floats(name + ".targets")
            let dLoss = try fixtures.floats(name + ".dloss")[0]
            let loss = BinaryCrossEntropyWithLogits.forward(
                logits: logits, targets: targets, count: logits.count)
            let dLogits = Buffer(repeating: Float.nan, count: logits.count)
            BinaryCrossEntropyWithLogits.backward(
                dLogits: dLogits.pointer, logits: logits, targets: targets, count: logits.count,
                dLoss: dLoss)
            assertClose(
                [loss], try fixtures.floats(name + ".loss"), rtol: tolerance.rtol,
                "\(name) loss")
            assertClose(
                dLogits.array, try fixtures.floats(name + ".dlogits"), rtol: tolerance.rtol,
                atol: tolerance.atol, "\(name) dLogits")
        }
    }

    /// The head fixtures' stored logits and labels give their stored loss through these
    /// kernels (the model tests that produce the logits live elsewhere).
    func testHeadFixtureLossesFollowFromTheirLogits() throws {
        for (file, classes) in [
            ("tiny_token_classification", 5), ("tiny_class_weights", 3),
            ("tiny_accumulation", 3),
        ] {
            let fixture = try LossFixtures("training/\(file).safetensors")
            var logits = try fixture.floats("logits")
            var labels = try fixture.int32s("labels")
            let weights = fixture.has("class_weights") ? try fixture.floats("class_weights") : nil
            var expected = try fixture.floats("loss")[0]
            if fixture.has("full_batch_loss") {
                // Accumulation: the overall mean over both equal micro-batches.
                expected = try fixture.floats("full_batch_loss")[0]
            }
            let batch = labels.count
            let probabilities = Buffer(repeating: Float.nan, count: batch * classes)
            let loss = weights.withOptionalPointer { w in
                CrossEntropy.forward(
                    probabilities: probabilities.pointer, logits: &logits, labels: &labels,
                    classWeights: w, batch: batch, classes: classes)
            }
            assertClose([loss], [expected], rtol: tolerance.rtol, file)
        }
        let multi = try LossFixtures("training/tiny_multilabel.safetensors")
        let logits = try multi.floats("logits")
        let loss = BinaryCrossEntropyWithLogits.forward(
            logits: logits, targets: try multi.floats("labels"), count: logits.count)
        assertClose([loss], try multi.floats("loss"), rtol: tolerance.rtol, "tiny_multilabel")
        let regression = try LossFixtures("training/tiny_regression.safetensors")
        let predictions = try regression.floats("logits")
        let mse = MeanSquaredError.forward(
            logits: predictions, targets: try regression.floats("labels"),
            count: predictions.count)
        assertClose([mse], try regression.floats("loss"), rtol: tolerance.rtol, "tiny_regression")
    }
}

extension Optional where Wrapped == [Float] {
    /// Calls `body` with a pointer to the array's elements, or with nil.
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .some(let array): return array.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: return body(nil)
        }
    }
}
