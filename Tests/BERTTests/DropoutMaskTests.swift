// swift-bert — BERT tests: the dropout masks of a training forward pass.

import BERT
import Kernels
import Randomness
import XCTest
import _TestSupport

/// Every mask of BertForSequenceClassification's training forward pass (embeddings, per
/// layer attention probabilities, attention output and output, the classifier's input)
/// depends on the generator's word, the site and each sequence's example index only: not on
/// the thread count, nor on the other sequences of the batch. That is what lets a
/// data-parallel rank draw, for its share, the masks one process draws for the whole batch.
final class DropoutMaskTests: XCTestCase {
    /// Long enough (291 tokens) that two threads split the dropout and attention loops.
    let lengths = [60, 130, 1, 100]

    private func model() -> BertForSequenceClassification { smallModelWithDropout() }

    /// Sequences `range` of the batch of random sequences of ``lengths``.
    private func batch(_ range: Range<Int>) -> PackedBatch {
        var generator = SeededGenerator(seed: 3)
        var sequences: [[Int32]] = []
        for length in lengths {
            sequences.append((0..<length).map { _ in Int32(1 + generator.nextIndex(below: 49)) })
        }
        var batch = PackedBatch()
        for sequence in sequences[range] {
            batch.append(sequence, tokenTypeIDs: [Int32](repeating: 0, count: sequence.count))
        }
        batch.firstExampleIndex = range.lowerBound
        return batch
    }

    /// Each mask of a training forward pass (named), and the logits.
    private func run(
        _ model: BertForSequenceClassification, _ input: PackedBatch, word: UInt64 = 77
    ) -> (masks: [(String, [Float])], logits: [Float]) {
        let activations = Activations(configuration: model.configuration)
        var generator = SeededGenerator(seed: word)
        // Every row of every layer, so that each mask covers the whole batch.
        model.forward(
            input, activations: activations, training: true, generator: &generator, rows: .all)
        let hidden = model.configuration.hiddenSize
        let rows = input.tokens * hidden
        let squares = model.configuration.numAttentionHeads
            * (0..<input.batch).reduce(0) { $0 + input.length(of: $1) * input.length(of: $1) }
        func floats(_ buffer: FloatBuffer, _ count: Int) -> [Float] {
            Array(UnsafeBufferPointer(start: buffer.pointer, count: count))
        }
        var masks = [("embeddings", floats(activations.embeddingMask, rows))]
        for (index, layer) in activations.layers.enumerated() {
            masks.append(("layer \(index) probabilities", floats(layer.probabilitiesMask, squares)))
            masks.append(("layer \(index) attention", floats(layer.attentionMask, rows)))
            masks.append(("layer \(index) output", floats(layer.outputMask, rows)))
        }
        masks.append(("classifier", floats(activations.pooledMask, input.batch * hidden)))
        return (masks, floats(activations.logits, input.batch * model.configuration.numLabels))
    }

    func testTrainingMasksAreTheSameForOneAndTwoThreads() {
        let model = model()
        let input = batch(0..<lengths.count)
        let one = withThreads(1) { run(model, input) }
        let two = withThreads(2) { run(model, input) }
        for ((name, a), (_, b)) in zip(one.masks, two.masks) {
            XCTAssertEqual(a, b, name)
            XCTAssertTrue(a.contains(0) && a.contains { $0 > 1 }, "\(name): some dropped, some kept")
        }
        let other = run(model, input, word: 78)
        for ((name, a), (_, b)) in zip(one.masks, other.masks) {
            XCTAssertNotEqual(a, b, "\(name): another word, another mask")
        }
    }

    func testASequenceKeepsItsMasksAndLogitsInAShareThatStartsAtItsExampleIndex() {
        let model = model()
        let whole = run(model, batch(0..<4))
        let share = run(model, batch(2..<4))
        let hidden = model.configuration.hiddenSize
        let heads = model.configuration.numAttentionHeads
        let tokensBefore = lengths[0] + lengths[1]
        let squaresBefore = heads * (lengths[0] * lengths[0] + lengths[1] * lengths[1])
        for ((name, a), (_, b)) in zip(whole.masks, share.masks) {
            let start =
                name == "classifier"
                ? 2 * hidden : name.hasSuffix("probabilities") ? squaresBefore : tokensBefore * hidden
            XCTAssertEqual(Array(a[start...]), b, name)
        }
        let classes = model.configuration.numLabels
        assertClose(
            share.logits.map(Double.init), whole.logits[(2 * classes)...].map(Double.init),
            rtol: 1e-5, atol: 1e-6, "the share's logits")
    }

    func testEvaluationDrawsNothingAndTrainingOneWordPerDropoutPass() {
        let model = model()
        let input = batch(0..<4)
        let activations = Activations(configuration: model.configuration)
        var generator = SeededGenerator(seed: 5)
        let start = generator
        model.forward(input, activations: activations, training: false, generator: &generator)
        XCTAssertEqual(generator, start, "eval mode draws nothing")
        model.forward(input, activations: activations, training: true, generator: &generator)
        var expected = start
        _ = expected.next()  // the encoder's word
        _ = expected.next()  // the head's
        XCTAssertEqual(generator, expected)
    }

    private func withThreads<R>(_ count: Int, _ body: () -> R) -> R {
        let saved = Kernels.threadCount
        Kernels.threadCount = count
        defer { Kernels.threadCount = saved }
        return body()
    }
}
