// swift-bert — Checkpoints tests: reading real and fixture safetensors files.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

final class SafeTensorsReadingTests: XCTestCase {
    private func miniLMFile() throws -> SafeTensorsFile {
        try SafeTensorsFile(
            contentsOf: TestPaths.miniLM().appendingPathComponent("model.safetensors"))
    }

    func testTheMiniLMCheckpointListsItsTensorsWithDTypesAndShapes() throws {
        let file = try miniLMFile()
        XCTAssertEqual(file.tensors.count, 104)
        XCTAssertEqual(file.metadata, ["format": "pt"])
        XCTAssertEqual(file.tensorNames.first, "embeddings.position_ids")
        let expected: [(String, SafeTensorsDType, [Int])] = [
            ("embeddings.position_ids", .int64, [1, 512]),
            ("embeddings.word_embeddings.weight", .float32, [30522, 384]),
            ("embeddings.position_embeddings.weight", .float32, [512, 384]),
            ("embeddings.token_type_embeddings.weight", .float32, [2, 384]),
            ("embeddings.LayerNorm.weight", .float32, [384]),
            ("encoder.layer.0.attention.self.query.weight", .float32, [384, 384]),
            ("encoder.layer.5.intermediate.dense.weight", .float32, [1536, 384]),
            ("encoder.layer.5.output.dense.weight", .float32, [384, 1536]),
            ("pooler.dense.weight", .float32, [384, 384]),
            ("pooler.dense.bias", .float32, [384]),
        ]
        for (name, dtype, shape) in expected {
            let info = try file.info(name)
            XCTAssertEqual(info.dtype, dtype, name)
            XCTAssertEqual(info.shape, shape, name)
            XCTAssertEqual(info.byteCount, shape.reduce(1, *) * dtype.byteSize, name)
        }
        XCTAssertNil(file["classifier.weight"], "MiniLM has no classifier")
        let floatTensors = file.tensors.filter { $0.dtype == .float32 }
        XCTAssertEqual(floatTensors.count, 103)
        XCTAssertEqual(floatTensors.map(\.elementCount).reduce(0, +), 22_713_216)
    }

    func testTheMiniLMCheckpointReadsTheValuesThatPyTorchReads() throws {
        let file = try miniLMFile()
        XCTAssertEqual(try file.integers("embeddings.position_ids"), Array(0..<512))
        let layerNorm = try file.floats("embeddings.LayerNorm.weight")
        // Values printed by safetensors.torch.load_file.
        XCTAssertEqual(
            Array(layerNorm.prefix(4)),
            [0.5989283323287964, 0.583594799041748, 0.6335410475730896, 0.6244606375694275])
        let words = try file.floats("embeddings.word_embeddings.weight")
        XCTAssertEqual(words.count, 30522 * 384)
        XCTAssertEqual(
            Array(words[(101 * 384)..<(101 * 384 + 3)]),
            [-0.01761939749121666, -0.007600549608469009, 0.047105543315410614])
    }

    func testEveryFloatTensorLoadsIntoOneFlatParameterBuffer() throws {
        let file = try miniLMFile()
        let floatTensors = file.tensors.filter { $0.dtype == .float32 }
        let total = floatTensors.map(\.elementCount).reduce(0, +)
        let storage = UnsafeMutableBufferPointer<Float>.allocate(capacity: total)
        defer { storage.deallocate() }
        var offsets: [String: Range<Int>] = [:]
        var offset = 0
        for tensor in floatTensors {
            let range = offset..<(offset + tensor.elementCount)
            try file.floats(tensor.name, into: UnsafeMutableBufferPointer(rebasing: storage[range]))
            offsets[tensor.name] = range
            offset = range.upperBound
        }
        for name in ["embeddings.LayerNorm.bias", "encoder.layer.3.output.dense.weight"] {
            let range = try XCTUnwrap(offsets[name])
            XCTAssertEqual(Array(storage[range]), try file.floats(name), name)
        }
    }

