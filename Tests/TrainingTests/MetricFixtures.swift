// swift-bert — Training tests: reading the metric fixtures written by Tools/reference.

import Foundation
import XCTest
import _TestSupport

/// A JSON fixture under `Tests/Fixtures/metrics`, parsed with `JSONSerialization`.
enum MetricFixture {
    static func load(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws
        -> [String: Any]
    {
        let url = TestPaths.fixture("metrics/\(name)")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let dictionary = object as? [String: Any],
            let meta = dictionary["meta"] as? [String: Any],
            meta["format"] as? String == "swift-bert-fixture", meta["version"] as? Int == 1
        else {
            XCTFail("\(name): not a swift-bert-fixture v1 file", file: file, line: line)
            throw XCTSkip("bad fixture")
        }
        return dictionary
    }

    /// The fixture's cases under `key`.
    static func cases(_ fixture: [String: Any], _ key: String) -> [[String: Any]] {
        fixture[key] as? [[String: Any]] ?? []
    }
}

/// Asserts `actual` equals a fixture number within `tolerance`, relative to the number when
/// it is above 1; `null` in the fixture stands for NaN.
func assertMatches(
    _ actual: Double, _ expected: Any?, tolerance: Double, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    if let expected = expected as? Double {
        XCTAssertEqual(
            actual, expected, accuracy: tolerance * max(1, abs(expected)), label, file: file,
            line: line)
    } else if expected is NSNull {
        XCTAssertTrue(actual.isNaN, "\(label): expected NaN, got \(actual)", file: file, line: line)
    } else {
        XCTFail("\(label): fixture holds no number", file: file, line: line)
    }
}
