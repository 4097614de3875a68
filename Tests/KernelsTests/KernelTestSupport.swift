// swift-bert — Kernels tests: shared helpers.

import Kernels
import Randomness
import XCTest

/// A heap buffer whose pointer is handed to kernels; freed with the object.
final class Buffer<Element> {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(_ values: [Element]) {
        count = values.count
        pointer = .allocate(capacity: max(1, values.count))
        pointer.initialize(from: values, count: values.count)
    }

    init(repeating value: Element, count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: value, count: count)
    }

    deinit {
        pointer.deinitialize(count: count)
        pointer.deallocate()
    }

    var array: [Element] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    var buffer: UnsafeMutableBufferPointer<Element> { .init(start: pointer, count: count) }
}

extension Buffer where Element == Float {
    /// The contents widened to Double.
    var doubles: [Double] { array.map(Double.init) }
}

/// Seeded test data.
struct TestRandom {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed, stream: 99) }

    /// Normal samples N(0, scale²), rounded to Float.
    mutating func floats(_ count: Int, scale: Double = 1, mean: Double = 0) -> [Float] {
        (0..<count).map { _ in
            Float(generator.nextNormal(mean: mean, standardDeviation: scale))
        }
    }

    /// Uniform integers in `0..<upperBound`.
    mutating func ids(_ count: Int, below upperBound: Int) -> [Int32] {
        (0..<count).map { _ in Int32(generator.nextIndex(below: upperBound)) }
    }
}

func doubles(_ values: [Float]) -> [Double] { values.map(Double.init) }

func dot(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
}

/// Central finite differences `(f(x + h·e_i) − f(x − h·e_i)) / 2h` for every element of `x`.
///
/// `f` is a Double reference, so with `h = 1e-6` the differences are accurate to about 1e-9
/// relative: a check tight enough to catch a wrong sign, factor or transpose in a Float
/// backward at a tolerance of 1e-4.
func finiteDifferences(at x: [Double], step h: Double = 1e-6, _ f: ([Double]) -> Double)
    -> [Double]
{
    var point = x
    return x.indices.map { i in
        point[i] = x[i] + h
        let plus = f(point)
        point[i] = x[i] - h
        let minus = f(point)
        point[i] = x[i]
        return (plus - minus) / (2 * h)
    }
}

/// Runs `body` with `Kernels.threadCount` set to `count`, then restores it.
func withThreadCount<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
    let saved = Kernels.threadCount
    Kernels.threadCount = count
    defer { Kernels.threadCount = saved }
    return try body()
}

/// Asserts that two Float arrays are identical bit for bit.
func assertBitIdentical(
    _ actual: [Float], _ expected: [Float], _ label: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, label(), file: file, line: line)
    let firstDifference = zip(actual, expected).enumerated().first {
        $0.element.0.bitPattern != $0.element.1.bitPattern
    }?.offset
    XCTAssertNil(
        firstDifference, "\(label()): first differing index \(firstDifference ?? -1)",
        file: file, line: line)
}

/// Float tolerances for a Float kernel against an exact (Double) result of order one.
enum Tolerance {
    static let forward = (rtol: 1e-5, atol: 1e-6)
    static let gradient = (rtol: 1e-4, atol: 1e-5)
    /// A Double reference backward against Double finite differences.
    static let referenceGradient = (rtol: 1e-6, atol: 1e-8)
}
