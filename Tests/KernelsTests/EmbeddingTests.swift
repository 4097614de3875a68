// swift-bert — Kernels tests: Embedding.

import Kernels
import XCTest
import _TestSupport

final class EmbeddingTests: XCTestCase {
    let (vocab, maxPositions, typeVocab, hidden) = (11, 9, 2, 12)

    /// Two packed sequences (lengths 4 and 3) with repeated word ids.
    let inputIDs: [Int32] = [1, 5, 5, 10, 0, 5, 1]
    let positionIDs: [Int32] = [0, 1, 2, 3, 0, 1, 2]
    let tokenTypeIDs: [Int32] = [0, 0, 1, 1, 0, 1, 1]

    func testForwardMatchesReferenceOnOddSizes() {
        var random = TestRandom(seed: 50)
        let word = random.floats(vocab * hidden)
        let position = random.floats(maxPositions * hidden)
        let type = random.floats(typeVocab * hidden)
        let output = Buffer(repeating: Float.nan, count: inputIDs.count * hidden)
        Embedding.forward(
            output: output.pointer, inputIDs: inputIDs, positionIDs: positionIDs,
            tokenTypeIDs: tokenTypeIDs, wordEmbeddings: word, positionEmbeddings: position,
            tokenTypeEmbeddings: type, tokens: inputIDs.count, hidden: hidden)
        let expected = Embedding.referenceForward(
            inputIDs: inputIDs, positionIDs: positionIDs, tokenTypeIDs: tokenTypeIDs,
            wordEmbeddings: doubles(word), positionEmbeddings: doubles(position),
            tokenTypeEmbeddings: doubles(type), hidden: hidden)
        assertClose(output.array, expected, rtol: 1e-6, atol: 1e-7)
        // The sum is (word + type) + position in Float, as transformers adds them.
        let first = (0..<hidden).map { i in (word[hidden + i] + type[i]) + position[i] }
        assertBitIdentical(Array(output.array[0..<hidden]), first, "token 0 order")
    }

    func testBackwardMatchesFiniteDifferencesAndAccumulates() {
        var random = TestRandom(seed: 51)
        let word = random.floats(vocab * hidden)
        let position = random.floats(maxPositions * hidden)
        let type = random.floats(typeVocab * hidden)
        let projection = random.floats(inputIDs.count * hidden)
        let r = doubles(projection)
        let (w, p, t) = (doubles(word), doubles(position), doubles(type))
        func loss(_ w: [Double], _ p: [Double], _ t: [Double]) -> Double {
            dot(
                r,
                Embedding.referenceForward(
                    inputIDs: inputIDs, positionIDs: positionIDs, tokenTypeIDs: tokenTypeIDs,
                    wordEmbeddings: w, positionEmbeddings: p, tokenTypeEmbeddings: t,
                    hidden: hidden))
        }
        let expectedWord = finiteDifferences(at: w) { loss($0, p, t) }
        let expectedPosition = finiteDifferences(at: p) { loss(w, $0, t) }
        let expectedType = finiteDifferences(at: t) { loss(w, p, $0) }

        let initialWord = random.floats(word.count)
        let dWord = Buffer(initialWord)
        let dPosition = Buffer(repeating: Float(0), count: position.count)
        let dType = Buffer(repeating: Float(0), count: type.count)
        Embedding.backward(
            dWordEmbeddings: dWord.pointer, dPositionEmbeddings: dPosition.pointer,
            dTokenTypeEmbeddings: dType.pointer, dOutput: projection, inputIDs: inputIDs,
            positionIDs: positionIDs, tokenTypeIDs: tokenTypeIDs, tokens: inputIDs.count,
            hidden: hidden)
        let tol = Tolerance.gradient
        assertClose(
            dWord.array, zip(doubles(initialWord), expectedWord).map(+), rtol: tol.rtol,
            atol: tol.atol, "dWord")
        assertClose(dPosition.array, expectedPosition, rtol: tol.rtol, atol: tol.atol, "dPosition")
        assertClose(dType.array, expectedType, rtol: tol.rtol, atol: tol.atol, "dType")

        let reference = Embedding.referenceBackward(
            dOutput: r, inputIDs: inputIDs, positionIDs: positionIDs, tokenTypeIDs: tokenTypeIDs,
            vocab: vocab, maxPositions: maxPositions, typeVocab: typeVocab, hidden: hidden)
        assertClose(reference.dWordEmbeddings, expectedWord, rtol: 1e-7, atol: 1e-8, "ref dWord")
        assertClose(
            reference.dPositionEmbeddings, expectedPosition, rtol: 1e-7, atol: 1e-8, "ref dPosition"
        )
        assertClose(
            reference.dTokenTypeEmbeddings, expectedType, rtol: 1e-7, atol: 1e-8, "ref dType")
    }

