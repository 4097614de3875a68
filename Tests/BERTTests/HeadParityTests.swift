// swift-bert — model tests.

import BERT
import Checkpoints
import Foundation
import Kernels
import Randomness
import XCTest
import _TestSupport

/// Every head and loss against transformers on tiny-bert (Tests/Fixtures/training/tiny_*.safetensors,
/// made by Tools/reference/make_head_fixtures.py): the logits, the loss and every parameter's
/// gradient of one pass, then 3 steps of the tutorial's loop (clip_grad_norm_ 1.0, AdamW,
/// linear schedule 1e-3 with 1 warm-up step) with their losses, norms and final parameters.
/// Tolerances are the sequence-classification ones (GradientParityTests, OptimizerParityTests).
/// The fixtures ran in `train()` mode with dropout 0: the models here load with dropout 0,
/// so training mode (used by `accumulateGradients`) and `training: false` both reproduce it.
final class HeadParityTests: XCTestCase {
    /// One pass over the fixture's batch: zeroes the gradients, runs forward, loss and
    /// backward (accumulating into `gradients`), and returns the loss and the logits.
    typealias Pass = () -> (loss: Float, logits: [Float])

    /// Checks the pass's logits, loss and gradients against the fixture, then runs 3 steps.
    func check(
        _ name: String, model: BertPreTrainedModel, gradients: EncoderGradients,
        expectedLogits: [Float]? = nil, pass: Pass,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let fixture = try TrainingFixtures.open(name + ".safetensors")
        let noise = Set(try TrainingFixtures.names(fixture, "gradient_is_rounding_noise"))
        let firstMoment = FloatBuffer(count: model.table.count)
        let secondMoment = FloatBuffer(count: model.table.count)
        let schedule = LinearSchedule(baseLearningRate: 1e-3, warmupSteps: 1, totalSteps: 3)
        let losses = try fixture.floats("step_loss")
        let norms = try TrainingFixtures.doubles(fixture, "step_grad_norm_float64")
        for step in 0..<3 {
            gradients.zero()
            let (loss, logits) = pass()
            if step == 0 {
                assertClose(
                    logits, try expectedLogits ?? fixture.floats("logits"), atol: 1e-4,
                    "\(name) logits")
                XCTAssertEqual(loss, try fixture.floats("loss")[0], accuracy: 1e-5, "\(name) loss")
                let errors = try model.table.entries.map { entry in
                    TensorError(
                        entry.name, actual: gradients.gradient(entry.name),
                        expected: try fixture.floats("grad." + entry.name),
                        isNoise: noise.contains(entry.name))
                }
                assertTensorsClose(
                    errors, relativeTolerance: 1e-3, noiseTolerance: 1e-6, "\(name) gradients",
                    file: file, line: line)
            }
            XCTAssertEqual(loss, losses[step], accuracy: 2e-4, "\(name) step \(step) loss")
            let count = model.table.count
            let norm = GradientClipping.clip(
                gradients: gradients.parameters.pointer, count: count, maxNorm: 1)
            XCTAssertEqual(
                Double(norm), norms[step], accuracy: 1e-5 * norms[step], "\(name) step \(step) norm")
            AdamW.step(
                parameters: model.parameters.pointer, gradients: gradients.parameters.pointer,
                firstMoment: firstMoment.pointer, secondMoment: secondMoment.pointer,
                count: count, learningRate: schedule.learningRate(atStep: step), beta1: 0.9,
                beta2: 0.999, epsilon: 1e-8, weightDecay: 0, step: step + 1)
        }
        let totalRate = try TrainingFixtures.doubles(fixture, "step_lr").reduce(0, +)
        let errors = try model.table.entries.map { entry in
            TensorError(
                entry.name, actual: model.parameter(entry.name),
                expected: try fixture.floats("after3." + entry.name),
                isNoise: noise.contains(entry.name))
        }
        // A tensor whose gradient is analytically zero (rounding noise) moves by up to about
        // Σ lr on each side, in the direction of that side's noise: the two can move apart
        // by twice that (qa_outputs.bias does when the noise's signs differ).
        assertTensorsClose(
            errors, relativeTolerance: 1e-5, noiseTolerance: 2 * totalRate,
            "\(name) after 3 steps",
            file: file, line: line)
    }

