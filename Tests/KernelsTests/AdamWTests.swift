// swift-bert — Kernels tests: AdamW.

import Kernels
import XCTest
import _TestSupport

final class AdamWTests: XCTestCase {
    func testStepsMatchTheTextbookFormulaInDouble() {
        var random = TestRandom(seed: 90)
        let count = 37
        for weightDecay in [0.0, 0.01] {
            let initial = random.floats(count)
            let parameters = Buffer(initial)
            let firstMoment = Buffer(repeating: Float(0), count: count)
            let secondMoment = Buffer(repeating: Float(0), count: count)
            var p = doubles(initial)
            var m = [Double](repeating: 0, count: count)
            var v = [Double](repeating: 0, count: count)
            for step in 1...6 {
                let gradients = random.floats(count, scale: step == 3 ? 0.001 : 1)
                AdamW.step(
                    parameters: parameters.pointer, gradients: gradients,
                    firstMoment: firstMoment.pointer, secondMoment: secondMoment.pointer,
                    count: count, learningRate: 1e-3, weightDecay: weightDecay, step: step)
                AdamW.referenceStep(
                    parameters: &p, gradients: doubles(gradients), firstMoment: &m,
                    secondMoment: &v, learningRate: 1e-3, weightDecay: weightDecay, step: step)
                let label = "step \(step) weight decay \(weightDecay)"
                assertClose(parameters.array, p, rtol: 1e-6, atol: 1e-7, "parameters \(label)")
                assertClose(firstMoment.array, m, rtol: 1e-5, atol: 1e-7, "m \(label)")
                assertClose(secondMoment.array, v, rtol: 1e-5, atol: 1e-12, "v \(label)")
            }
        }
    }

    /// Three steps give torch 2.15's moments exactly and its parameters within 2 ulp.
    ///
    /// Generated on CPU by `torch.manual_seed(1234); p0 = torch.randn(11); grads =
    /// [torch.randn(11) * s for s in (1.0, 0.1, 3.0)]`, then `torch.optim.AdamW([p], lr=1e-3,
    /// betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)` stepped once per gradient.
    func testThreeStepsMatchTorch() {
        let p0: [Float] = [
            0.0461304634809494, 0.4024028182029724, -1.0115290880203247, 0.2167382389307022,
            -0.612273097038269, 0.5036107301712036, 0.23096680641174316, 0.6930773258209229,
            -0.26686057448387146, 2.1784658432006836, 0.10213729739189148,
        ]
        let gradients: [[Float]] = [
            [
                -0.2590096890926361, -0.15490040183067322, -1.3705888986587524,
                -0.13192042708396912, 0.8848397731781006, -0.26107680797576904,
                0.6104170680046082, -0.009842321276664734, -1.4473403692245483,
                -0.20389927923679352, 0.8737533688545227,
            ],
            [
                -0.06816109269857407, 0.0633869394659996, 0.019220227375626564,
                0.009182223118841648, -0.08624942600727081, 0.01595906727015972,
                0.08184131979942322, -0.0764891505241394, 0.08041676133871078,
                -0.0138319106772542, 0.031956739723682404,
            ],
            [
                -3.0561838150024414, -3.944237232208252, 7.568317413330078, 1.3502784967422485,
                0.8127682209014893, -2.4261553287506104, -0.06509875506162643,
                -3.1239190101623535, 0.21073772013187408, 1.738964319229126,
                -0.17973122000694275,
            ],
        ]
        let torchM: [UInt32] = [
            0xBEAA_5BF0, 0xBECD_72B7, 0x3F25_C56F, 0x3E00_2C39, 0x3E14_ABBE, 0xBE86_4FA7,
            0x3D4E_06FB, 0xBEA3_E0A1, 0xBDB6_1D6A, 0x3E1F_E20B, 0x3D64_0D92,
        ]
        let torchV: [UInt32] = [
            0x3C1A_342C, 0x3C7F_5817, 0x3D72_4C0D, 0x3AF1_43CC, 0x3ABD_F9CC, 0x3BC3_1E0B,
            0x39C8_B1A6, 0x3C1F_FC97, 0x3B0C_5808, 0x3B48_E993, 0x3A50_77D1,
        ]
        let torchP: [UInt32] = [
            0x3D47_4F00, 0x3ECF_0AA7, 0xBF81_5408, 0x3E5E_FC3D, 0xBF1D_57B8, 0x3F01_8309,
            0x3E6A_2A6F, 0x3F32_0E8A, 0xBE87_98AD, 0x400B_7DBD, 0x3DCC_E108,
        ]
        let parameters = Buffer(p0)
        let firstMoment = Buffer(repeating: Float(0), count: p0.count)
        let secondMoment = Buffer(repeating: Float(0), count: p0.count)
        for (index, gradient) in gradients.enumerated() {
            AdamW.step(
                parameters: parameters.pointer, gradients: gradient,
                firstMoment: firstMoment.pointer, secondMoment: secondMoment.pointer,
                count: p0.count, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
                weightDecay: 0.01, step: index + 1)
        }
        // The moments do not involve sqrt: they match bit for bit.
        XCTAssertEqual(firstMoment.array.map(\.bitPattern), torchM, "exp_avg")
        XCTAssertEqual(secondMoment.array.map(\.bitPattern), torchV, "exp_avg_sq")
        // PyTorch's vectorized sqrt may be one unit in the last place off: allow 2 units.
        for (index, (actual, expected)) in zip(
            parameters.array, torchP.map(Float.init(bitPattern:))
        )
        .enumerated() {
            XCTAssertLessThanOrEqual(
                abs(actual - expected), 2 * expected.ulp, "parameter \(index)")
        }
    }

