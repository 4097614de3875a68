// swift-bert — Kernels tests: Dropout.

import Kernels
import XCTest
import _TestSupport

final class DropoutTests: XCTestCase {
    /// Sequences of 3, 0, 7 and 1 tokens, packed.
    let offsets: [Int32] = [0, 3, 3, 10, 11]

    func forward(
        _ input: [Float], width: Int, offsets: [Int32], key: DropoutKey, probability: Float
    ) -> (output: [Float], mask: [Float]) {
        let output = Buffer(repeating: Float.nan, count: input.count)
        let mask = Buffer(repeating: Float.nan, count: input.count)
        Dropout.forward(
            output: output.pointer, mask: mask.pointer, input: input, width: width,
            sequenceOffsets: offsets, batch: offsets.count - 1, key: key,
            probability: probability)
        return (output.array, mask.array)
    }

    func testZeroProbabilityIsAnExactIdentity() {
        var random = TestRandom(seed: 60)
        let width = 91
        let input = random.floats(11 * width)
        let (output, mask) = forward(
            input, width: width, offsets: offsets, key: DropoutKey(step: 7), probability: 0)
        assertBitIdentical(output, input)
        XCTAssertEqual(mask, [Float](repeating: 1, count: input.count))
        let rows = Buffer(repeating: Float.nan, count: 4 * width)
        let rowMask = Buffer(repeating: Float.nan, count: 4 * width)
        Dropout.forward(
            output: rows.pointer, mask: rowMask.pointer, input: input, width: width,
            sequences: 4, key: DropoutKey(step: 7), probability: 0)
        assertBitIdentical(rows.array, Array(input[..<(4 * width)]))
        XCTAssertEqual(rowMask.array, [Float](repeating: 1, count: 4 * width))
    }

    func testTheKeptFractionIsOneMinusPWithinFiveSigmaScaledByOneOverOneMinusP() {
        let width = 200
        let offsets: [Int32] = [0, 40, 41, 100]  // 20 000 elements
        let count = 100 * width
        let input = [Float](repeating: 3, count: count)
        for p: Float in [0.1, 0.5, 0.9] {
            let key = DropoutKey(step: 42, site: 3, firstExample: 5)
            let (output, mask) = forward(
                input, width: width, offsets: offsets, key: key, probability: p)
            let scale = Dropout.keptScale(probability: p)
            XCTAssertEqual(scale, Float(1 / (1 - Double(p))))
            let kept = mask.filter { $0 != 0 }
            XCTAssertTrue(kept.allSatisfy { $0 == scale }, "p \(p): kept mask values are 1/(1-p)")
            let n = Double(count)
            let q = 1 - Double(p)
            let sigma = (n * q * (1 - q)).squareRoot()
            XCTAssertEqual(Double(kept.count), n * q, accuracy: 5 * sigma, "p \(p)")
            for (y, m) in zip(output, mask) { XCTAssertEqual(y, 3 * m) }
            XCTAssertEqual(
                mask,
                Dropout.referenceMask(
                    width: width, sequenceOffsets: offsets, key: key, probability: p),
                "p \(p): each sequence's rows follow the reference hash")
        }
    }

    func testTheVectorKernelMatchesTheReferenceOnEveryLengthAndStart() {
        let seed = DropoutKey(step: 11, site: 2).seed(ofSequence: 4)
        for count in [0, 1, 2, 7, 15, 16, 17, 31, 33, 64, 100] {
            for first in [0, 1, 5, 1_000_003] {
                let mask = Buffer(repeating: Float.nan, count: count)
                Dropout.makeMask(
                    mask.pointer, count: count, firstElement: first, seed: seed, probability: 0.3)
                XCTAssertEqual(
                    mask.array,
                    Dropout.referenceMask(
                        count: count, firstElement: first, seed: seed, probability: 0.3),
                    "count \(count) first \(first)")
            }
        }
    }

    func testSplitMix64IsTheFunctionOfTheReferenceImplementation() {
        // splitmix64.c (Vigna) from state 0: its first three outputs.
        var state: UInt64 = 0
        let outputs = (0..<3).map { _ -> UInt64 in
            state &+= DropoutKey.gamma
            return DropoutKey.finalize(state)
        }
        XCTAssertEqual(outputs, [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F])
    }

