// swift-bert — shared test helpers (not API).

import XCTest

/// The largest absolute and relative differences between two float sequences.
public struct CloseReport: CustomStringConvertible {
    public var maxAbsoluteError: Double = 0
    public var maxRelativeError: Double = 0
    public var firstBadIndex: Int?
    public var badCount = 0
    public var description: String {
        let first = firstBadIndex.map { "first bad index \($0)" } ?? "no bad index"
        return "max abs err \(maxAbsoluteError), max rel err \(maxRelativeError), "
            + "\(badCount) bad, \(first)"
    }
}

/// Compares `actual` with `expected` element-wise: each element must satisfy
/// `|a - e| <= atol + rtol * |e|` (numpy's `allclose` rule).
public func closeReport<A: Collection, E: Collection>(
    _ actual: A, _ expected: E, rtol: Double, atol: Double
) -> CloseReport where A.Element: BinaryFloatingPoint, E.Element: BinaryFloatingPoint {
    var report = CloseReport()
    for (index, (a, e)) in zip(actual, expected).enumerated() {
        let av = Double(a)
        let ev = Double(e)
        let diff = abs(av - ev)
        let ok = diff <= atol + rtol * abs(ev) && !av.isNaN
        report.maxAbsoluteError = max(report.maxAbsoluteError, diff.isNaN ? .infinity : diff)
        if ev != 0 { report.maxRelativeError = max(report.maxRelativeError, diff / abs(ev)) }
        if !ok {
            report.badCount += 1
            if report.firstBadIndex == nil { report.firstBadIndex = index }
        }
    }
    return report
}

/// Asserts that two float sequences have the same length and are close element-wise
/// (`|a - e| <= atol + rtol * |e|`); on failure reports the worst errors and the first bad
/// index at the caller's file and line.
public func assertClose<A: Collection, E: Collection>(
    _ actual: A, _ expected: E, rtol: Double = 0, atol: Double = 0,
    _ label: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) where A.Element: BinaryFloatingPoint, E.Element: BinaryFloatingPoint {
    guard actual.count == expected.count else {
        XCTFail("\(label()): count \(actual.count) != expected \(expected.count)",
            file: file, line: line)
        return
    }
    let report = closeReport(actual, expected, rtol: rtol, atol: atol)
    if report.badCount > 0 {
        XCTFail("\(label()): not close (rtol \(rtol), atol \(atol)): \(report)",
            file: file, line: line)
    }
}
