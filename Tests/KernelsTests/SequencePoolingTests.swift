// swift-bert — kernel tests.

import Kernels
import Randomness
import XCTest
import _TestSupport

final class SequencePoolingTests: XCTestCase {
    /// Naive Double reference of each pooling over one sequence's rows.
    private func reference(_ x: [Float], rows: Range<Int>, hidden: Int, mode: SequencePooling.Mode)
        -> [Float]
    {
        (0..<hidden).map { i in
            let column = rows.map { Double(x[$0 * hidden + i]) }
            switch mode {
            case .mean: return Float(column.reduce(0, +) / Double(max(column.count, 1)))
            case .cls: return Float(column[0])
            case .max: return Float(column.max() ?? -.infinity)
            }
        }
    }

    func testPoolingMatchesTheReferenceOnOddSizes() {
        var generator = SeededGenerator(seed: 7)
        for (lengths, hidden) in [([1], 1), ([3, 1, 7], 5), ([13, 2, 9, 1], 37)] {
            let tokens = lengths.reduce(0, +)
            let x = (0..<(tokens * hidden)).map { _ in Float(generator.nextNormal(mean: 0, standardDeviation: 1)) }
            var offsets: [Int32] = [0]
            for length in lengths { offsets.append(offsets.last! + Int32(length)) }
            for mode in SequencePooling.Mode.allCases {
                var output = [Float](repeating: .nan, count: lengths.count * hidden)
                output.withUnsafeMutableBufferPointer { out in
                    x.withUnsafeBufferPointer { input in
                        offsets.withUnsafeBufferPointer { o in
                            SequencePooling.forward(
                                output: out.baseAddress!, input: input.baseAddress!,
                                sequenceOffsets: o.baseAddress!, batch: lengths.count,
                                hidden: hidden, mode: mode)
                        }
                    }
                }
                let expected = lengths.indices.flatMap {
                    reference(x, rows: Int(offsets[$0])..<Int(offsets[$0 + 1]), hidden: hidden, mode: mode)
                }
                assertClose(output, expected, atol: 1e-6, "\(mode) \(lengths) × \(hidden)")
            }
        }
    }

    func testL2NormalizeGivesUnitRowsAndLeavesZeroRowsZero() {
        var rows: [Float] = [3, 4, 0, 0, 0, 0, 1e-30, 0, 0]
        rows.withUnsafeMutableBufferPointer {
            L2Normalize.forward(rows: $0.baseAddress!, count: 3, width: 3)
        }
        assertClose(rows, [0.6, 0.8, 0, 0, 0, 0, 1e-18, 0, 0], rtol: 1e-6, "rows")
    }
}
