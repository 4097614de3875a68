// swift-bert — model tests.

import BERT
import Checkpoints
import Foundation
import Kernels
import Randomness
import XCTest
import _TestSupport

/// The backward pass against PyTorch's gradients (Tests/Fixtures/training, made by
/// Tools/reference/make_training_fixtures.py), against finite differences of the forward
/// pass, and for determinism.
///
/// A tensor's relative error is `max|g_swift − g_torch| / max|g_torch|` over its elements (or
/// over the fixture's sample of them). The `attention.self.key.bias` gradients are
/// mathematically zero (softmax ignores a shift shared by all keys), so the fixtures list them
/// as rounding noise and they are compared by absolute error instead.
///
/// The fixtures were made in `train()` mode with both dropout probabilities set to 0. Dropout
/// with probability 0 is the identity (masks of ones), so the forward pass runs with
/// `training: false`, which uses exactly that.
final class GradientParityTests: XCTestCase {
    func testTinyModelLossAndEveryGradientMatchPyTorch() throws {
        var generator = SeededGenerator(seed: 0)
        let (model, _) = try BertForSequenceClassification.load(
            from: TestPaths.fixture("tiny-bert"), generator: &generator)
        let fixture = try TrainingFixtures.open("tiny_training.safetensors")
        let input = try TrainingFixtures.packedInput(fixture)
        try model.validate(input)
        // The default pass (the last layer on [CLS] rows only) and the full one.
        for rows in [EncoderOutputRows.firstTokens, .all] {
            let (loss, gradients) = lossAndGradients(
                model, input, labels: try TrainingFixtures.labels(fixture), rows: rows)
            XCTAssertEqual(loss, try fixture.floats("loss")[0], accuracy: 1e-5, "loss, \(rows)")

            let noise = Set(try TrainingFixtures.names(fixture, "gradient_is_rounding_noise"))
            XCTAssertEqual(noise.count, model.configuration.numHiddenLayers)
            var errors: [TensorError] = []
            for entry in model.table.entries {
                errors.append(
                    TensorError(
                        entry.name, actual: gradients.gradient(entry.name),
                        expected: try fixture.floats("grad." + entry.name),
                        isNoise: noise.contains(entry.name)))
            }
            XCTAssertEqual(errors.count, 41)
            assertTensorsClose(
                errors, relativeTolerance: 1e-3, noiseTolerance: 1e-6, "tiny, \(rows)")
        }
    }

    func testMiniLMLossAndStoredGradientsMatchPyTorch() throws {
        let model = try TrainingFixtures.miniLMWithFixtureClassifier()
        let fixture = try TrainingFixtures.open("minilm_gradients.safetensors")
        let input = try TrainingFixtures.packedInput(fixture)
        try model.validate(input)
        let (loss, gradients) = lossAndGradients(
            model, input, labels: try TrainingFixtures.labels(fixture))
        XCTAssertEqual(loss, try fixture.floats("loss")[0], accuracy: 1e-5, "loss")

        let noise = Set(try TrainingFixtures.names(fixture, "gradient_is_rounding_noise"))
        let full = try TrainingFixtures.names(fixture, "full_gradients")
        let sampled = try TrainingFixtures.names(fixture, "sampled_gradients")
        XCTAssertEqual(Set(full + sampled), Set(model.table.entries.map(\.name)))
        var errors: [TensorError] = []
        for name in full {
            errors.append(
                TensorError(
                    name, actual: gradients.gradient(name),
                    expected: try fixture.floats("grad." + name), isNoise: noise.contains(name)))
        }
        for name in sampled {
            let gradient = gradients.gradient(name)
            let indices = try fixture.integers("grad_index." + name)
            errors.append(
                TensorError(
                    name + " (sample)", actual: indices.map { gradient[$0] },
                    expected: try fixture.floats("grad_sample." + name)))
        }
        let wordName = "bert.embeddings.word_embeddings.weight"
        let word = gradients.gradient(wordName)
        let hidden = model.configuration.hiddenSize
        let rowIDs = try fixture.integers("grad_row_ids." + wordName)
        errors.append(
            TensorError(
                wordName + " (rows \(rowIDs))",
                actual: rowIDs.flatMap { word[($0 * hidden)..<(($0 + 1) * hidden)] },
                expected: try fixture.floats("grad_rows." + wordName)))
        assertTensorsClose(errors, relativeTolerance: 1e-3, noiseTolerance: 1e-6, "MiniLM")

        // Rows of ids outside the batch get exactly nothing.
        let used = Set(try fixture.integers("grad_nonzero_rows." + wordName))
        let stray = (0..<model.configuration.vocabSize).filter { row in
            !used.contains(row) && word[(row * hidden)..<((row + 1) * hidden)].contains { $0 != 0 }
        }
        XCTAssertEqual(stray, [], "word-embedding rows with a gradient but no token")

        let norm = GradientClipping.globalNorm(
            gradients: gradients.parameters.pointer, count: gradients.parameters.count)
        let expectedNorm = try TrainingFixtures.doubles(fixture, "grad_norm_float64")[0]
        XCTAssertEqual(Double(norm), expectedNorm, accuracy: 1e-4 * expectedNorm, "global norm")
    }

