// swift-bert — Checkpoints tests: every malformed safetensors file gets its own precise error.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

final class SafeTensorsValidationTests: XCTestCase {
    /// A corrupt file and what opening it must report.
    private struct Case {
        var label: String
        var bytes: [UInt8]
        /// The exact error, given the file's path.
        var error: ((String) -> CheckpointError)?
        /// Words the description must contain besides the path (for errors whose reason is
        /// free text).
        var descriptionContains: [String] = []
    }

    /// A safetensors file: the header's length (or `declaredLength`), the header, the data.
    private static func file(_ header: String, data: [UInt8] = [], declaredLength: UInt64? = nil)
        -> [UInt8]
    {
        let headerBytes = Array(header.utf8)
        let length = declaredLength ?? UInt64(headerBytes.count)
        return withUnsafeBytes(of: length.littleEndian) { Array($0) } + headerBytes + data
    }

    private static func entry(
        _ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int
    )
        -> String
    {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
    }

    private static func makeCases() -> [Case] {
        let zeros = { (count: Int) in [UInt8](repeating: 0, count: count) }
        let a8 = entry("a", "F32", [2], 0, 8)
        return [
            Case(
                label: "empty file", bytes: [],
                error: { .fileTooSmall(file: $0, size: 0) }),
            Case(
                label: "5-byte file", bytes: [1, 2, 3, 4, 5],
                error: { .fileTooSmall(file: $0, size: 5) }),
            Case(
                label: "header longer than the file", bytes: file("{}", declaredLength: 1000),
                error: { .headerLongerThanFile(file: $0, headerLength: 1000, fileSize: 10) }),
            Case(
                label: "header over 100 MB", bytes: file("{}", declaredLength: 200_000_000),
                error: {
                    .headerTooLarge(file: $0, headerLength: 200_000_000, limit: 100_000_000)
                }),
            Case(
                label: "header length near UInt64.max", bytes: file("{}", declaredLength: .max),
                error: {
                    .headerTooLarge(file: $0, headerLength: .max, limit: 100_000_000)
                }),
            Case(
                label: "header not JSON", bytes: file("{not json}"),
                descriptionContains: ["not valid JSON", "byte 9"]),
            Case(
                label: "header a JSON array", bytes: file("[1, 2]"),
                descriptionContains: ["expected a JSON object, found array"]),
            Case(
                label: "header with invalid UTF-8",
                bytes: file("{\"\u{FF}\":1}").map {
                    $0 == 0xC3 ? 0xFF : $0
                }, descriptionContains: ["UTF-8"]),
            Case(
                label: "unknown dtype",
                bytes: file("{" + entry("w", "F8_E9M9", [1], 0, 1) + "}", data: zeros(1)),
                error: { .unknownDType(file: $0, tensor: "w", dtype: "F8_E9M9") }),
            Case(
                label: "shape and byte length disagree",
                bytes: file("{" + entry("w", "F32", [2, 3], 0, 20) + "}", data: zeros(20)),
                error: {
                    .sizeMismatch(
                        file: $0, tensor: "w", dtype: "F32", shape: [2, 3], expectedBytes: 24,
                        actualBytes: 20)
                }),
            Case(
                label: "overlapping tensors",
                bytes: file("{" + a8 + "," + entry("b", "F32", [2], 4, 12) + "}", data: zeros(12)),
                error: {
                    .overlappingTensors(
                        file: $0, tensor: "b", begin: 4, previous: "a", previousEnd: 8)
                }),
            Case(
                label: "hole between tensors",
                bytes: file("{" + a8 + "," + entry("b", "F32", [2], 12, 20) + "}", data: zeros(20)),
                error: { .gapBeforeTensor(file: $0, tensor: "b", begin: 12, expectedBegin: 8) }),
            Case(
                label: "hole before the first tensor",
                bytes: file("{" + entry("a", "F32", [1], 4, 8) + "}", data: zeros(8)),
                error: { .gapBeforeTensor(file: $0, tensor: "a", begin: 4, expectedBegin: 0) }),
            Case(
                label: "offsets past the data section",
                bytes: file("{" + a8 + "," + entry("b", "F32", [2], 8, 16) + "}", data: zeros(8)),
                error: { .dataOutOfBounds(file: $0, tensor: "b", end: 16, dataSize: 8) }),
            Case(
                label: "bytes after the last tensor",
                bytes: file("{" + a8 + "}", data: zeros(12)),
                error: { .trailingBytes(file: $0, expectedDataSize: 8, actualDataSize: 12) }),
            Case(
                label: "offsets that end before they begin",
                bytes: file("{" + entry("a", "F32", [2], 8, 0) + "}", data: zeros(8)),
                error: { .invalidOffsets(file: $0, tensor: "a", begin: 8, end: 0) }),
            Case(
                label: "missing dtype",
                bytes: file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", data: zeros(4)),
                error: {
                    .invalidTensorEntry(file: $0, tensor: "a", field: "dtype", reason: "is missing")
                }),
            Case(
                label: "negative dimension",
                bytes: file("{" + entry("a", "F32", [-1], 0, 4) + "}", data: zeros(4)),
                descriptionContains: ["tensor 'a'", "field 'shape'", "-1"]),
            Case(
                label: "fractional dimension",
                bytes: file(
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
                    data: zeros(4)),
                descriptionContains: ["tensor 'a'", "field 'shape'", "1.5"]),
            Case(
                label: "three data offsets",
                bytes: file(
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
                    data: zeros(4)),
                descriptionContains: ["tensor 'a'", "field 'data_offsets'", "found 3"]),
            Case(
                label: "tensor entry not an object", bytes: file("{\"a\":[1]}"),
                error: {
                    .invalidTensorEntry(
                        file: $0, tensor: "a", field: "", reason: "must be an object, found array")
                }),
            Case(
                label: "metadata value not a string",
                bytes: file("{\"__metadata__\":{\"format\":1}}"),
                descriptionContains: ["__metadata__", "format", "must be a string"]),
            Case(
                label: "duplicate tensor name",
                bytes: file("{" + a8 + "," + a8 + "}", data: zeros(8)),
                descriptionContains: ["duplicate key \"a\""]),
            Case(
                label: "shape whose byte count overflows",
                bytes: file(
                    "{" + entry("a", "F32", [Int.max / 2, 4], 0, 4) + "}", data: zeros(4)),
                descriptionContains: ["tensor 'a'", "overflows"]),
        ]
    }

