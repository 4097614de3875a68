// swift-bert — CLI tests.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

/// `bert embed` through the built binary: every output format read back, and bad input.
final class EmbedCommandTests: XCTestCase {
    private let texts = [
        "Our friends won't buy this analysis, let alone the next one we propose.",
        "One more pseudo generalization and I'm giving up.", "Café ΟΔΟΣ 我爱 🍕",
    ]
    private var input: Data { Data((texts.joined(separator: "\n") + "\n").utf8) }

    private func embed(_ arguments: [String], input: Data) throws -> BertBinary.Result {
        try BertBinary.run(["embed", "--model", try TestPaths.miniLM().path] + arguments, input: input)
    }

    /// The reference: sentence-transformers' embeddings of the fixture's first two texts
    /// (CoLA train lines 1 and 2, the same as `texts[0...1]`).
    private func referenceRows() throws -> [Float] {
        let file = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("embedding/minilm_embeddings.safetensors"))
        return Array(try file.floats("mean_normalized").prefix(2 * 384))
    }

    private func jsonLines(_ text: String) throws -> [[Float]] {
        try text.split(separator: "\n").map { line in
            let object = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(Array(object.keys), ["embedding"])
            return try XCTUnwrap(object["embedding"] as? [Double]).map(Float.init)
        }
    }

    func testJSONLinesOnStdoutAreTheModelsRecipeWithNoWarning() throws {
        let result = try embed([], input: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "a base model's unused classifier is not reported")
        let rows = try jsonLines(result.stdout)
        XCTAssertEqual(rows.map(\.count), [384, 384, 384])
        for row in rows {
            XCTAssertEqual(row.map { Double($0) * Double($0) }.reduce(0, +), 1, accuracy: 1e-5)
        }
        assertClose(Array(rows[0...1].joined()), try referenceRows(), atol: 1e-5, "stdout")
    }

    func testNumPyOutputHasAVersion1HeaderAndTheSameValues() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("out.npy").path
        let result = try embed(["--output", path], input: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, "")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "data aligned to 64 bytes")
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertEqual(
            header.trimmingCharacters(in: .whitespacesAndNewlines),
            "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 384), }")
        XCTAssertTrue(header.hasSuffix("\n"))
        let data = bytes[(10 + headerLength)...]
        XCTAssertEqual(data.count, 3 * 384 * 4)
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        assertClose(Array(values.prefix(2 * 384)), try referenceRows(), atol: 1e-5, ".npy")
        let lines = try jsonLines(try embed([], input: input).stdout)
        XCTAssertEqual(values, Array(lines.joined()), "JSON lines hold the same float32 values")
    }

    func testSafeTensorsOutputHoldsTheEmbeddingsTensor() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("out.safetensors")
        let result = try embed(
            ["--output", url.path, "--pooling", "cls", "--no-normalize", "--batch-size", "2"],
            input: input)
        XCTAssertEqual(result.status, 0, result.stderr)
        let file = try SafeTensorsFile(contentsOf: url)
        XCTAssertEqual(file.tensorNames, ["embeddings"])
        XCTAssertEqual(try file.info("embeddings").shape, [3, 384])
        XCTAssertEqual(file.metadata["pooling"], "cls")
        XCTAssertEqual(file.metadata["normalize"], "false")
        let values = try file.floats("embeddings")
        let reference = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("embedding/minilm_embeddings.safetensors"))
        assertClose(
            Array(values.prefix(2 * 384)), Array(try reference.floats("cls").prefix(2 * 384)),
            atol: 1e-4, "cls")
    }

    func testJSONLinesFileAndPairsFromJSONLinesInput() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("out.jsonl")
        let lines = #"{"text": "hello world"}"# + "\n"
            + #"{"text": "a question?", "text_pair": "an answer."}"# + "\n"
        let result = try BertBinary.run(
            ["embed", "--model", TestPaths.fixture("tiny-bert").path, "--jsonl", "--output", url.path],
            input: Data(lines.utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "")
        let rows = try jsonLines(try String(contentsOf: url, encoding: .utf8))
        XCTAssertEqual(rows.map(\.count), [32, 32])
    }

    func testBadInputIsAOneLineErrorAndLeavesTheOutputAlone() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let existing = folder.appendingPathComponent("old.npy")
        try Data("old".utf8).write(to: existing)
        let tiny = TestPaths.fixture("tiny-bert").path
        let cases: [(name: String, arguments: [String], input: String, message: String)] = [
            ("empty input", [], "", "Error: stdin: no texts to embed"),
            ("invalid UTF-8", ["--output", existing.path], "fine\n\u{FF}",
                "Error: stdin:2: input is not valid UTF-8"),
            ("bad pooling", ["--pooling", "sum"], "a\n", "Error: The value 'sum' is invalid for '--pooling"),
            ("unwritable output", ["--output", "/nonexistent-folder/x.npy"], "a\n",
                "Error: /nonexistent-folder/x.npy: cannot write"),
            ("output is a folder", ["--output", folder.path + "/"], "a\n", "Error: --output must"),
            ("unknown extension", ["--output", folder.appendingPathComponent("x.csv").path], "a\n",
                "Error: --output must be '-' or end in .jsonl, .npy or .safetensors"),
            ("bad JSON line", ["--jsonl"], "{\"text\": 1}\n", "Error: stdin:1: field 'text'"),
            ("bad batch size", ["--batch-size", "0"], "a\n", "Error: --batch-size must be ≥ 1"),
        ]
        for item in cases {
            var bytes = Data(item.input.utf8)
            if item.name == "invalid UTF-8" { bytes = Data("fine\n".utf8) + Data([0xFF, 0x0A]) }
            let result = try BertBinary.run(
                ["embed", "--model", tiny] + item.arguments, input: bytes)
            XCTAssertNotEqual(result.status, 0, item.name)
            XCTAssertTrue(result.stderr.hasPrefix(item.message), "\(item.name): \(result.stderr)")
            XCTAssertEqual(result.stdout, "", item.name)
            // Usage mistakes are argument-parser's errors, followed by the usage text.
            if item.message.hasPrefix("Error: stdin") || item.message.hasPrefix("Error: /") {
                XCTAssertEqual(result.stderr.filter { $0 == "\n" }.count, 1, "\(item.name): \(result.stderr)")
            }
        }
        XCTAssertEqual(try Data(contentsOf: existing), Data("old".utf8))
    }

    func testABadPoolingConfigNamesTheFileAndField() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tiny = TestPaths.fixture("tiny-bert")
        for name in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: tiny.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        try #"[{"path": "", "type": "sentence_transformers.models.Transformer"}, {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]"#
            .write(to: folder.appendingPathComponent("modules.json"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        try #"{"word_embedding_dimension": 32, "pooling_mode_mean_sqrt_len_tokens": true}"#.write(
            to: folder.appendingPathComponent("1_Pooling/config.json"), atomically: true,
            encoding: .utf8)
        let result = try BertBinary.run(["embed", "--model", folder.path], input: Data("a\n".utf8))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(
            result.stderr,
            "Error: \(folder.path)/1_Pooling/config.json: field 'pooling_mode_mean_sqrt_len_tokens' = "
                + "'mean_sqrt_len_tokens' is not supported (supported: 'mean', 'cls', 'max')\n")
    }
}
