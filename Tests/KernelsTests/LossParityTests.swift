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
