// swift-bert — model tests.

import BERT
import Checkpoints
import Foundation
import Randomness
import XCTest
import _TestSupport

/// The forward pass against transformers' (Tests/Fixtures/forward, made by
/// Tools/reference/make_forward_fixtures.py).
final class ForwardParityTests: XCTestCase {
    private func packedInput(_ fixture: SafeTensorsFile) throws -> PackedInput {
        let ids = try fixture.integers("input_ids").map(Int32.init)
        let types = try fixture.integers("token_type_ids").map(Int32.init)
        let offsets = try fixture.integers("sequence_offsets")
        var input = PackedInput()
        for (start, end) in zip(offsets, offsets.dropFirst()) {
            input.append(ids[start..<end], tokenTypeIDs: types[start..<end])
        }
        return input
    }

    private func run(_ model: BertForSequenceClassification, _ input: PackedInput) -> Activations {
        let activations = Activations(configuration: model.configuration)
        var generator = SeededGenerator(seed: 1)
        model.forward(
            input, activations: activations, training: false, generator: &generator, rows: .all)
        return activations
    }

    func testTinyModelMatchesTransformersLayerByLayer() throws {
        var generator = SeededGenerator(seed: 0)
        let (model, report) = try BertForSequenceClassification.load(
            from: TestPaths.fixture("tiny-bert"), generator: &generator)
        XCTAssertEqual(report.newlyInitialized, [])
        XCTAssertEqual(report.unused, [])
        let fixture = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("forward/tiny_forward.safetensors"))
        let input = try packedInput(fixture)
        try model.validate(input)
        let a = run(model, input)
        let count = input.tokens * model.configuration.hiddenSize
        let batch = input.batch
        assertClose(
            a.embeddingNormed.array(0..<count), try fixture.floats("embeddings_output"), atol: 1e-5,
            "embeddings")
        assertClose(
            a.layers[1].input.array(0..<count), try fixture.floats("hidden_state.0"), atol: 1e-5,
            "layer 0")
        assertClose(
            a.sequenceOutput.array(0..<count), try fixture.floats("hidden_state.1"), atol: 1e-5,
            "layer 1")
        assertClose(
            a.pooled.array(0..<(batch * 32)), try fixture.floats("pooled_output"), atol: 1e-5,
            "pooled")
        assertClose(
            a.logits.array(0..<(batch * 3)), try fixture.floats("logits"), atol: 1e-5, "logits")
    }

    /// MiniLM from its wheel folder (no `bert.` prefix, a position_ids buffer, no classifier)
    /// plus the classifier transformers initialized for the fixture.
    private func miniLMWithFixtureClassifier() throws -> (
        BertForSequenceClassification, LoadReport, SafeTensorsFile
    ) {
        var generator = SeededGenerator(seed: 0)
        let (model, report) = try BertForSequenceClassification.load(
            from: try TestPaths.miniLM(), generator: &generator)
        let fixture = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("forward/minilm_forward.safetensors"))
        try fixture.floats("classifier.weight", into: model.parameter("classifier.weight"))
        try fixture.floats("classifier.bias", into: model.parameter("classifier.bias"))
        return (model, report, fixture)
    }

    func testMiniLMLoadsWithoutPrefixAndReportsTheNewClassifier() throws {
        let (_, report, _) = try miniLMWithFixtureClassifier()
        XCTAssertEqual(report.newlyInitialized, ["classifier.weight", "classifier.bias"])
        XCTAssertEqual(report.ignoredBuffers, ["embeddings.position_ids"])
        XCTAssertEqual(report.unused, [])
    }

    func testMiniLMLogitsMatchTransformers() throws {
        let (model, _, fixture) = try miniLMWithFixtureClassifier()
        let input = try packedInput(fixture)
        XCTAssertGreaterThanOrEqual(input.batch, 20)
        XCTAssertEqual(input.maxSequenceLength, 512, "one input is truncated at 512 tokens")
        let a = run(model, input)
        assertClose(
            a.logits.array(0..<(input.batch * 2)), try fixture.floats("logits"), atol: 1e-4,
            "logits")
        assertClose(
            a.pooled.array(0..<(input.batch * 384)), try fixture.floats("pooled_output"),
            atol: 1e-4, "pooled")
    }

    func testPackedBatchEqualsOneSequenceAtATime() throws {
        let (model, _, fixture) = try miniLMWithFixtureClassifier()
        let input = try packedInput(fixture)
        let batched = try model.logits(for: input)
        for sequence in 0..<input.batch {
            let range = Int(input.sequenceOffsets[sequence])..<Int(input.sequenceOffsets[sequence + 1])
            var single = PackedInput()
            single.append(input.inputIDs[range], tokenTypeIDs: input.tokenTypeIDs[range])
            let alone = try model.logits(for: single)
            assertClose(batched[sequence], alone[0], atol: 1e-5, "sequence \(sequence)")
        }
    }
}