    func testFloatOverloadWidensToTheDoubleOne() {
        let gradients: [Float] = [0.5, -2, 1e-3]
        func run(_ body: (Buffer<Float>, Buffer<Float>, Buffer<Float>) -> Void) -> [Float] {
            let parameters = Buffer<Float>([1, 2, 3])
            let m = Buffer(repeating: Float(0), count: 3)
            let v = Buffer(repeating: Float(0), count: 3)
            body(parameters, m, v)
            return parameters.array
        }
        let viaFloat = run { p, m, v in
            AdamW.step(
                parameters: p.pointer, gradients: gradients, firstMoment: m.pointer,
                secondMoment: v.pointer, count: 3, learningRate: Float(0.5), step: 1)
        }
        let viaDouble = run { p, m, v in
            AdamW.step(
                parameters: p.pointer, gradients: gradients, firstMoment: m.pointer,
                secondMoment: v.pointer, count: 3, learningRate: 0.5, beta1: Double(Float(0.9)),
                beta2: Double(Float(0.999)), epsilon: Double(Float(1e-8)), step: 1)
        }
        assertBitIdentical(viaFloat, viaDouble)
    }

    /// The fused update reads `g·scale`: the same bits as `clip_grad_norm_` then AdamW.
    func testGradientScaleGivesTheBitsOfClippingFirst() {
        let gradients: [Float] = [0.5, -2, 1e-3, 3.25, -0.125, 7]
        let norm = GradientClipping.globalNorm(gradients: gradients, count: gradients.count)
        let scale = GradientClipping.scale(norm: norm, maxNorm: 1)
        XCTAssertLessThan(scale, 1)
        func run(_ body: (Buffer<Float>, Buffer<Float>, Buffer<Float>) -> Void) -> [Float] {
            let parameters = Buffer<Float>([1, 2, 3, -1, 0.5, 4])
            let m = Buffer<Float>([0.1, 0, -0.2, 0, 0.3, 0])
            let v = Buffer<Float>([0.01, 0.02, 0, 0.5, 0, 1])
            body(parameters, m, v)
            return parameters.array + m.array + v.array
        }
        let clippedFirst = run { p, m, v in
            let clipped = Buffer(gradients)
            GradientClipping.clip(gradients: clipped.pointer, count: gradients.count, maxNorm: 1)
            AdamW.step(
                parameters: p.pointer, gradients: clipped.pointer, firstMoment: m.pointer,
                secondMoment: v.pointer, count: gradients.count, learningRate: 2e-5, step: 3)
        }
        let fused = run { p, m, v in
            AdamW.step(
                parameters: p.pointer, gradients: gradients, firstMoment: m.pointer,
                secondMoment: v.pointer, count: gradients.count, learningRate: 2e-5, step: 3,
                gradientScale: scale)
        }
        assertBitIdentical(fused, clippedFirst)
        XCTAssertEqual(GradientClipping.scale(norm: 0.5, maxNorm: 1), 1)
        XCTAssertTrue(GradientClipping.scale(norm: .nan, maxNorm: 1).isNaN)
    }

    func testBFloat16CopyHoldsTheRoundedUpdateAndChangesNothingElse() {
        var random = TestRandom(seed: 21)
        let count = 50_001  // several chunks on the pool, and an odd tail
        let gradients = random.floats(count)
        func run(copy: UnsafeMutablePointer<UInt16>?) -> [Float] {
            let parameters = Buffer(random.floats(count))
            let m = Buffer(repeating: Float(0), count: count)
            let v = Buffer(repeating: Float(0), count: count)
            AdamW.step(
                parameters: parameters.pointer, gradients: gradients, firstMoment: m.pointer,
                secondMoment: v.pointer, count: count, learningRate: 1e-3, weightDecay: 0.01,
                step: 2, gradientScale: 0.5, bfloat16Copy: copy)
            return parameters.array + m.array + v.array
        }
        let start = random
        let plain = run(copy: nil)
        random = start
        let copy = Buffer(repeating: UInt16(0), count: count)
        let withCopy = run(copy: copy.pointer)
        assertBitIdentical(withCopy, plain)
        XCTAssertEqual(copy.array, plain.prefix(count).map(BFloat16.bits))
    }
}
