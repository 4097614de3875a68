// swift-bert — CLI tests.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

/// Bad model folders give a one-line error naming the file and the tensor or field.
final class ModelFolderErrorTests: XCTestCase {
    /// A copy of tiny-bert whose embedding has `rows` rows (config and weights agree) while
    /// its tokenizer keeps all 800 tokens.
    private func tinyBertWithEmbeddingRows(_ rows: Int, in folder: URL) throws {
        let tiny = TestPaths.fixture("tiny-bert")
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: tiny.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        var config = try String(
            contentsOf: tiny.appendingPathComponent("config.json"), encoding: .utf8)
        config = config.replacingOccurrences(of: "\"vocab_size\": 800", with: "\"vocab_size\": \(rows)")
        try config.write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let source = try SafeTensorsFile(contentsOf: tiny.appendingPathComponent("model.safetensors"))
        var writer = SafeTensorsWriter()
        for tensor in source.tensors {
            var values = try source.floats(tensor.name)
            var shape = tensor.shape
            if tensor.name == "bert.embeddings.word_embeddings.weight" {
                values = Array(values.prefix(rows * shape[1]))
                shape[0] = rows
            }
            try writer.add(tensor.name, shape: shape, floats: values)
        }
        try writer.write(to: folder.appendingPathComponent("model.safetensors"))
    }

    func testTokenizerLargerThanTheEmbeddingIsAOneLineError() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try tinyBertWithEmbeddingRows(700, in: folder)
        let result = try BertBinary.run(["predict", "--model", folder.path], input: Data("a\n".utf8))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(
            result.stderr,
            "Error: \(folder.path): the tokenizer has 800 tokens but word_embeddings has 700 rows (config.json vocab_size)\n"
        )
    }

    func testConfigWithoutARequiredFieldIsAOneLineErrorNamingIt() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tiny = TestPaths.fixture("tiny-bert")
        for file in ["tokenizer.json", "tokenizer_config.json", "model.safetensors"] {
            try FileManager.default.copyItem(
                at: tiny.appendingPathComponent(file), to: folder.appendingPathComponent(file))
        }
        let config = try String(contentsOf: tiny.appendingPathComponent("config.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"hidden_size\": 32,", with: "")
        try config.write(to: folder.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let result = try BertBinary.run(["predict", "--model", folder.path], input: Data("a\n".utf8))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.hasPrefix("Error: \(folder.path)/config.json"), result.stderr)
        XCTAssertTrue(result.stderr.contains("hidden_size"), result.stderr)
        XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, result.stderr)
    }
}