    func testEveryCorruptionCaseProducesItsOwnErrorNamingTheFile() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (index, testCase) in Self.makeCases().enumerated() {
            let url = folder.appendingPathComponent("case\(index).safetensors")
            try Data(testCase.bytes).write(to: url)
            XCTAssertThrowsError(try SafeTensorsFile(contentsOf: url), testCase.label) { error in
                guard let error = error as? CheckpointError else {
                    return XCTFail("\(testCase.label): not a CheckpointError: \(error)")
                }
                if let expected = testCase.error {
                    XCTAssertEqual(error, expected(url.path), testCase.label)
                }
                let description = error.description
                XCTAssertTrue(
                    description.hasPrefix(url.path), "\(testCase.label): \(description)")
                for word in testCase.descriptionContains {
                    XCTAssertTrue(
                        description.contains(word),
                        "\(testCase.label): '\(description)' lacks '\(word)'")
                }
            }
        }
    }

    func testATruncatedCheckpointNamesTheTensorThatRunsPastTheEnd() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try Data(
            contentsOf: TestPaths.fixture("safetensors/writer_reference.safetensors"))
        let url = folder.appendingPathComponent("truncated.safetensors")
        try original.dropLast(3).write(to: url)
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: url)) { error in
            let expected = CheckpointError.dataOutOfBounds(
                file: url.path, tensor: "ünicode.é", end: 108, dataSize: 105)
            XCTAssertEqual(error as? CheckpointError, expected)
            XCTAssertTrue("\(error)".contains("truncated"))
        }
    }

    func testAMissingFileOrAFolderCannotBeOpened() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("absent.safetensors")
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: missing)) { error in
            guard case .cannotOpen(missing.path, let reason) = error as? CheckpointError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(reason.contains("No such file"), reason)
        }
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: folder)) { error in
            XCTAssertEqual(
                error as? CheckpointError,
                .cannotOpen(file: folder.path, reason: "is a directory, not a regular file"))
        }
    }

    func testAHeaderWithOnlyMetadataAndNoTensorsIsValid() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("empty.safetensors")
        try Data(Self.file("{\"__metadata__\":{\"k\":\"v\"}}  ")).write(to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file.tensors, [])
        XCTAssertEqual(file.metadata, ["k": "v"])
    }
}
