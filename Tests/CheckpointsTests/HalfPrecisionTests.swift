// swift-bert — Checkpoints tests: 16-bit float conversions on known bit patterns.

import Checkpoints
import XCTest

final class HalfPrecisionTests: XCTestCase {
    func testFloat16BitPatternsWidenToTheirExactValues() {
        let cases: [(UInt16, Float, String)] = [
            (0x3C00, 1, "one"),
            (0xC000, -2, "minus two"),
            (0x7BFF, 65504, "largest finite"),
            (0x0001, 0x1p-24, "smallest subnormal"),
            (0x03FF, 0x3FFp-24, "largest subnormal"),
            (0x8001, -0x1p-24, "negative subnormal"),
            (0x0400, 0x1p-14, "smallest normal"),
            (0x3555, 0.333251953125, "one third, rounded"),
            (0x7C00, .infinity, "infinity"),
            (0xFC00, -.infinity, "minus infinity"),
            (0x0000, 0, "zero"),
        ]
        for (bits, expected, label) in cases {
            XCTAssertEqual(HalfPrecision.float(fromFloat16Bits: bits), expected, label)
        }
        XCTAssertEqual(HalfPrecision.float(fromFloat16Bits: 0x8000).bitPattern, 0x8000_0000)
        XCTAssertEqual(HalfPrecision.float(fromFloat16Bits: 0x7E00).bitPattern, 0x7FC0_0000)
        XCTAssertEqual(HalfPrecision.float(fromFloat16Bits: 0x7C01).bitPattern, 0x7F80_2000)
    }

    #if !(os(macOS) && arch(x86_64))
        func testEveryFloat16BitPatternMatchesTheStandardLibrarysConversion() {
            for bits in UInt16.min...UInt16.max {
                let expected = Float(Float16(bitPattern: bits))
                let actual = HalfPrecision.float(fromFloat16Bits: bits)
                if expected.isNaN {
                    XCTAssertTrue(actual.isNaN, "0x\(String(bits, radix: 16))")
                } else if actual.bitPattern != expected.bitPattern {
                    XCTFail("0x\(String(bits, radix: 16)): \(actual) != \(expected)")
                    return
                }
            }
        }
    #endif

    func testBFloat16BitPatternsAreTheTopHalfOfAFloat() {
        let cases: [(UInt16, Float, String)] = [
            (0x3F80, 1, "one"),
            (0xC000, -2, "minus two"),
            (0x3EAB, 0.333984375, "one third, rounded"),
            (0x7F80, .infinity, "infinity"),
            (0x0001, Float(bitPattern: 0x0001_0000), "smallest subnormal"),
        ]
        for (bits, expected, label) in cases {
            XCTAssertEqual(HalfPrecision.float(fromBFloat16Bits: bits), expected, label)
        }
        XCTAssertTrue(HalfPrecision.float(fromBFloat16Bits: 0x7FC0).isNaN)
    }
}