    /// `nn.Embedding(padding_idx=…)`: the padding row gets nothing from the lookup, and what
    /// it held before (a tied decoder's gradient) stays; the other tables still take the
    /// padding tokens' gradients.
    func testBackwardSkipsThePaddingRowOfTheWordTable() {
        var random = TestRandom(seed: 53)
        let (tokens, wide) = (9, 4)
        let ids: [Int32] = [1, 0, 2, 0, 0, 1, 3, 2, 0]
        let positions = random.ids(tokens, below: 5)
        let types = random.ids(tokens, below: 2)
        let dOutput = random.floats(tokens * wide)
        let held = random.floats(4 * wide)
        func run(padding: Int32?) -> [[Float]] {
            let dWord = Buffer(held)
            let dPosition = Buffer(repeating: Float(0), count: 5 * wide)
            let dType = Buffer(repeating: Float(0), count: 2 * wide)
            Embedding.backward(
                dWordEmbeddings: dWord.pointer, dPositionEmbeddings: dPosition.pointer,
                dTokenTypeEmbeddings: dType.pointer, dOutput: dOutput, inputIDs: ids,
                positionIDs: positions, tokenTypeIDs: types, tokens: tokens, hidden: wide,
                paddingIndex: padding)
            return [dWord.array, dPosition.array, dType.array]
        }
        let plain = run(padding: nil)
        let padded = run(padding: 0)
        XCTAssertEqual(Array(padded[0][0..<wide]), Array(held[0..<wide]), "[PAD] row as it was")
        XCTAssertNotEqual(Array(plain[0][0..<wide]), Array(held[0..<wide]))
        XCTAssertEqual(Array(padded[0][wide...]), Array(plain[0][wide...]), "other rows")
        XCTAssertEqual(padded[1], plain[1], "positions")
        XCTAssertEqual(padded[2], plain[2], "token types")
    }

    func testBackwardIsBitIdenticalAcrossThreadCounts() {
        var random = TestRandom(seed: 52)
        let (tokens, wide) = (2_001, 77)
        let ids = random.ids(tokens, below: 13)
        let positions = random.ids(tokens, below: 5)
        let types = random.ids(tokens, below: 2)
        let dOutput = random.floats(tokens * wide)
        func run() -> [[Float]] {
            let dWord = Buffer(repeating: Float(0), count: 13 * wide)
            let dPosition = Buffer(repeating: Float(0), count: 5 * wide)
            let dType = Buffer(repeating: Float(0), count: 2 * wide)
            Embedding.backward(
                dWordEmbeddings: dWord.pointer, dPositionEmbeddings: dPosition.pointer,
                dTokenTypeEmbeddings: dType.pointer, dOutput: dOutput, inputIDs: ids,
                positionIDs: positions, tokenTypeIDs: types, tokens: tokens, hidden: wide)
            return [dWord.array, dPosition.array, dType.array]
        }
        let first = run()
        for threads in [1, 3] {
            for (a, b) in zip(withThreadCount(threads, run), first) {
                assertBitIdentical(a, b, "\(threads) threads")
            }
        }
    }
}
