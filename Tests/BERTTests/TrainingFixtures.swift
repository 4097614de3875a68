// swift-bert — model tests.

import BERT
import Checkpoints
import Foundation
import Kernels
import Randomness
import XCTest
import _TestSupport

/// Readers for the training fixtures (Tests/Fixtures/training, made by
/// Tools/reference/make_training_fixtures.py) and the per-tensor error they are judged by.
enum TrainingFixtures {
    /// A fixture under `Tests/Fixtures/training`.
    static func open(_ name: String) throws -> SafeTensorsFile {
        try SafeTensorsFile(contentsOf: TestPaths.fixture("training/" + name))
    }

    /// The fixture's packed `input_ids`, `token_type_ids` and `sequence_offsets`, restricted to
    /// `sequences` (all by default).
    static func packedInput(_ fixture: SafeTensorsFile, sequences: Range<Int>? = nil) throws
        -> PackedInput
    {
        let ids = try fixture.integers("input_ids").map(Int32.init)
        let types = try fixture.integers("token_type_ids").map(Int32.init)
        let offsets = try fixture.integers("sequence_offsets")
        var input = PackedInput()
        for sequence in sequences ?? 0..<(offsets.count - 1) {
            let rows = offsets[sequence]..<offsets[sequence + 1]
            input.append(ids[rows], tokenTypeIDs: types[rows])
        }
        return input
    }

    static func labels(_ fixture: SafeTensorsFile) throws -> [Int32] {
        try fixture.integers("labels").map(Int32.init)
    }

    /// A float64 tensor's exact values (``SafeTensorsFile/floats(_:)`` rounds them to Float).
    static func doubles(_ fixture: SafeTensorsFile, _ name: String) throws -> [Double] {
        let count = try fixture.info(name).elementCount
        XCTAssertEqual(try fixture.info(name).dtype, .float64, name)
        return try fixture.withUnsafeBytes(of: name) { raw in
            (0..<count).map { index in
                let bits = raw.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self)
                return Double(bitPattern: UInt64(littleEndian: bits))
            }
        }
    }

    /// A metadata entry that holds a JSON value, decoded with `JSONSerialization`.
    static func metadata(_ fixture: SafeTensorsFile, _ key: String) throws -> Any {
        let text = try XCTUnwrap(fixture.metadata[key], "metadata \(key)")
        return try JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
    }

    /// A metadata entry that holds a JSON list of strings.
    static func names(_ fixture: SafeTensorsFile, _ key: String) throws -> [String] {
        try XCTUnwrap(metadata(fixture, key) as? [String], "metadata \(key) is not a string list")
    }

    /// MiniLM from its wheel folder plus the classifier transformers initialized with
    /// `torch.manual_seed(1234)`, which the gradient and step fixtures share with the forward
    /// fixture (they check it is identical); dropout as in `config.json`.
    static func miniLMWithFixtureClassifier() throws -> BertForSequenceClassification {
        var generator = SeededGenerator(seed: 0)
        let (model, _) = try BertForSequenceClassification.load(
            from: try TestPaths.miniLM(), generator: &generator)
        let forward = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("forward/minilm_forward.safetensors"))
        try forward.floats("classifier.weight", into: model.parameter("classifier.weight"))
        try forward.floats("classifier.bias", into: model.parameter("classifier.bias"))
        return model
    }
}

/// One tensor's agreement with PyTorch.
///
/// The relative error is `max|actual − expected| / max|expected|` over the tensor's elements
/// (or the stored sample of them): the error measured against the tensor's scale, so that
/// entries near zero don't dominate. Tensors whose reference is rounding noise are judged by
/// the absolute error `max|actual − expected|` instead.
struct TensorError: CustomStringConvertible {
    var name: String
    var maxAbsoluteError: Double
    var maxExpected: Double
    /// Judged by absolute rather than relative error.
    var isNoise = false

