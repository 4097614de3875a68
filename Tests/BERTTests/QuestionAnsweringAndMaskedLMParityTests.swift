// swift-bert — model tests.

import BERT
import Checkpoints
import Foundation
import Kernels
import Randomness
import XCTest
import _TestSupport

/// HeadParityTests, continued: BertForQuestionAnswering and BertForMaskedLM against transformers on tiny-bert
/// (Tests/Fixtures/training/tiny_question_answering.safetensors and tiny_masked_lm.safetensors,
/// made by Tools/reference/make_qa_mlm_head_fixtures.py), with HeadParityTests' checks and
/// tolerances: logits (atol 1e-4), loss (1e-5), every gradient (relative 1e-3), 3 steps of
/// AdamW with clipping (loss 2e-4, norm 1e-5 relative) and the final parameters (1e-5).
extension HeadParityTests {

    func testQuestionAnsweringMatchesTransformers() throws {
        let name = "tiny_question_answering"
        let model = try tinyModel(
            BertForQuestionAnswering.self, fixture: name, labels: 2,
            head: ["qa_outputs.weight", "qa_outputs.bias"])
        XCTAssertNil(model.table.entry("bert.pooler.dense.weight"), "no pooler")
        let fixture = try TrainingFixtures.open(name + ".safetensors")
        var batch = try TrainingFixtures.packedInput(fixture)
        let starts = try fixture.integers("start_positions")
        let ends = try fixture.integers("end_positions")
        batch.labels = zip(starts, ends).flatMap { [Int32($0), Int32($1)] }
        XCTAssertTrue(starts.contains(0), "one unanswerable feature, labelled [CLS]")
        let activations = QuestionAnsweringActivations(configuration: model.configuration)
        let gradients = QuestionAnsweringGradients(model: model)
        let expectedStart = try fixture.floats("start_logits")
        let expectedEnd = try fixture.floats("end_logits")
        // The fixture's logits are [start…, end…]; so is what the pass returns.
        try check(
            name, model: model, gradients: gradients, expectedLogits: expectedStart + expectedEnd
        ) {
            var unused = SeededGenerator(seed: 0)
            let loss = model.accumulateGradients(
                batch, activations: activations, gradients: gradients, dLoss: 1,
                generator: &unused)
            let logits = activations.startLogits.array(0..<batch.tokens)
                + activations.endLogits.array(0..<batch.tokens)
            return (loss, logits)
        }
    }

    func testMaskedLMMatchesTransformersWithTheTiedDecoder() throws {
        let name = "tiny_masked_lm"
        let headTensors = MaskedLanguageModelingHead.tensorShapes(
            try BertConfiguration.load(from: TestPaths.fixture("tiny-bert/config.json"))
        ).map(\.0)
        let model = try tinyModel(
            BertForMaskedLM.self, fixture: name, labels: nil, head: headTensors)
        XCTAssertNil(model.table.entry("cls.predictions.decoder.weight"), "tied, not a tensor")
        let fixture = try TrainingFixtures.open(name + ".safetensors")
        var batch = try TrainingFixtures.packedInput(fixture)
        batch.labels = try TrainingFixtures.labels(fixture)
        let activations = MaskedLanguageModelingActivations(configuration: model.configuration)
        let gradients = MaskedLanguageModelingGradients(model: model)
        let every = (0..<Int32(batch.tokens)).map { $0 }
        let evaluation = MaskedLanguageModelingActivations(configuration: model.configuration)
        var first = true
        try check(name, model: model, gradients: gradients) {
            var unused = SeededGenerator(seed: 0)
            // transformers' logits cover every token: the eval pass on all rows, before the step.
            let logits = first ? (try! model.logits(for: batch, rows: every, activations: evaluation)).flatMap { $0 } : []
            first = false
            let loss = model.accumulateGradients(
                batch, activations: activations, gradients: gradients, dLoss: 1,
                generator: &unused)
            return (loss, logits)
        }
    }

    /// The tied decoder's own share of the word-embedding gradient (the head's backward alone,
    /// without the embedding lookup's), against the fixture's `grad_from_decoder`.
    func testTiedDecoderGradientMatchesPyTorch() throws {
        let name = "tiny_masked_lm"
        let headTensors = MaskedLanguageModelingHead.tensorShapes(
            try BertConfiguration.load(from: TestPaths.fixture("tiny-bert/config.json"))
        ).map(\.0)
        let model = try tinyModel(
            BertForMaskedLM.self, fixture: name, labels: nil, head: headTensors)
        let fixture = try TrainingFixtures.open(name + ".safetensors")
        var batch = try TrainingFixtures.packedInput(fixture)
        batch.labels = try TrainingFixtures.labels(fixture)
        let activations = MaskedLanguageModelingActivations(configuration: model.configuration)
        let gradients = MaskedLanguageModelingGradients(model: model)
        var unused = SeededGenerator(seed: 0)
        activations.reserve(for: batch)
        activations.selectLabelledRows(batch.labels, tokens: batch.tokens)
        model.forward(batch, activations: activations, training: false, generator: &unused)
        _ = model.loss(activations: activations)
        gradients.reserve(for: batch)
        model.lossGradient(activations: activations, gradients: gradients)
        model.head.backward(
            batch, weights: model.weights, activations: activations, gradients: gradients,
            embeddingsTrain: true, encoderTrains: false)
        let word = BertEncoder.EmbeddingTensor.wordEmbeddings.name
        let error = TensorError(
            word, actual: gradients.gradient(word),
            expected: try fixture.floats("grad_from_decoder." + word), isNoise: false)
        assertTensorsClose([error], relativeTolerance: 1e-3, noiseTolerance: 1e-6, "decoder share")
        XCTAssertNotEqual(gradients.gradient(word)[0], 0, "[PAD]'s row gets the decoder's gradient")
    }
}
