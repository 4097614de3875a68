// swift-bert — Training tests: fine-tuning a token classifier with the training loop.

import BERT
import Checkpoints
import Datasets
import Foundation
import Randomness
import Tokenization
import Training
import XCTest
import _TestSupport

final class TokenClassificationTrainingTests: XCTestCase {
    /// `FineTuner` on BertForTokenClassification: 3 epochs of one batch (the head fixture's
    /// four sentences, in order, dropout 0, lr 1e-3 with 1 warm-up step) end where PyTorch's
    /// 3 steps end (Tools/reference/make_head_fixtures.py), and each epoch reports seqeval's
    /// entity scores on the validation sentences.
    func testFineTunerReproducesPyTorchAndReportsEntityScores() throws {
        let (model, sentences, fixture) = try TokenClassificationFixture.load(dropout: 0)
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let examples = try TokenClassificationExamples(
            sentences: sentences, tokenizer: tokenizer, maxLength: 512)
        var options = FineTuningOptions()
        options.epochs = 3
        options.batchSize = 4
        options.shuffle = false
        options.learningRate = 1e-3
        options.warmupSteps = 1
        let tuner = try FineTuner(model: model, options: options)
        let summary = try tuner.train(
            on: examples, validation: examples, from: nil, observer: { _, _ in .proceed })
        XCTAssertEqual(summary.steps, 3)
        let losses = try fixture.floats("step_loss")
        for (loss, expected) in zip(summary.stepLosses, losses) {
            XCTAssertEqual(loss, expected, accuracy: 2e-4)
        }
        let noise = Set(
            try XCTUnwrap(
                JSONSerialization.jsonObject(
                    with: Data(try XCTUnwrap(fixture.metadata["gradient_is_rounding_noise"]).utf8))
                    as? [String]))
        let totalRate = 1e-3 * (1 + 1 + 0.5)
        for entry in model.table.entries {
            let actual = model.parameter(entry.name)
            let expected = try fixture.floats("after3." + entry.name)
            var worst: Float = 0
            var scale: Float = 0
            for (a, e) in zip(actual, expected) {
                worst = max(worst, abs(a - e))
                scale = max(scale, abs(e))
            }
            if noise.contains(entry.name) {
                XCTAssertLessThanOrEqual(Double(worst), totalRate, entry.name)
            } else {
                XCTAssertLessThanOrEqual(worst, 1e-5 * scale, entry.name)
            }
        }
        let last = try XCTUnwrap(summary.epochs.last?.validation)
        let entities = try XCTUnwrap(last.entities)
        XCTAssertEqual(entities.types, ["LOC", "PER"])
        XCTAssertEqual(entities.perType.map(\.support), [3, 2])
        XCTAssertEqual(last.count, sentences.reduce(0) { $0 + $1.words.count })
    }

    /// The weights scikit-learn's `compute_class_weight("balanced")` gave for the class-weight
    /// fixture's labels (Tools/reference/make_head_fixtures.py).
    func testBalancedClassWeightsAreScikitLearns() throws {
        let fixture = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("training/tiny_class_weights.safetensors"))
        let labels = try fixture.integers("labels").map(Int32.init)
        let weights = FineTuningOptions.balancedClassWeights(labels: labels, classes: 3)
        let expected = try fixture.floats("class_weights")
        for (w, e) in zip(weights, expected) { XCTAssertEqual(w, e, accuracy: 1e-7) }
        XCTAssertEqual(weights.count, expected.count)
    }
}