    /// tiny-bert as a `Model` with `labels` labels (and `problemType`), its head's tensors
    /// (`head`, newly initialized by transformers) copied from the fixture.
    func tinyModel<Model: PretrainedLoadable>(
        _ type: Model.Type, fixture name: String, labels: Int?,
        problemType: BertConfiguration.ProblemType? = nil,
        head: [String] = ["classifier.weight", "classifier.bias"]
    ) throws -> Model {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tiny = TestPaths.fixture("tiny-bert")
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(
                at: tiny.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        if let problemType {
            let url = folder.appendingPathComponent("config.json")
            var config = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
            config["problem_type"] = problemType.rawValue
            try JSONSerialization.data(withJSONObject: config).write(to: url)
        }
        var generator = SeededGenerator(seed: 0)
        let (model, _) = try Model.load(
            from: folder, labels: labels.map { n in (0..<n).map { "LABEL_\($0)" } }, dropout: 0,
            generator: &generator)
        let fixture = try TrainingFixtures.open(name + ".safetensors")
        for tensor in head { try fixture.floats(tensor, into: model.parameter(tensor)) }
        return model
    }

    func testTokenClassificationMatchesTransformers() throws {
        let name = "tiny_token_classification"
        let model = try tinyModel(BertForTokenClassification.self, fixture: name, labels: 5)
        XCTAssertNil(model.table.entry("bert.pooler.dense.weight"), "no pooler")
        let fixture = try TrainingFixtures.open(name + ".safetensors")
        var batch = try TrainingFixtures.packedInput(fixture)
        batch.labels = try TrainingFixtures.labels(fixture)
        XCTAssertTrue(batch.labels.contains(-100))
        let activations = TokenClassificationActivations(configuration: model.configuration)
        let gradients = TokenClassificationGradients(model: model)
        try check(name, model: model, gradients: gradients) {
            var unused = SeededGenerator(seed: 0)
            model.forward(batch, activations: activations, training: false, generator: &unused)
            let loss = model.loss(labels: batch.labels, activations: activations)
            gradients.reserve(for: batch)
            model.lossGradient(
                labels: batch.labels, activations: activations,
                dLogits: gradients.dLogits.pointer)
            model.backward(
                batch, activations: activations, dLogits: gradients.dLogits.pointer,
                gradients: gradients)
            return (loss, activations.logits.array(0..<(batch.tokens * 5)))
        }
    }

    /// Sequence classification with float labels, or with class weights.
    private func checkSequenceClassification(
        _ name: String, labels: Int, problemType: BertConfiguration.ProblemType? = nil,
        classWeights: Bool = false
    ) throws {
        let model = try tinyModel(
            BertForSequenceClassification.self, fixture: name, labels: labels,
            problemType: problemType)
        let fixture = try TrainingFixtures.open(name + ".safetensors")
        var batch = try TrainingFixtures.packedInput(fixture)
        if problemType == nil {
            batch.labels = try TrainingFixtures.labels(fixture)
        } else {
            batch.targets = try fixture.floats("labels")
        }
        let weights = classWeights ? try fixture.floats("class_weights") : nil
        let activations = Activations(configuration: model.configuration)
        let gradients = Gradients(model: model)
        try check(name, model: model, gradients: gradients) {
            var unused = SeededGenerator(seed: 0)
            let loss = (weights ?? []).withUnsafeBufferPointer { w in
                model.accumulateGradients(
                    batch, activations: activations, gradients: gradients, dLoss: 1,
                    classWeights: weights == nil ? nil : w.baseAddress, generator: &unused)
            }
            return (loss, activations.logits.array(0..<(batch.batch * labels)))
        }
    }

    func testMultiLabelClassificationMatchesTransformers() throws {
        try checkSequenceClassification(
            "tiny_multilabel", labels: 4, problemType: .multiLabelClassification)
    }

    func testRegressionMatchesTransformers() throws {
        try checkSequenceClassification("tiny_regression", labels: 1, problemType: .regression)
    }

    func testClassWeightedCrossEntropyMatchesPyTorch() throws {
        try checkSequenceClassification("tiny_class_weights", labels: 3, classWeights: true)
    }

    /// Two micro-batches of 3, each loss scaled by 1/2 and their gradients summed before each
    /// update, as transformers' training_step with gradient_accumulation_steps=2 scales them.
    func testGradientAccumulationMatchesPyTorch() throws {
        let name = "tiny_accumulation"
        let fixture = try TrainingFixtures.open(name + ".safetensors")
        var generator = SeededGenerator(seed: 0)
        let (model, _) = try BertForSequenceClassification.load(
            from: TestPaths.fixture("tiny-bert"), dropout: 0, generator: &generator)
        try fixture.floats("classifier.weight", into: model.parameter("classifier.weight"))
        try fixture.floats("classifier.bias", into: model.parameter("classifier.bias"))
        let labels = try TrainingFixtures.labels(fixture)
        let split = try fixture.integers("micro_batch_offsets")
        XCTAssertEqual(split, [0, 3, 6])
        let micro = (0..<2).map { part -> PackedBatch in
            var batch = try! TrainingFixtures.packedInput(fixture, sequences: split[part]..<split[part + 1])
            batch.labels = Array(labels[split[part]..<split[part + 1]])
            return batch
        }
        let activations = Activations(configuration: model.configuration)
        let gradients = Gradients(model: model)
        let microLosses = try fixture.floats("micro_loss")
        var first = true
        try check(name, model: model, gradients: gradients) {
            var unused = SeededGenerator(seed: 0)
            var loss: Float = 0
            var logits: [Float] = []
            for (index, batch) in micro.enumerated() {
                let part = model.accumulateGradients(
                    batch, activations: activations, gradients: gradients, dLoss: 0.5,
                    generator: &unused)
                if first { XCTAssertEqual(part, microLosses[index], accuracy: 1e-5, "micro \(index)") }
                loss += 0.5 * part
                logits += activations.logits.array(0..<(batch.batch * 3))
            }
            first = false
            return (loss, logits)
        }
    }
}