    func testMasksAreTheSameForAnyThreadCountAndAnySplitOfTheRows() {
        var random = TestRandom(seed: 62)
        let width = 777
        let offsets: [Int32] = [0, 30, 31, 31, 90, 120]
        let input = random.floats(120 * width)
        let key = DropoutKey(step: 5, site: 9, firstExample: 3)
        let reference = withThreadCount(1) {
            forward(input, width: width, offsets: offsets, key: key, probability: 0.1)
        }
        for threads in [2, 3] {
            let run = withThreadCount(threads) {
                forward(input, width: width, offsets: offsets, key: key, probability: 0.1)
            }
            assertBitIdentical(run.mask, reference.mask, "\(threads) threads: mask")
            assertBitIdentical(run.output, reference.output, "\(threads) threads: output")
        }
        // Rows filled in pieces that cut through sequences give the same mask.
        let pieces = Buffer(repeating: Float.nan, count: input.count)
        for rows in [0..<1, 1..<29, 29..<95, 95..<95, 95..<120] {
            Dropout.makeMask(
                pieces.pointer, rows: rows, width: width, sequenceOffsets: offsets, batch: 5,
                key: key, probability: 0.1)
        }
        assertBitIdentical(pieces.array, reference.mask, "row ranges")
    }

    func testASequenceGetsTheSameMaskInAnyBatchAtAnyOffsetGivenItsExampleIndex() {
        let width = 13
        let key = DropoutKey(step: 99, site: 4)
        // Example 6, 7 tokens: third of a batch starting at example 4, or first of a share
        // starting at example 6 (a rank's part of the same global batch).
        let whole = forward(
            [Float](repeating: 1, count: 11 * width), width: width, offsets: offsets,
            key: DropoutKey(step: 99, site: 4, firstExample: 4), probability: 0.5
        ).mask
        let share = forward(
            [Float](repeating: 1, count: 8 * width), width: width, offsets: [0, 7, 8],
            key: DropoutKey(step: 99, site: 4, firstExample: 6), probability: 0.5
        ).mask
        let rowsOfExample6 = Array(whole[(3 * width)..<(10 * width)])
        assertBitIdentical(Array(share[..<(7 * width)]), rowsOfExample6, "example 6")
        XCTAssertEqual(
            Array(share[(7 * width)...]), Array(whole[(10 * width)...]), "example 7 follows")
        // Another example, site or step draws another mask.
        for other in [
            DropoutKey(step: 99, site: 4, firstExample: 7), DropoutKey(step: 99, site: 5,
            firstExample: 6), DropoutKey(step: 98, site: 4, firstExample: 6),
        ] {
            let mask = forward(
                [Float](repeating: 1, count: 7 * width), width: width, offsets: [0, 7],
                key: other, probability: 0.5
            ).mask
            XCTAssertNotEqual(mask, rowsOfExample6, "\(other)")
        }
        XCTAssertNotEqual(key.seed(ofSequence: 0), key.seed(ofSequence: 1))
    }

    func testOneRowPerSequenceUsesEachSequencesOwnBlock() {
        var random = TestRandom(seed: 63)
        let width = 50
        let input = random.floats(3 * width)
        let output = Buffer(repeating: Float.nan, count: input.count)
        let mask = Buffer(repeating: Float.nan, count: input.count)
        let key = DropoutKey(step: 1, site: 8, firstExample: 2)
        Dropout.forward(
            output: output.pointer, mask: mask.pointer, input: input, width: width, sequences: 3,
            key: key, probability: 0.25)
        let expected = (0..<3).flatMap {
            Dropout.referenceMask(count: width, seed: key.seed(ofSequence: $0), probability: 0.25)
        }
        XCTAssertEqual(mask.array, expected)
        XCTAssertEqual(output.array, zip(input, expected).map { $0 * $1 })
    }

