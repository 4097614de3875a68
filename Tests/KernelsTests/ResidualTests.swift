// swift-bert — Kernels tests: Residual and RowGather.

import Kernels
import XCTest
import _TestSupport

final class ResidualTests: XCTestCase {
    func testForwardAddsTheSkipConnectionAndBackwardAccumulates() {
        var random = TestRandom(seed: 110)
        let count = 37
        let branch = random.floats(count)
        let skip = random.floats(count)
        let output = Buffer(branch)
        Residual.forward(output: output.pointer, input: skip, count: count)
        assertClose(
            output.array, Residual.referenceForward(output: doubles(branch), input: doubles(skip)),
            rtol: 1e-7, atol: 0)
        let dOutput = random.floats(count)
        let initial = random.floats(count)
        let dInput = Buffer(initial)
        Residual.backward(dInput: dInput.pointer, dOutput: dOutput, count: count)
        assertClose(
            dInput.array, zip(doubles(initial), doubles(dOutput)).map(+), rtol: 1e-7, atol: 0)
    }
}

final class RowGatherTests: XCTestCase {
    func testForwardCopiesRowsAndBackwardScatterAddsThem() {
        var random = TestRandom(seed: 111)
        let (rows, width) = (7, 5)
        let input = random.floats(rows * width)
        let picks: [Int32] = [0, 3, 3, 6]
        let output = Buffer(repeating: Float.nan, count: picks.count * width)
        RowGather.forward(output: output.pointer, input: input, rows: picks, count: 4, width: width)
        let expected = picks.flatMap { input[(Int($0) * width)..<((Int($0) + 1) * width)] }
        XCTAssertEqual(output.array, expected)

        let dOutput = random.floats(picks.count * width)
        let dInput = Buffer(repeating: Float(0), count: rows * width)
        RowGather.backward(
            dInput: dInput.pointer, dOutput: dOutput, rows: picks, count: 4, width: width)
        var reference = [Double](repeating: 0, count: rows * width)
        for (i, row) in picks.enumerated() {
            for j in 0..<width { reference[Int(row) * width + j] += Double(dOutput[i * width + j]) }
        }
        assertClose(dInput.array, reference, rtol: 1e-7, atol: 0)
    }
}