    // MARK: - Without fixtures

    /// A small random model whose gradients are far from zero: initializer range 0.3 and
    /// every dropout on, so the masks take part in the backward pass too.
    private func randomModel(
        hidden: Int = 8, heads: Int = 2, intermediate: Int = 11, layers: Int = 2,
        vocab: Int = 40, labels: Int = 3, seed: UInt64
    ) -> BertForSequenceClassification {
        let configuration = BertConfiguration(
            vocabSize: vocab, hiddenSize: hidden, numHiddenLayers: layers,
            numAttentionHeads: heads, intermediateSize: intermediate, hiddenDropoutProb: 0.1,
            attentionProbsDropoutProb: 0.1, maxPositionEmbeddings: 128, initializerRange: 0.3,
            numLabels: labels, classifierDropout: 0.2)
        let model = BertForSequenceClassification(configuration: configuration)
        var generator = SeededGenerator(seed: seed)
        model.initialize(model.table.entries.map(\.name), generator: &generator)
        // Move LayerNorm parameters and biases off their initial 1 and 0.
        for entry in model.table.entries
        where entry.name.hasSuffix(".bias") || entry.name.hasSuffix("LayerNorm.weight") {
            let values = model.parameter(entry.name)
            for i in values.indices {
                values[i] += Float(generator.nextNormal(mean: 0, standardDeviation: 0.2))
            }
        }
        return model
    }

    /// Random sequences of `lengths` tokens with ids in `1..<vocab` (no [PAD]).
    private func randomInput(lengths: [Int], vocab: Int, seed: UInt64) -> PackedInput {
        var generator = SeededGenerator(seed: seed)
        var input = PackedInput()
        for length in lengths {
            let ids = (0..<length).map { _ in Int32(1 + generator.nextIndex(below: vocab - 1)) }
            let split = generator.nextIndex(below: length + 1)
            input.append(ids, tokenTypeIDs: (0..<length).map { $0 < split ? 0 : 1 })
        }
        return input
    }