    init<A: Collection, E: Collection>(
        _ name: String, actual: A, expected: E, isNoise: Bool = false
    )
    where A.Element == Float, E.Element == Float {
        precondition(
            actual.count == expected.count, "\(name): \(actual.count) vs \(expected.count)")
        self.name = name
        self.isNoise = isNoise
        var difference = 0.0
        var scale = 0.0
        for (a, e) in zip(actual, expected) {
            let d = abs(Double(a) - Double(e))
            difference = d.isNaN ? .infinity : max(difference, d)
            scale = max(scale, abs(Double(e)))
        }
        maxAbsoluteError = difference
        maxExpected = scale
    }

    var relativeError: Double {
        maxExpected > 0 ? maxAbsoluteError / maxExpected : (maxAbsoluteError > 0 ? .infinity : 0)
    }

    /// The error this tensor is judged by: relative, or absolute for noise.
    var error: Double { isNoise ? maxAbsoluteError : relativeError }

    var description: String {
        let kind = isNoise ? "abs (noise)" : "rel"
        return
            "\(name): \(kind) \(error) (max |diff| \(maxAbsoluteError), max |torch| \(maxExpected))"
    }
}

/// Fails, listing every tensor's error from worst down, when a tensor's relative error exceeds
/// `relativeTolerance` or a noise tensor's absolute error exceeds `noiseTolerance`; silent
/// otherwise.
func assertTensorsClose(
    _ errors: [TensorError], relativeTolerance: Double, noiseTolerance: Double,
    _ label: String, file: StaticString = #filePath, line: UInt = #line
) {
    let bad = errors.filter { $0.error > ($0.isNoise ? noiseTolerance : relativeTolerance) }
    guard !bad.isEmpty else { return }
    let ordered = errors.sorted { ($0.isNoise ? 0 : $0.error) > ($1.isNoise ? 0 : $1.error) }
    XCTFail(
        "\(label): \(bad.count) of \(errors.count) tensors beyond rel \(relativeTolerance) / "
            + "noise abs \(noiseTolerance): \(bad.map(\.name).joined(separator: ", "))\n"
            + ordered.map { "  \($0)" }.joined(separator: "\n"),
        file: file, line: line)
}

/// Forward, mean cross-entropy and backward from zeroed gradients.
func lossAndGradients(
    _ model: BertForSequenceClassification, _ input: PackedInput, labels: [Int32],
    training: Bool = false, seed: UInt64 = 1, rows: EncoderOutputRows = .firstTokens
) -> (loss: Float, gradients: Gradients) {
    let activations = Activations(configuration: model.configuration)
    let gradients = Gradients(model: model)
    var generator = SeededGenerator(seed: seed)
    model.forward(
        input, activations: activations, training: training, generator: &generator, rows: rows)
    let loss = model.loss(labels: labels, activations: activations)
    gradients.reserve(for: input)
    model.lossGradient(
        labels: labels, activations: activations, dLogits: gradients.dLogits.pointer)
    model.backward(
        input, activations: activations, dLogits: gradients.dLogits.pointer,
        gradients: gradients)
    return (loss, gradients)
}

/// A 2-layer, 16-wide BertForSequenceClassification with dropout on every site (0.1, the
/// classifier's 0.2) and seeded random weights, for tests of training-mode passes.
func smallModelWithDropout(precision: Precision = .float32) -> BertForSequenceClassification {
    let configuration = BertConfiguration(
        vocabSize: 50, hiddenSize: 16, numHiddenLayers: 2, numAttentionHeads: 2,
        intermediateSize: 20, hiddenDropoutProb: 0.1, attentionProbsDropoutProb: 0.1,
        maxPositionEmbeddings: 160, initializerRange: 0.3, numLabels: 3,
        classifierDropout: 0.2)
    let model = BertForSequenceClassification(configuration: configuration)
    var generator = SeededGenerator(seed: 17)
    model.initialize(model.table.entries.map(\.name), generator: &generator)
    model.setPrecision(precision)
    return model
}
