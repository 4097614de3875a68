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

    /// tiny-bert's masked-LM model and fixture batch, loaded afresh.
    private func maskedLM() throws -> (BertForMaskedLM, PackedBatch) {
        let name = "tiny_masked_lm"
        let headTensors = MaskedLanguageModelingHead.tensorShapes(
            try BertConfiguration.load(from: TestPaths.fixture("tiny-bert/config.json"))
        ).map(\.0)
        let model = try tinyModel(BertForMaskedLM.self, fixture: name, labels: nil, head: headTensors)
        let fixture = try TrainingFixtures.open(name + ".safetensors")
        var batch = try TrainingFixtures.packedInput(fixture)
        batch.labels = try TrainingFixtures.labels(fixture)
        return (model, batch)
    }

    /// One pass of `model` on `batch` (the model's own loss and labels), its loss and
    /// gradients.
    private func pass(
        _ model: BertPreTrainedModel & FineTunable, _ batch: PackedBatch
    ) -> (Float, EncoderGradients) {
        let activations = model.makeActivations()
        let gradients = model.makeGradients()
        var unused = SeededGenerator(seed: 0)
        let loss = model.accumulateGradients(
            batch, activations: activations, gradients: gradients, dLoss: 1, classWeights: nil,
            generator: &unused)
        return (loss, gradients)
    }

    /// A frozen encoder freezes the shared word-embedding matrix, the decoder's weight too:
    /// no gradient reaches it, and the trainable tensors get the unfrozen model's gradients.
    func testFrozenEmbeddingsFreezeTheTiedDecoder() throws {
        let (model, batch) = try maskedLM()
        let (_, full) = pass(model, batch)
        model.freezing = .layers(1)
        let (_, frozen) = pass(model, batch)
        let word = BertEncoder.EmbeddingTensor.wordEmbeddings.name
        XCTAssertTrue(frozen.gradient(word).allSatisfy { $0 == 0 }, "no decoder gradient")
        XCTAssertTrue(full.gradient(word).contains { $0 != 0 })
        for entry in model.table.entries where entry.offset >= model.trainableRange.lowerBound {
            XCTAssertEqual(
                Array(frozen.gradient(entry.name)), Array(full.gradient(entry.name)), entry.name)
        }
    }

    /// `--bf16` on both heads, through the emulation path (runs on every CPU): the loss and
    /// every gradient within MixedPrecisionTests' bf16 tolerances of fp32 (loss 5·10⁻³
    /// relative, tensors 0.1), and visibly rounded.
    func testBothHeadsRunInBFloat16WithinItsTolerance() throws {
        let qaName = "tiny_question_answering"
        let qa = try tinyModel(
            BertForQuestionAnswering.self, fixture: qaName, labels: 2,
            head: ["qa_outputs.weight", "qa_outputs.bias"])
        let qaFixture = try TrainingFixtures.open(qaName + ".safetensors")
        var qaBatch = try TrainingFixtures.packedInput(qaFixture)
        qaBatch.labels = zip(
            try qaFixture.integers("start_positions"), try qaFixture.integers("end_positions")
        ).flatMap { [Int32($0), Int32($1)] }
        let (mlm, mlmBatch) = try maskedLM()
        let saved = Gemm.backend
        Gemm.backend = .openBLAS
        defer { Gemm.backend = saved }
        let mlmFixture = try TrainingFixtures.open("tiny_masked_lm.safetensors")
        for (model, batch, fixture) in [
            (qa as BertPreTrainedModel & FineTunable, qaBatch, qaFixture), (mlm, mlmBatch, mlmFixture),
        ] {
            let noise = Set(try TrainingFixtures.names(fixture, "gradient_is_rounding_noise"))
            let label = type(of: model).architecture
            model.setPrecision(.float32)
            let (loss32, gradients32) = pass(model, batch)
            model.setPrecision(.bfloat16)
            let (loss16, gradients16) = pass(model, batch)
            model.setPrecision(.float32)
            XCTAssertEqual(loss16, loss32, accuracy: 5e-3 * loss32, "\(label) loss")
            XCTAssertNotEqual(loss16, loss32, "\(label): bf16 must round something")
            let errors = model.table.entries.map { entry in
                TensorError(
                    entry.name, actual: gradients16.gradient(entry.name),
                    expected: gradients32.gradient(entry.name), isNoise: noise.contains(entry.name))
            }
            assertTensorsClose(errors, relativeTolerance: 0.1, noiseTolerance: 1e-4, "\(label) bf16")
        }
    }
}
