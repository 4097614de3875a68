// swift-bert — model tests.

import BERT
import Checkpoints
import Foundation
import Kernels
import Randomness
import XCTest
import _TestSupport

/// The tutorial's training loop — forward, mean cross-entropy, backward,
/// `clip_grad_norm_(max_norm=1)`, `AdamW.step`, `get_linear_schedule_with_warmup` — against
/// the PyTorch runs recorded in Tests/Fixtures/training (made by
/// Tools/reference/make_training_fixtures.py).
///
/// A tensor's relative error is `max|p_swift − p_torch| / max|p_torch|` over its elements. The
/// `attention.self.key.bias` gradients are rounding noise that AdamW turns into full steps of
/// about ±lr, so those tensors only agree within Σ lr (absolute). The fixtures ran in
/// `train()` mode with dropout 0, which `training: false` reproduces exactly.
final class OptimizerParityTests: XCTestCase {
    /// The state of one training run over flat buffers.
    private final class Run {
        let model: BertForSequenceClassification
        let activations: Activations
        let gradients: Gradients
        let firstMoment: FloatBuffer
        let secondMoment: FloatBuffer
        var completedSteps = 0

        init(_ model: BertForSequenceClassification) {
            self.model = model
            activations = Activations(configuration: model.configuration)
            gradients = Gradients(model: model)
            firstMoment = FloatBuffer(count: model.parameters.count)
            secondMoment = FloatBuffer(count: model.parameters.count)
        }

        /// One step of the loop; returns the loss before the update and the gradient norm
        /// before clipping.
        func step(
            _ input: PackedInput, labels: [Int32], learningRate: Double, weightDecay: Double
        ) -> (loss: Float, norm: Float) {
            var generator = SeededGenerator(seed: 0)
            model.forward(input, activations: activations, training: false, generator: &generator)
            let loss = model.loss(labels: labels, activations: activations)
            gradients.zero()
            gradients.reserve(for: input)
            model.lossGradient(
                labels: labels, activations: activations, dLogits: gradients.dLogits.pointer)
            model.backward(
                input, activations: activations, dLogits: gradients.dLogits.pointer,
                gradients: gradients)
            let count = gradients.parameters.count
            let norm = GradientClipping.clip(
                gradients: gradients.parameters.pointer, count: count, maxNorm: 1)
            completedSteps += 1
            AdamW.step(
                parameters: model.parameters.pointer, gradients: gradients.parameters.pointer,
                firstMoment: firstMoment.pointer, secondMoment: secondMoment.pointer,
                count: count, learningRate: learningRate, beta1: 0.9, beta2: 0.999,
                epsilon: 1e-8, weightDecay: weightDecay, step: completedSteps)
            return (loss, norm)
        }
    }

    func testLinearScheduleReproducesTransformersLearningRates() throws {
        let tiny = try TrainingFixtures.open("tiny_training.safetensors")
        let miniLM = try TrainingFixtures.open("minilm_steps.safetensors")
        for (fixture, schedule) in [
            (tiny, LinearSchedule(baseLearningRate: 1e-3, warmupSteps: 1, totalSteps: 3)),
            (miniLM, LinearSchedule(baseLearningRate: 2e-5, warmupSteps: 0, totalSteps: 5)),
        ] {
            let expected = try TrainingFixtures.doubles(fixture, "step_lr")
            let actual = expected.indices.map { schedule.learningRate(atStep: $0) }
            XCTAssertEqual(actual.map(\.bitPattern), expected.map(\.bitPattern), "\(actual)")
        }
        let schedule = LinearSchedule(baseLearningRate: 1, warmupSteps: 4, totalSteps: 10)
        let decay: [Double] = (0...6).map { Double(6 - $0) / 6 }
        let expected: [Double] = [0, 0.25, 0.5, 0.75] + decay + [0]
        XCTAssertEqual((0...11).map { schedule.factor(atStep: $0) }, expected)
    }

