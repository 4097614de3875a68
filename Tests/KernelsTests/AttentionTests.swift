// swift-bert — Kernels tests: Attention.

import Kernels
import Randomness
import XCTest
import _TestSupport

final class AttentionTests: XCTestCase {
    struct Case: CustomStringConvertible {
        var lengths: [Int]
        var heads: Int
        var headDim: Int
        var hidden: Int { heads * headDim }
        var tokens: Int { lengths.reduce(0, +) }
        var offsets: [Int32] {
            lengths.reduce(into: [Int32(0)]) { $0.append($0.last! + Int32($1)) }
        }
        var probabilitiesCount: Int { heads * lengths.reduce(0) { $0 + $1 * $1 } }
        var description: String { "lengths \(lengths) heads \(heads) headDim \(headDim)" }
    }

    let cases = [
        Case(lengths: [1, 5, 3], heads: 3, headDim: 4),
        Case(lengths: [4, 0, 2, 7], heads: 2, headDim: 3),
        // Rows of 16 and 37 keys: the softmax's 16-lane maximum, with and without a tail.
        Case(lengths: [37, 16], heads: 2, headDim: 8),
    ]

    /// A fused `[tokens, 3·hidden]` QKV buffer and its three dense parts.
    struct Projections {
        var fused: [Float]
        var query: [Double]
        var key: [Double]
        var value: [Double]

        init(_ c: Case, random: inout TestRandom) {
            fused = random.floats(c.tokens * 3 * c.hidden)
            query = Self.part(fused, c, 0)
            key = Self.part(fused, c, 1)
            value = Self.part(fused, c, 2)
        }

        static func part(_ fused: [Float], _ c: Case, _ index: Int) -> [Double] {
            var part = [Double]()
            for t in 0..<c.tokens {
                let start = t * 3 * c.hidden + index * c.hidden
                for i in 0..<c.hidden { part.append(Double(fused[start + i])) }
            }
            return part
        }
    }

    /// Runs the forward kernel on a fused QKV buffer.
    func forward(
        _ c: Case, _ qkv: Buffer<Float>, dropout: Float, seed: UInt64 = 1,
        firstExample: Int = 0, scratch: UnsafeMutableBufferPointer<Float>? = nil
    ) -> (context: Buffer<Float>, probabilities: Buffer<Float>, mask: Buffer<Float>) {
        let context = Buffer(repeating: Float.nan, count: c.tokens * c.hidden)
        let probabilities = Buffer(repeating: Float.nan, count: c.probabilitiesCount)
        let mask = Buffer(repeating: Float.nan, count: c.probabilitiesCount)
        Attention.forward(
            context: context.pointer, probabilities: probabilities.pointer,
            dropoutMask: mask.pointer, query: qkv.pointer, key: qkv.pointer + c.hidden,
            value: qkv.pointer + 2 * c.hidden, rowStride: 3 * c.hidden, sequenceOffsets: c.offsets,
            batch: c.lengths.count, heads: c.heads, headDim: c.headDim, dropoutProbability: dropout,
            dropoutKey: DropoutKey(step: seed, site: 5, firstExample: firstExample),
            scratch: scratch)
        return (context, probabilities, mask)
    }

    func testLayoutHelpersCountAndLocateEachSequenceAndHead() {
        let c = cases[0]
        XCTAssertEqual(
            Attention.probabilitiesCount(sequenceOffsets: c.offsets, batch: 3, heads: 3), 105)
        let offsets = (0..<3).flatMap { s in
            (0..<3).map { h in
                Attention.probabilitiesOffset(
                    sequence: s, head: h, sequenceOffsets: c.offsets, heads: 3)
            }
        }
        XCTAssertEqual(offsets, [0, 1, 2, 3, 28, 53, 78, 87, 96])
    }

    func testForwardMatchesReferenceWithAndWithoutDropout() {
        var random = TestRandom(seed: 70)
        for c in cases {
            for dropout: Float in [0, 0.25] {
                let projections = Projections(c, random: &random)
                let qkv = Buffer(projections.fused)
                let (context, probabilities, mask) = forward(c, qkv, dropout: dropout)
                if dropout == 0 {
                    XCTAssertEqual(mask.array, [Float](repeating: 1, count: c.probabilitiesCount))
                }
                let expected = Attention.referenceForward(
                    query: projections.query, key: projections.key, value: projections.value,
                    dropoutMask: dropout > 0 ? mask.doubles : nil, sequenceOffsets: c.offsets,
                    heads: c.heads, headDim: c.headDim)
                assertClose(
                    context.array, expected.context, rtol: 1e-5, atol: 1e-6,
                    "context \(c) p \(dropout)")
                assertClose(
                    probabilities.array, expected.probabilities, rtol: 1e-5, atol: 1e-7,
                    "probabilities \(c) p \(dropout)")
            }
        }
    }

