// swift-bert — Kernels tests: the loss fixtures.

import Foundation
import XCTest
import _TestSupport

/// `Tests/Fixtures/losses/losses.safetensors` (Tools/reference/make_loss_fixtures.py), read
/// with a minimal safetensors parser: Kernels tests do not depend on Checkpoints.
struct LossFixtures {
    private let data: Data
    private let entries: [String: (dtype: String, shape: [Int], range: Range<Int>)]
    let metadata: [String: String]

    /// Opens a fixture under `Tests/Fixtures` (by default the loss cases).
    init(_ relativePath: String = "losses/losses.safetensors") throws {
        let url = TestPaths.fixture(relativePath)
        data = try Data(contentsOf: url)
        guard data.count >= 8 else { throw FixtureError("\(url.path): shorter than 8 bytes") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.1) << (8 * $1.0) }
        guard headerLength <= data.count - 8 else {
            throw FixtureError("\(url.path): header length \(headerLength) past the end")
        }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength)))
        guard let object = header as? [String: Any] else {
            throw FixtureError("\(url.path): header is not an object")
        }
        metadata = object["__metadata__"] as? [String: String] ?? [:]
        var entries: [String: (dtype: String, shape: [Int], range: Range<Int>)] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int],
                offsets.count == 2, offsets[0] <= offsets[1],
                offsets[1] <= data.count - 8 - headerLength
            else { throw FixtureError("\(url.path): bad entry \(name)") }
            let start = 8 + headerLength + offsets[0]
            entries[name] = (dtype, shape, start..<(8 + headerLength + offsets[1]))
        }
        self.entries = entries
    }

    /// Case names stored in the file (the prefixes before `.logits`), sorted.
    var caseNames: [String] {
        entries.keys.filter { $0.hasSuffix(".logits") }.map { String($0.dropLast(7)) }.sorted()
    }

    func has(_ name: String) -> Bool { entries[name] != nil }

    func shape(_ name: String) throws -> [Int] {
        guard let entry = entries[name] else { throw FixtureError("no tensor \(name)") }
        return entry.shape
    }

    func floats(_ name: String) throws -> [Float] {
        let bytes = try raw(name, dtype: "F32", size: 4)
        return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func int32s(_ name: String) throws -> [Int32] {
        let bytes = try raw(name, dtype: "I64", size: 8)
        let values = bytes.withUnsafeBytes { Array($0.bindMemory(to: Int64.self)) }
        return try values.map {
            guard let value = Int32(exactly: $0) else { throw FixtureError("\(name): \($0)") }
            return value
        }
    }

    private func raw(_ name: String, dtype: String, size: Int) throws -> Data {
        guard let entry = entries[name] else { throw FixtureError("no tensor \(name)") }
        let count = entry.shape.reduce(1, *)
        guard entry.dtype == dtype, entry.range.count == count * size else {
            throw FixtureError("\(name): \(entry.dtype) \(entry.shape), expected \(dtype)")
        }
        return Data(data[entry.range])  // a fresh, aligned copy
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Asserts `actual` and `expected` agree within `rtol` relative (plus `atol`), with nan in
/// exactly the same places.
func assertCloseWithNaN(
    _ actual: [Float], _ expected: [Float], rtol: Double, atol: Double, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, label, file: file, line: line)
    XCTAssertEqual(
        actual.map(\.isNaN), expected.map(\.isNaN), "\(label): nan positions", file: file,
        line: line)
    let pairs = zip(actual, expected).filter { !$0.1.isNaN }
    assertClose(pairs.map(\.0), pairs.map(\.1), rtol: rtol, atol: atol, label, file: file, line: line)
}