    func testThreeTinyStepsReproducePyTorchParameters() throws {
        for (name, weightDecay) in [
            ("tiny_training.safetensors", 0.0), ("tiny_training_wd.safetensors", 0.01),
        ] {
            let fixture = try TrainingFixtures.open(name)
            var generator = SeededGenerator(seed: 0)
            let (model, _) = try BertForSequenceClassification.load(
                from: TestPaths.fixture("tiny-bert"), generator: &generator)
            let input = try TrainingFixtures.packedInput(fixture)
            let labels = try TrainingFixtures.labels(fixture)
            let schedule = LinearSchedule(baseLearningRate: 1e-3, warmupSteps: 1, totalSteps: 3)
            let learningRates = try TrainingFixtures.doubles(fixture, "step_lr")
            let losses = try fixture.floats("step_loss")
            let norms = try TrainingFixtures.doubles(fixture, "step_grad_norm_float64")
            let run = Run(model)
            for step in 0..<3 {
                let learningRate = schedule.learningRate(atStep: step)
                XCTAssertEqual(learningRate, learningRates[step], "\(name) step \(step) lr")
                let (loss, norm) = run.step(
                    input, labels: labels, learningRate: learningRate, weightDecay: weightDecay)
                XCTAssertEqual(loss, losses[step], accuracy: 1e-5, "\(name) step \(step) loss")
                XCTAssertEqual(
                    Double(norm), norms[step], accuracy: 1e-5 * norms[step],
                    "\(name) step \(step) norm")
            }
            let noise = Set(try TrainingFixtures.names(fixture, "gradient_is_rounding_noise"))
            let errors = try model.table.entries.map { entry in
                TensorError(
                    entry.name, actual: model.parameter(entry.name),
                    expected: try fixture.floats("after3." + entry.name),
                    isNoise: noise.contains(entry.name))
            }
            let totalRate = learningRates.reduce(0, +)
            assertTensorsClose(
                errors, relativeTolerance: 1e-5, noiseTolerance: totalRate, "\(name) after 3 steps")
        }
    }

    func testFiveMiniLMStepsReproducePyTorchLosses() throws {
        let fixture = try TrainingFixtures.open("minilm_steps.safetensors")
        let model = try TrainingFixtures.miniLMWithFixtureClassifier()
        let labels = try TrainingFixtures.labels(fixture)
        let schedule = LinearSchedule(baseLearningRate: 2e-5, warmupSteps: 0, totalSteps: 5)
        let learningRates = try TrainingFixtures.doubles(fixture, "step_lr")
        let losses = try fixture.floats("step_loss")
        let norms = try TrainingFixtures.doubles(fixture, "step_grad_norm_float64")
        let batchSize = 8
        XCTAssertEqual(labels.count, 5 * batchSize)
        let run = Run(model)
        for step in 0..<5 {
            let sequences = (step * batchSize)..<((step + 1) * batchSize)
            let input = try TrainingFixtures.packedInput(fixture, sequences: sequences)
            let learningRate = schedule.learningRate(atStep: step)
            XCTAssertEqual(learningRate, learningRates[step], "step \(step) lr")
            let (loss, norm) = run.step(
                input, labels: Array(labels[sequences]), learningRate: learningRate,
                weightDecay: 0)
            XCTAssertEqual(loss, losses[step], accuracy: 2e-4, "step \(step) loss")
            XCTAssertEqual(
                Double(norm), norms[step], accuracy: 1e-3 * norms[step], "step \(step) norm")
        }
        let errors = try ["classifier.weight", "classifier.bias", "bert.pooler.dense.bias"].map {
            TensorError(
                $0, actual: model.parameter($0), expected: try fixture.floats("after5." + $0))
        }
        assertTensorsClose(errors, relativeTolerance: 1e-4, noiseTolerance: 0, "after 5 steps")
    }
}
