// swift-bert — Checkpoints tests: writing safetensors files as the Python library does.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

final class SafeTensorsWriterTests: XCTestCase {
    /// The tensors of `writer_reference.safetensors`, as its generating script defines them.
    private func referenceWriter() throws -> SafeTensorsWriter {
        var writer = SafeTensorsWriter()
        try writer.add("b.weight", shape: [2, 3], floats: [-1, -0.5, 0, 0.5, 1, 1.5])
        try writer.add("a.bias", shape: [3], floats: [0.25, -0.125, 3.0e-8])
        try writer.add("Z.upper", shape: [1], floats: [1.0e30])
        try writer.add("ünicode.é", shape: [2], floats: [-2.5, 7.0])
        try writer.add("scalar", shape: [], floats: [1.5])
        try writer.add("empty", shape: [0, 4], floats: [])
        try writer.add("position_ids", shape: [1, 4], integers: [0, 1, 2, 3])
        try writer.add("labels", shape: [3], integers: [1, -1, 1 << 40])
        return writer
    }

    func testTheOutputMatchesSafetensorsSaveFileByteForByte() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        let writer = try referenceWriter()
        XCTAssertEqual(
            writer.tensorNames,
            [
                "labels", "position_ids", "Z.upper", "a.bias", "b.weight", "empty", "scalar",
                "ünicode.é",
            ])
        try writer.write(to: url)
        let expected = try Data(
            contentsOf: TestPaths.fixture("safetensors/writer_reference.safetensors"))
        let actual = try Data(contentsOf: url)
        XCTAssertEqual(actual.count, expected.count)
        XCTAssertTrue(actual == expected, "the bytes differ from safetensors.torch.save_file's")
    }

    func testWrittenTensorsReadBackWithTheirShapesValuesAndMetadata() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("round-trip.safetensors")
        var writer = SafeTensorsWriter(metadata: ["format": "pt", "note": "quote \" and é"])
        var weight: [Float] = []
        for index in 0..<(13 * 7) {
            let x = Float(index)
            weight.append(x * 0.37 - 11 + 1 / (x + 3))
        }
        try writer.add("encoder.layer.0.weight", shape: [13, 7], floats: weight)
        try writer.add("ids", shape: [2, 2], integers: [101, -5, Int.max, Int.min])
        try weight.withUnsafeBufferPointer { buffer in
            try writer.add(
                "borrowed", shape: [7],
                borrowingFloats: UnsafeBufferPointer(rebasing: buffer[3..<10]))
            try writer.write(to: url)
        }
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file.metadata, ["format": "pt", "note": "quote \" and é"])
        XCTAssertEqual(file.tensorNames, ["ids", "borrowed", "encoder.layer.0.weight"])
        XCTAssertEqual(try file.info("encoder.layer.0.weight").shape, [13, 7])
        XCTAssertEqual(try file.floats("encoder.layer.0.weight"), weight)
        XCTAssertEqual(try file.floats("borrowed"), Array(weight[3..<10]))
        XCTAssertEqual(try file.integers("ids"), [101, -5, Int.max, Int.min])
        XCTAssertEqual(file.dataStart % 8, 0, "the header is padded to a multiple of 8")
    }

    func testRewritingTheMiniLMCheckpointFromAFlatBufferReproducesItExactly() throws {
        let source = try TestPaths.miniLM().appendingPathComponent("model.safetensors")
        let file = try SafeTensorsFile(contentsOf: source)
        let floatTensors = file.tensors.filter { $0.dtype == .float32 }
        let total = floatTensors.map(\.elementCount).reduce(0, +)
        let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: total)
        defer { storage.deallocate() }
        var writer = SafeTensorsWriter(metadata: file.metadata)
        var offset = 0
        for tensor in floatTensors {
            let slice = UnsafeMutableBufferPointer(
                rebasing: storage[offset..<(offset + tensor.elementCount)])
            try file.floats(tensor.name, into: slice)
            try writer.add(
                tensor.name, shape: tensor.shape, borrowingFloats: UnsafeBufferPointer(slice))
            offset += tensor.elementCount
        }
        try writer.add(
            "embeddings.position_ids", shape: [1, 512],
            integers: try file.integers("embeddings.position_ids"))
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try writer.write(to: url)
        XCTAssertTrue(
            try Data(contentsOf: url) == Data(contentsOf: source),
            "rewritten MiniLM differs from the original")
    }

    func testInvalidTensorsAreRejectedWhenAdded() throws {
        var writer = SafeTensorsWriter()
        try writer.add("w", shape: [2], floats: [1, 2])
        let cases: [(String, () throws -> Void, CheckpointError)] = [
            (
                "duplicate", { try writer.add("w", shape: [1], floats: [1]) },
                .invalidTensor(tensor: "w", reason: "added twice")
            ),
            (
                "reserved", { try writer.add("__metadata__", shape: [1], floats: [1]) },
                .invalidTensor(tensor: "__metadata__", reason: "the name is reserved")
            ),
            (
                "count", { try writer.add("x", shape: [2, 3], floats: [1, 2, 3, 4, 5]) },
                .invalidTensor(tensor: "x", reason: "shape [2, 3] holds 6 elements, the data has 5")
            ),
            (
                "negative", { try writer.add("y", shape: [-2], integers: [1, 2]) },
                .invalidTensor(tensor: "y", reason: "shape [-2] has a negative dimension")
            ),
        ]
        for (label, add, expected) in cases {
            XCTAssertThrowsError(try add(), label) { error in
                XCTAssertEqual(error as? CheckpointError, expected, label)
            }
        }
        XCTAssertEqual(writer.tensorNames, ["w"])
    }

    func testAnEmptyWriterWritesAValidFile() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("empty.safetensors")
        try SafeTensorsWriter(metadata: [:]).write(to: url)
        // serde_json's serialization of an empty map, padded: "{}" and six spaces.
        XCTAssertEqual(
            Array(try Data(contentsOf: url)), [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        XCTAssertEqual(try SafeTensorsFile(contentsOf: url).tensors, [])
    }
}
