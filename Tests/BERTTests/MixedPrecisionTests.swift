// swift-bert — model tests: bf16 mixed precision.

import BERT
import Kernels
import XCTest
import _TestSupport

/// `--bf16` against fp32 on MiniLM (the fixture batch of GradientParityTests, dropout off):
/// the loss and every parameter gradient within bf16's tolerance, through the emulation path
/// (OpenBLAS: inputs rounded to bf16, fp32 GEMMs), so it runs on every machine; and, where the
/// CPU has bf16 units, the native path against the emulation.
///
/// Tolerances: bf16 keeps 8 significant bits, so every GEMM input moves by up to 2⁻⁹ of
/// itself; through 6 layers forward and back that gives the loss a relative error of about
/// 10⁻³ and a tensor's gradient (max |Δ| / max |g|) a few 10⁻²; the assertions allow 5·10⁻³
/// and 0.1, and also require a visible difference, so that a path that silently stayed in
/// fp32 fails (measured on a Xeon with AMX: loss 0.4·10⁻³, gradients median 0.6·10⁻², worst
/// 2.3·10⁻²). Native and emulated products agree to 10⁻⁵ (GemmBackendTests); through the
/// model, a sum in another order that moves one GEMM input across a bf16 rounding boundary is
/// amplified like bf16's own rounding, so the native path is held to the same bf16 tolerance
/// against fp32, its loss to 10⁻³ of the emulated one, and its gradients' median error
/// against the emulation to 10⁻² (measured: worst 2.2·10⁻²).
final class MixedPrecisionTests: XCTestCase {
    private func run(
        _ precision: Precision, backend: GemmBackend
    ) throws -> (loss: Float, gradients: Gradients, model: BertForSequenceClassification) {
        let model = try TrainingFixtures.miniLMWithFixtureClassifier()
        let fixture = try TrainingFixtures.open("minilm_gradients.safetensors")
        let input = try TrainingFixtures.packedInput(fixture)
        try model.validate(input)
        model.setPrecision(precision)
        let saved = Gemm.backend
        Gemm.backend = backend
        defer { Gemm.backend = saved }
        let (loss, gradients) = lossAndGradients(
            model, input, labels: try TrainingFixtures.labels(fixture))
        return (loss, gradients, model)
    }

    private func errors(
        _ actual: Gradients, _ expected: Gradients, model: BertForSequenceClassification
    ) -> [TensorError] {
        model.table.entries.map { entry in
            TensorError(
                entry.name, actual: actual.gradient(entry.name),
                expected: expected.gradient(entry.name),
                // Mathematically zero (see GradientParityTests): rounding noise either way.
                isNoise: entry.name.hasSuffix("attention.self.key.bias"))
        }
    }

    func testEmulatedBFloat16StepAgreesWithFP32WithinBFloat16Tolerance() throws {
        let fp32 = try run(.float32, backend: .openBLAS)
        let bf16 = try run(.bfloat16, backend: .openBLAS)
        XCTAssertEqual(bf16.loss, fp32.loss, accuracy: 5e-3 * fp32.loss, "loss")
        XCTAssertNotEqual(bf16.loss, fp32.loss, "bf16 must round something")
        let tensorErrors = errors(bf16.gradients, fp32.gradients, model: fp32.model)
        assertTensorsClose(tensorErrors, relativeTolerance: 0.1, noiseTolerance: 1e-4, "bf16 vs fp32")
        let worst = tensorErrors.filter { !$0.isNoise }.map(\.error).max() ?? 0
        XCTAssertGreaterThan(worst, 1e-4, "the gradients show bf16's rounding")
    }

    func testNativeBFloat16AgreesWithEmulation() throws {
        try XCTSkipUnless(
            GemmBackend.oneDNN.runsBFloat16Natively, "no AVX512_BF16 or AMX on this CPU")
        let fp32 = try run(.float32, backend: .oneDNN)
        let emulated = try run(.bfloat16, backend: .openBLAS)
        let native = try run(.bfloat16, backend: .oneDNN)
        XCTAssertEqual(native.loss, emulated.loss, accuracy: 1e-3 * emulated.loss, "loss")
        XCTAssertNotEqual(native.loss, fp32.loss, "native bf16 must round something")
        assertTensorsClose(
            errors(native.gradients, fp32.gradients, model: fp32.model), relativeTolerance: 0.1,
            noiseTolerance: 1e-4, "native bf16 vs fp32")
        let differences = errors(native.gradients, emulated.gradients, model: native.model)
            .filter { !$0.isNoise }.map(\.error).sorted()
        XCTAssertLessThan(differences[differences.count / 2], 1e-2, "median, native vs emulated")
    }

    func testBFloat16CopyFollowsTheParameters() throws {
        let model = try TrainingFixtures.miniLMWithFixtureClassifier()
        model.setPrecision(.bfloat16)
        let copy = try XCTUnwrap(model.bfloat16Parameters)
        let count = model.table.count
        let bits = Array(UnsafeBufferPointer(start: copy.pointer, count: count))
        let expected = Array(UnsafeBufferPointer(start: model.parameters.pointer, count: count))
        XCTAssertEqual(bits, expected.map(BFloat16.bits))
        model.setPrecision(.float32)
        XCTAssertNil(model.bfloat16Parameters)
    }
}