    func testBackwardMatchesFiniteDifferencesWithAndWithoutDropout() {
        var random = TestRandom(seed: 71)
        for c in cases {
            for dropout: Float in [0, 0.25] {
                let projections = Projections(c, random: &random)
                let qkv = Buffer(projections.fused)
                let (_, probabilities, mask) = forward(c, qkv, dropout: dropout)
                let dContext = random.floats(c.tokens * c.hidden)
                let r = doubles(dContext)
                let m: [Double]? = dropout > 0 ? mask.doubles : nil
                let (q, k, v) = (projections.query, projections.key, projections.value)
                func loss(_ q: [Double], _ k: [Double], _ v: [Double]) -> Double {
                    dot(
                        r,
                        Attention.referenceForward(
                            query: q, key: k, value: v, dropoutMask: m, sequenceOffsets: c.offsets,
                            heads: c.heads, headDim: c.headDim
                        ).context)
                }
                let expectedQuery = finiteDifferences(at: q) { loss($0, k, v) }
                let expectedKey = finiteDifferences(at: k) { loss(q, $0, v) }
                let expectedValue = finiteDifferences(at: v) { loss(q, k, $0) }

                let initial = random.floats(qkv.count)
                let dQKV = Buffer(initial)
                Attention.backward(
                    dQuery: dQKV.pointer, dKey: dQKV.pointer + c.hidden,
                    dValue: dQKV.pointer + 2 * c.hidden, dContext: dContext,
                    probabilities: probabilities.pointer,
                    dropoutMask: dropout > 0 ? mask.pointer : nil,
                    query: qkv.pointer, key: qkv.pointer + c.hidden,
                    value: qkv.pointer + 2 * c.hidden,
                    rowStride: 3 * c.hidden, sequenceOffsets: c.offsets, batch: c.lengths.count,
                    heads: c.heads, headDim: c.headDim)
                // Subtract the initial values: the kernel accumulates.
                let gradient = zip(dQKV.array, initial).map { $0 - $1 }
                let label = "\(c) p \(dropout)"
                let t = (rtol: 1e-4, atol: 2e-5)
                for (index, expected) in [expectedQuery, expectedKey, expectedValue].enumerated() {
                    let actual = Projections.part(gradient, c, index)
                    assertClose(
                        actual, expected, rtol: t.rtol, atol: t.atol,
                        "d\(["Q", "K", "V"][index]) \(label)")
                }
                let reference = Attention.referenceBackward(
                    dContext: r, query: q, key: k, value: v, dropoutMask: m,
                    sequenceOffsets: c.offsets,
                    heads: c.heads, headDim: c.headDim)
                assertClose(
                    reference.dQuery, expectedQuery, rtol: 1e-6, atol: 1e-8, "ref dQ \(label)")
                assertClose(reference.dKey, expectedKey, rtol: 1e-6, atol: 1e-8, "ref dK \(label)")
                assertClose(
                    reference.dValue, expectedValue, rtol: 1e-6, atol: 1e-8, "ref dV \(label)")
            }
        }
    }

    func testForwardAndBackwardAreBitIdenticalAcrossRunsThreadCountsAndScratch() {
        var random = TestRandom(seed: 72)
        let c = Case(lengths: [17, 64, 5, 33, 1], heads: 4, headDim: 16)
        let qkv = Buffer(random.floats(c.tokens * 3 * c.hidden))
        let dContext = random.floats(c.tokens * c.hidden)
        func run(scratch: Bool) -> [[Float]] {
            let scratchBuffer = Buffer(
                repeating: Float(0),
                count: Attention.scratchCount(sequenceOffsets: c.offsets, batch: c.lengths.count))
            let (context, probabilities, mask) = forward(
                c, qkv, dropout: 0.1, seed: 3, scratch: scratch ? scratchBuffer.buffer : nil)
            let dQKV = Buffer(repeating: Float(0), count: qkv.count)
            Attention.backward(
                dQuery: dQKV.pointer, dKey: dQKV.pointer + c.hidden,
                dValue: dQKV.pointer + 2 * c.hidden,
                dContext: dContext, probabilities: probabilities.pointer, dropoutMask: mask.pointer,
                query: qkv.pointer, key: qkv.pointer + c.hidden, value: qkv.pointer + 2 * c.hidden,
                rowStride: 3 * c.hidden, sequenceOffsets: c.offsets, batch: c.lengths.count,
                heads: c.heads, headDim: c.headDim, scratch: scratch ? scratchBuffer.buffer : nil)
            return [context.array, probabilities.array, mask.array, dQKV.array]
        }
        let first = run(scratch: true)
        let runs = [
            ("again", run(scratch: true)), ("no scratch", run(scratch: false)),
            ("1 thread", withThreadCount(1) { run(scratch: true) }),
            ("3 threads", withThreadCount(3) { run(scratch: false) }),
        ]
        for (label, outputs) in runs {
            for (index, (a, b)) in zip(outputs, first).enumerated() {
                assertBitIdentical(a, b, "\(label), output \(index)")
            }
        }
    }

    func testDropoutMasksAreEachSequencesOwnBlockWhateverItsBatch() {
        var random = TestRandom(seed: 73)
        let c = Case(lengths: [3, 0, 6, 2], heads: 2, headDim: 4)
        let qkv = Buffer(random.floats(c.tokens * 3 * c.hidden))
        let mask = forward(c, qkv, dropout: 0.4, seed: 8, firstExample: 10).mask.array
        let key = DropoutKey(step: 8, site: 5, firstExample: 10)
        var start = 0
        for (s, length) in c.lengths.enumerated() {
            let block = c.heads * length * length
            XCTAssertEqual(
                Array(mask[start..<(start + block)]),
                Dropout.referenceMask(
                    count: block, seed: key.seed(ofSequence: s), probability: 0.4),
                "sequence \(s): its [heads, L, L] block")
            start += block
        }
        // Sequence 2 (example 12) alone in a batch of its own starts at example 12.
        let alone = Case(lengths: [6], heads: 2, headDim: 4)
        let rows = (0..<(6 * 3 * c.hidden)).map { qkv.pointer[3 * 3 * c.hidden + $0] }
        let own = forward(alone, Buffer(rows), dropout: 0.4, seed: 8, firstExample: 12)
        XCTAssertEqual(own.mask.array, Array(mask[18..<90]))
    }
}