    func testHalfPrecisionTensorsWidenToTheFloatsThatTorchComputes() throws {
        let file = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("safetensors/dtypes.safetensors"))
        XCTAssertEqual(file.metadata["format"], "pt")
        for name in ["f16", "bf16", "f64"] {
            let actual = try file.floats(name)
            let expected = try file.floats(name + ".as_f32")
            XCTAssertEqual(actual.count, expected.count, name)
            for (index, (a, e)) in zip(actual, expected).enumerated() {
                if e.isNaN {
                    XCTAssertTrue(a.isNaN, "\(name)[\(index)] = \(a), expected NaN")
                } else {
                    XCTAssertEqual(a.bitPattern, e.bitPattern, "\(name)[\(index)]: \(a) vs \(e)")
                }
            }
        }
        // The fixture's bit patterns, decoded by hand.
        let f16 = try file.floats("f16")
        XCTAssertEqual(Array(f16.prefix(6)), [1, -2, 65504, 0x1p-24, 0x3FFp-24, 0x1p-14])
        XCTAssertEqual(f16[6], .infinity)
        XCTAssertEqual(f16[7], -.infinity)
        XCTAssertEqual(f16[8].bitPattern, (-Float(0)).bitPattern)
        XCTAssertEqual(f16[11], 0.333251953125)
        let bf16 = try file.floats("bf16")
        XCTAssertEqual(Array(bf16.prefix(3)), [1, -2, Float(bitPattern: 0x7F7F_0000)])
        XCTAssertEqual(bf16[3].bitPattern, 0x0001_0000)
    }

    func testIntegerTensorsOfEveryWidthReadAsInts() throws {
        let file = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("safetensors/dtypes.safetensors"))
        let cases: [(String, [Int])] = [
            ("i64", [Int.min, -1, 0, 1, Int.max]),
            ("i32", [Int(Int32.min), -7, 0, Int(Int32.max)]),
            ("i16", [Int(Int16.min), -3, Int(Int16.max)]),
            ("i8", [-128, -1, 127]),
            ("u8", [0, 1, 255]),
            ("bool", [1, 0, 1]),
        ]
        for (name, expected) in cases {
            XCTAssertEqual(try file.integers(name), expected, name)
        }
        XCTAssertEqual(try file.info("i64").shape, [1, 5])
    }

    func testTypedReadsRejectTheWrongKindOfTensorAndTheWrongBufferSize() throws {
        let url = TestPaths.fixture("safetensors/dtypes.safetensors")
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertThrowsError(try file.floats("i64")) { error in
            XCTAssertEqual(
                error as? CheckpointError,
                .dtypeMismatch(
                    file: url.path, tensor: "i64", dtype: "I64",
                    expected: "a floating-point dtype (F32, F16, BF16, F64)"))
        }
        XCTAssertThrowsError(try file.integers("f16")) { error in
            guard case .dtypeMismatch(_, "f16", "F16", _) = error as? CheckpointError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertThrowsError(try file.floats("missing")) { error in
            XCTAssertEqual(
                error as? CheckpointError, .tensorNotFound(file: url.path, tensor: "missing"))
            XCTAssertTrue("\(error)".contains("missing") && "\(error)".contains(url.path))
        }
        var small = [Float](repeating: 0, count: 3)
        XCTAssertThrowsError(
            try small.withUnsafeMutableBufferPointer { try file.floats("f16", into: $0) }
        ) { error in
            XCTAssertEqual(
                error as? CheckpointError,
                .elementCountMismatch(file: url.path, tensor: "f16", expected: 13, actual: 3))
        }
    }

    func testRawBytesComeStraightFromTheMapping() throws {
        let file = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("safetensors/dtypes.safetensors"))
        let bytes = try file.withUnsafeBytes(of: "u8") { Array($0) }
        XCTAssertEqual(bytes, [0, 1, 255])
        let info = try file.info("u8")
        XCTAssertEqual(info.dataOffsets.count, 3)
        XCTAssertEqual(file.dataStart % 8, 0)
    }
}
