// swift-bert — Kernels tests: GradientClipping.

import Kernels
import XCTest
import _TestSupport

final class GradientClippingTests: XCTestCase {
    func testGlobalNormMatchesReferenceOnOddSizes() {
        var random = TestRandom(seed: 100)
        for count in [0, 1, 7, 63, 65, 1_001] {
            let gradients = random.floats(count)
            let norm = GradientClipping.globalNorm(gradients: gradients, count: count)
            XCTAssertEqual(
                Double(norm), GradientClipping.referenceNorm(gradients: doubles(gradients)),
                accuracy: 1e-6 * max(1, Double(norm)), "count \(count)")
        }
    }

    func testClipScalesToMaxNormAndReturnsTheNormBefore() {
        var random = TestRandom(seed: 101)
        let initial = random.floats(501, scale: 0.5)
        let gradients = Buffer(initial)
        let expectedNorm = GradientClipping.referenceNorm(gradients: doubles(initial))
        let norm = GradientClipping.clip(gradients: gradients.pointer, count: 501, maxNorm: 1)
        XCTAssertEqual(Double(norm), expectedNorm, accuracy: 1e-5)
        let coefficient = Float(1) / (norm + 1e-6)
        XCTAssertEqual(gradients.array, initial.map { $0 * coefficient })
        XCTAssertEqual(
            Double(GradientClipping.globalNorm(gradients: gradients.pointer, count: 501)), 1,
            accuracy: 1e-5)
    }

    func testClipLeavesSmallGradientsUntouched() {
        let initial: [Float] = [0.1, -0.2, 0.3]
        let gradients = Buffer(initial)
        let norm = GradientClipping.clip(gradients: gradients.pointer, count: 3, maxNorm: 1)
        XCTAssertEqual(Double(norm), (0.14 as Double).squareRoot(), accuracy: 1e-7)
        assertBitIdentical(gradients.array, initial)
    }

    func testGlobalNormIsBitIdenticalAcrossThreadCounts() {
        var random = TestRandom(seed: 102)
        let gradients = random.floats(300_007)
        let norms = [1, 2, 3].map { threads in
            withThreadCount(threads) {
                GradientClipping.globalNorm(gradients: gradients, count: gradients.count)
            }
        }
        XCTAssertEqual(
            norms.map(\.bitPattern),
            [norms[0].bitPattern, norms[0].bitPattern, norms[0].bitPattern])
    }
}