    func testProbabilityOneZeroesEverything() {
        let (output, mask) = forward(
            [1, -2, 3], width: 1, offsets: [0, 2, 3], key: DropoutKey(step: 1), probability: 1)
        XCTAssertEqual(output, [0, 0, 0])
        XCTAssertEqual(mask, [0, 0, 0])
    }

    func testBackwardUsesTheSavedMaskMatchesFiniteDifferencesAndAccumulates() {
        var random = TestRandom(seed: 61)
        let width = 37
        let offsets: [Int32] = [0, 1, 3]
        let count = 3 * width
        let input = random.floats(count)
        let dOutput = random.floats(count)
        let (output, saved) = forward(
            input, width: width, offsets: offsets, key: DropoutKey(step: 9), probability: 0.3)
        XCTAssertTrue(saved.contains(0) && saved.contains(Dropout.keptScale(probability: 0.3)))
        assertClose(
            output, Dropout.referenceForward(input: doubles(input), mask: doubles(saved)),
            rtol: 1e-7, atol: 0)
        let r = doubles(dOutput)
        let m = doubles(saved)
        let expected = finiteDifferences(at: doubles(input)) {
            dot(r, Dropout.referenceForward(input: $0, mask: m))
        }
        let initial = random.floats(count)
        let dInput = Buffer(initial)
        Dropout.backward(dInput: dInput.pointer, dOutput: dOutput, mask: saved, count: count)
        assertClose(dInput.array, zip(doubles(initial), expected).map(+), rtol: 1e-5, atol: 1e-6)
        assertClose(
            Dropout.referenceBackward(dOutput: r, mask: m), expected, rtol: 1e-7, atol: 1e-9)
    }

    /// The residual block's backward in one pass equals `backward` into a zeroed buffer and
    /// a copy of the gradient, with and without the copy, split over threads: the same values
    /// (a dropped element's gradient may be −0 where `0 + (−0)` gave +0).
    func testBackwardThroughResidualIsBackwardIntoZerosAndACopy() {
        var random = TestRandom(seed: 44)
        let count = 70_001
        let dOutput = random.floats(count)
        let mask = (0..<count).map { _ in random.floats(1)[0] > 0 ? Float(1 / 0.9) : 0 }
        let expected = Buffer(repeating: Float(0), count: count)
        Dropout.backward(dInput: expected.pointer, dOutput: dOutput, mask: mask, count: count)
        for withSkip in [true, false] {
            let dBranch = Buffer(repeating: Float.nan, count: count)
            let dSkip = Buffer(repeating: Float.nan, count: count)
            Dropout.backwardThroughResidual(
                dBranch: dBranch.pointer, dSkip: withSkip ? dSkip.pointer : nil, dOutput: dOutput,
                mask: mask, count: count)
            XCTAssertEqual(dBranch.array, expected.array)
            if withSkip { assertBitIdentical(dSkip.array, dOutput) }
        }
    }

    /// `forward` with a residual is `forward` then `Residual.forward`, bit for bit, with
    /// dropout and without, the output in its own buffer or in the residual's.
    func testForwardWithResidualIsForwardThenTheResidualAdd() {
        var random = TestRandom(seed: 45)
        let width = 91
        let input = random.floats(11 * width)
        let residual = random.floats(11 * width)
        for probability: Float in [0, 0.1] {
            let key = DropoutKey(step: 9)
            var (expected, expectedMask) = forward(
                input, width: width, offsets: offsets, key: key, probability: probability)
            expected = zip(expected, residual).map { $0 + $1 }
            for inPlace in [false, true] {
                let output = Buffer(inPlace ? residual : [Float](repeating: .nan, count: input.count))
                let mask = Buffer(repeating: Float.nan, count: input.count)
                let separate = Buffer(residual)
                Dropout.forward(
                    output: output.pointer, mask: mask.pointer, input: input, width: width,
                    sequenceOffsets: offsets, batch: offsets.count - 1, key: key,
                    probability: probability,
                    residual: UnsafePointer(inPlace ? output.pointer : separate.pointer))
                assertBitIdentical(output.array, expected)
                XCTAssertEqual(mask.array, expectedMask, "p \(probability) in place \(inPlace)")
            }
        }
    }
}
