// swift-bert — training tests.

import Foundation
import Training
import XCTest

final class BatchMCCChartSVGTests: XCTestCase {
    /// One bar per batch, up from the zero line for a positive MCC and down for a negative
    /// one, with heights proportional to the value (the plot is 305 px for −1…+1).
    func testBarsRiseAndFallFromZeroInProportion() {
        let svg = BatchMCCChartSVG.render([0.5, -0.25, 0], overall: 0.2, title: "t")
        let rects = svg.components(separatedBy: "<rect x=").dropFirst().map { String($0) }
        XCTAssertEqual(rects.count, 3)
        func attribute(_ name: String, _ rect: String) -> Double {
            let start = rect.range(of: "\(name)=\"")!.upperBound
            return Double(rect[start...].prefix { $0 != "\"" })!
        }
        let zero = 40 + 305.0 / 2
        XCTAssertEqual(attribute("y", rects[0]), zero - 0.5 * 305 / 2, accuracy: 0.1)
        XCTAssertEqual(attribute("height", rects[0]), 0.5 * 305 / 2, accuracy: 0.1)
        XCTAssertEqual(attribute("y", rects[1]), zero, accuracy: 0.1)
        XCTAssertEqual(attribute("height", rects[1]), 0.25 * 305 / 2, accuracy: 0.1)
        XCTAssertTrue(svg.contains("whole set: 0.200"))
        XCTAssertTrue(svg.contains("MCC Score (-1 to +1)"))
    }
}