    /// Central differences `(L(θ + h) − L(θ − h)) / 2h` of the Float forward pass (in
    /// training mode with fixed dropout masks, a smooth function) for the largest-gradient
    /// entry and one random entry of every tensor, for a classifier and a regression head.
    ///
    /// The forward pass runs in Float, so its rounding (~1e-7 on the loss) divided by `2h`
    /// (h = 1e-2) limits the quotient to about 1e-5, and the `h²` term adds about as much:
    /// each entry must be within 2e-3 of its tensor's largest gradient plus 2e-5 (the worst
    /// seen is 3e-4 of the scale). The key biases' gradients are 0 both ways.
    func testBackwardIsTheDerivativeOfTheForwardPass() throws {
        for (label, labels) in [("classification", 3), ("regression", 1)] {
            let model = randomModel(labels: labels, seed: 21)
            let input = randomInput(lengths: [5, 1, 9], vocab: 40, seed: 22)
            let classLabels: [Int32] = [2, 0, 1]
            let targets: [Float] = [0.5, -1.25, 2]
            let activations = Activations(configuration: model.configuration)
            func loss() -> Float {
                var generator = SeededGenerator(seed: 23)
                model.forward(
                    input, activations: activations, training: true, generator: &generator)
                return labels == 1
                    ? model.loss(targets: targets, activations: activations)
                    : model.loss(labels: classLabels, activations: activations)
            }
            let gradients = Gradients(model: model)
            gradients.reserve(for: input)
            _ = loss()
            if labels == 1 {
                model.lossGradient(
                    targets: targets, activations: activations, dLogits: gradients.dLogits.pointer)
            } else {
                model.lossGradient(
                    labels: classLabels, activations: activations,
                    dLogits: gradients.dLogits.pointer)
            }
            model.backward(
                input, activations: activations, dLogits: gradients.dLogits.pointer,
                gradients: gradients)

            var generator = SeededGenerator(seed: 24)
            let h: Float = 1e-2
            for entry in model.table.entries {
                let analytic = gradients.gradient(entry.name)
                let parameters = model.parameter(entry.name)
                let scale = analytic.reduce(0) { max($0, abs($1)) }
                let largest = analytic.indices.max { abs(analytic[$0]) < abs(analytic[$1]) } ?? 0
                for index in [largest, generator.nextIndex(below: entry.count)] {
                    let saved = parameters[index]
                    parameters[index] = saved + h
                    let plus = loss()
                    parameters[index] = saved - h
                    let minus = loss()
                    parameters[index] = saved
                    let numeric = (Double(plus) - Double(minus)) / Double(2 * h)
                    let difference = abs(numeric - Double(analytic[index]))
                    XCTAssertLessThanOrEqual(
                        difference, 2e-3 * Double(scale) + 2e-5,
                        "\(label) \(entry.name)[\(index)]: backward \(analytic[index]), "
                            + "finite difference \(numeric)")
                }
            }
        }
    }

    func testTwoBackwardPassesGiveIdenticalBitsAndAccumulate() throws {
        // Large enough for several threads' chunks in the GEMMs, LayerNorm and attention.
        let model = randomModel(
            hidden: 64, heads: 4, intermediate: 96, layers: 2, vocab: 300, labels: 2, seed: 31)
        let input = randomInput(lengths: [100, 37, 64, 1, 90, 80], vocab: 300, seed: 32)
        let labels: [Int32] = [0, 1, 1, 0, 1, 0]
        let activations = Activations(configuration: model.configuration)
        func pass(into gradients: Gradients) {
            var generator = SeededGenerator(seed: 33)
            model.forward(input, activations: activations, training: true, generator: &generator)
            _ = model.loss(labels: labels, activations: activations)
            gradients.reserve(for: input)
            model.lossGradient(
                labels: labels, activations: activations, dLogits: gradients.dLogits.pointer)
            model.backward(
                input, activations: activations, dLogits: gradients.dLogits.pointer,
                gradients: gradients)
        }
        let first = Gradients(model: model)
        let second = Gradients(model: model)
        pass(into: first)
        pass(into: second)
        let firstBits = first.parameters.array().map(\.bitPattern)
        XCTAssertEqual(firstBits, second.parameters.array().map(\.bitPattern))

        second.zero()
        pass(into: second)
        XCTAssertEqual(firstBits, second.parameters.array().map(\.bitPattern), "after zero()")

        pass(into: second)
        let errors = model.table.entries.map { entry in
            TensorError(
                entry.name, actual: second.gradient(entry.name),
                expected: first.gradient(entry.name).map { 2 * $0 },
                isNoise: entry.name.hasSuffix("key.bias"))
        }
        assertTensorsClose(errors, relativeTolerance: 1e-5, noiseTolerance: 1e-6, "accumulated")
    }

    func testPaddingTokenRowGetsNoGradient() throws {
        let model = randomModel(seed: 41)
        var input = PackedInput()
        input.append([2, 0, 7, 0], tokenTypeIDs: [0, 0, 0, 0])
        let (_, gradients) = lossAndGradients(model, input, labels: [1], training: true)
        let word = gradients.gradient("bert.embeddings.word_embeddings.weight")
        let hidden = model.configuration.hiddenSize
        XCTAssertEqual(Array(word[0..<hidden]), [Float](repeating: 0, count: hidden))
        XCTAssert(word[(7 * hidden)..<(8 * hidden)].contains { $0 != 0 })
    }
}
