// swift-bert — training tests.

import BERT
import Checkpoints
import Datasets
import Foundation
import Randomness
import Training
import XCTest
import _TestSupport

/// The whole training loop (`FineTuner`: batching, loss, backward, clipping, AdamW, schedule)
/// against PyTorch's (Tests/Fixtures/training/minilm_steps.safetensors, made by
/// Tools/reference/make_training_fixtures.py): MiniLM, dropout 0, the first 40 CoLA training
/// sentences in file order, batch 8, AdamW lr 2e-5, linear decay over 5 steps, clipping at 1.
final class FineTunerParityTests: XCTestCase {
    func testFiveMiniLMStepsHaveTransformersLosses() throws {
        let steps = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("training/minilm_steps.safetensors"))
        let forward = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("forward/minilm_forward.safetensors"))
        var generator = SeededGenerator(seed: 0)
        let (model, _) = try ModelFolder.load(
            from: try TestPaths.miniLM(), labels: ["LABEL_0", "LABEL_1"], dropout: 0,
            generator: &generator)
        try forward.floats("classifier.weight", into: model.parameter("classifier.weight"))
        try forward.floats("classifier.bias", into: model.parameter("classifier.bias"))

        let ids = try steps.integers("input_ids").map(Int32.init)
        let types = try steps.integers("token_type_ids").map(Int32.init)
        let offsets = try steps.integers("sequence_offsets")
        let labels = try steps.integers("labels").map(Int32.init)
        var train = EncodedExamples()
        for (index, (start, end)) in zip(offsets, offsets.dropFirst()).enumerated() {
            train.append(
                inputIDs: ids[start..<end], tokenTypeIDs: types[start..<end], label: labels[index])
        }
        XCTAssertEqual(train.count, 40)

        var options = FineTuningOptions()
        options.epochs = 1
        options.batchSize = 8
        options.shuffle = false
        let tuner = try FineTuner(model: model, options: options)
        let summary = try tuner.train(on: train, validation: EncodedExamples())
        let expected = try steps.floats("step_loss")
        XCTAssertEqual(summary.stepLosses.count, 5)
        assertClose(summary.stepLosses, expected, atol: 2e-4, "step losses")
    }
}
