// swift-bert — model tests.

import BERT
import Checkpoints
import Foundation
import XCTest
import _TestSupport

/// Sentence embeddings against sentence-transformers' (Tests/Fixtures/embedding, made by
/// Tools/reference/make_embedding_fixtures.py).
final class SentenceEmbedderTests: XCTestCase {
    private func fixture() throws -> (SafeTensorsFile, [String]) {
        let file = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("embedding/minilm_embeddings.safetensors"))
        let inputs = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try XCTUnwrap(file.metadata["inputs"]).utf8))
                as? [[String: Any]])
        return (file, try inputs.map { try XCTUnwrap($0["text"] as? String) })
    }

    func testMiniLMFolderRecipeIsMeanPoolingNormalizedAt256Tokens() throws {
        let embedder = try SentenceEmbedder(folder: try TestPaths.miniLM())
        XCTAssertEqual(
            embedder.recipe,
            SentenceTransformersRecipe(pooling: .mean, normalize: true, maxSequenceLength: 256))
        XCTAssertEqual(embedder.pooling, .mean)
        XCTAssertTrue(embedder.normalize)
        XCTAssertEqual(embedder.maxLength, 256)
        XCTAssertEqual(embedder.dimension, 384)
    }

    func testTokenizationEqualsSentenceTransformers() throws {
        let (file, texts) = try fixture()
        let embedder = try SentenceEmbedder(folder: try TestPaths.miniLM())
        let ids = try file.integers("input_ids")
        let offsets = try file.integers("sequence_offsets")
        XCTAssertEqual(offsets.count - 1, texts.count)
        for (index, text) in texts.enumerated() {
            let encoding = embedder.tokenizer.encode(text, maxLength: embedder.maxLength)
            XCTAssertEqual(
                encoding.inputIDs.map(Int.init), Array(ids[offsets[index]..<offsets[index + 1]]),
                "input \(index): \(text.prefix(40))")
        }
        XCTAssertEqual(offsets.last.map { $0 - offsets[offsets.count - 2] }, 256, "one is truncated")
    }

    func testEmbeddingsMatchSentenceTransformersForEveryPooling() throws {
        let (file, texts) = try fixture()
        XCTAssertGreaterThanOrEqual(texts.count, 30)
        let embedder = try SentenceEmbedder(folder: try TestPaths.miniLM())
        let cases: [(name: String, pooling: PoolingMode, normalize: Bool, atol: Double)] = [
            ("mean_normalized", .mean, true, 1e-5), ("mean", .mean, false, 1e-4),
            ("cls", .cls, false, 1e-4), ("max", .max, false, 1e-4),
        ]
        for item in cases {
            embedder.pooling = item.pooling
            embedder.normalize = item.normalize
            // A batch size that splits the inputs unevenly.
            let vectors = try embedder.embed(texts, batchSize: 7)
            XCTAssertEqual(vectors.count, texts.count)
            let expected = try file.floats(item.name)
            let report = closeReport(vectors.flatMap { $0 }, expected, rtol: 0, atol: item.atol)
            print("SentenceEmbedderTests: \(item.name) vs sentence-transformers: \(report)")
            assertClose(vectors.flatMap { $0 }, expected, atol: item.atol, item.name)
        }
    }

    func testBatchSizeDoesNotChangeEmbeddings() throws {
        let (_, texts) = try fixture()
        let embedder = try SentenceEmbedder(folder: try TestPaths.miniLM())
        let batched = try embedder.embed(Array(texts.prefix(12)), batchSize: 12)
        let alone = try embedder.embed(Array(texts.prefix(12)), batchSize: 1)
        assertClose(batched.flatMap { $0 }, alone.flatMap { $0 }, atol: 1e-5, "batch 12 vs 1")
    }

    func testArgumentsOverrideTheFolderRecipe() throws {
        let embedder = try SentenceEmbedder(
            folder: try TestPaths.miniLM(), pooling: .max, normalize: false, maxLength: 1000)
        XCTAssertEqual(embedder.pooling, .max)
        XCTAssertFalse(embedder.normalize)
        XCTAssertEqual(embedder.maxLength, 512, "capped by max_position_embeddings")
    }

    // MARK: - sentence-transformers files as untrusted input

    /// tiny-bert plus `files` (relative path → contents).
    private func tinyFolder(_ files: [String: String]) throws -> URL {
        let folder = try TestPaths.temporaryDirectory()
        let tiny = TestPaths.fixture("tiny-bert")
        for name in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: tiny.appendingPathComponent(name), to: folder.appendingPathComponent(name))
        }
        for (path, text) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return folder
    }

    private let modules = """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
        """

    func testAFolderWithoutSentenceTransformersFilesDefaultsToMeanWithoutNormalization() throws {
        let folder = try tinyFolder([:])
        defer { try? FileManager.default.removeItem(at: folder) }
        let embedder = try SentenceEmbedder(folder: folder)
        XCTAssertEqual(embedder.recipe, SentenceTransformersRecipe())
        XCTAssertEqual(embedder.pooling, .mean)
        XCTAssertFalse(embedder.normalize)
        XCTAssertEqual(embedder.maxLength, 64, "tiny-bert's model_max_length")
        let vectors = try embedder.embed(["the cat sat", ""])
        XCTAssertEqual(vectors.map(\.count), [32, 32])
    }

    func testPoolingConfigurationsAreRead() throws {
        let cases: [(config: String, expected: PoolingMode)] = [
            (#"{"word_embedding_dimension": 32, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}"#, .cls),
            (#"{"word_embedding_dimension": 32, "pooling_mode_max_tokens": true}"#, .max),
            (#"{"word_embedding_dimension": 32}"#, .mean),
            (#"{"embedding_dimension": 32, "pooling_mode": "cls"}"#, .cls),
            (#"{"embedding_dimension": 32, "pooling_mode": ["max"]}"#, .max),
        ]
        for item in cases {
            let folder = try tinyFolder(["modules.json": modules, "1_Pooling/config.json": item.config])
            defer { try? FileManager.default.removeItem(at: folder) }
            let embedder = try SentenceEmbedder(folder: folder)
            XCTAssertEqual(embedder.pooling, item.expected, item.config)
            XCTAssertFalse(embedder.normalize, item.config)
        }
    }

    func testBadSentenceTransformersFilesAreOneLineErrorsNamingFileAndField() throws {
        let normalize = #"{"path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}"#
        let pooling = #"{"word_embedding_dimension": 32, "pooling_mode_mean_tokens": true}"#
        let cases: [(name: String, files: [String: String], file: String, field: String)] = [
            ("modules not an array", ["modules.json": "{}"], "modules.json", "array"),
            ("invalid JSON", ["modules.json": "[{"], "modules.json", "byte"),
            ("type not a string",
                ["modules.json": #"[{"path": "", "type": 3}]"#], "modules.json", "[0].type"),
            ("unknown module",
                ["modules.json": #"[{"path": "2_Dense", "type": "sentence_transformers.models.Dense"}]"#],
                "modules.json", "[0].type"),
            ("path escapes the folder",
                ["modules.json": modules.replacingOccurrences(of: "1_Pooling", with: "../x")],
                "modules.json", "[1].path"),
            ("Normalize before Pooling",
                ["modules.json": "[" + normalize + "]"], "modules.json", "[0].type"),
            ("no Pooling config", ["modules.json": modules], "1_Pooling/config.json", "no such file"),
            ("dimension differs",
                ["modules.json": modules,
                 "1_Pooling/config.json": #"{"word_embedding_dimension": 384}"#],
                "1_Pooling/config.json", "word_embedding_dimension"),
            ("boolean of the wrong type",
                ["modules.json": modules,
                 "1_Pooling/config.json": #"{"pooling_mode_max_tokens": "yes"}"#],
                "1_Pooling/config.json", "pooling_mode_max_tokens"),
            ("two modes",
                ["modules.json": modules,
                 "1_Pooling/config.json": #"{"pooling_mode_max_tokens": true, "pooling_mode_mean_tokens": true}"#],
                "1_Pooling/config.json", "pooling_mode_mean_tokens"),
            ("unsupported mode",
                ["modules.json": modules,
                 "1_Pooling/config.json": #"{"pooling_mode": "weightedmean"}"#],
                "1_Pooling/config.json", "pooling_mode"),
            ("max_seq_length not an integer",
                ["modules.json": modules, "1_Pooling/config.json": pooling,
                 "sentence_bert_config.json": #"{"max_seq_length": "256"}"#],
                "sentence_bert_config.json", "max_seq_length"),
            ("max_seq_length too small",
                ["sentence_bert_config.json": #"{"max_seq_length": 0}"#],
                "sentence_bert_config.json", "max_seq_length"),
            ("do_lower_case not a boolean",
                ["sentence_bert_config.json": #"{"do_lower_case": 1}"#],
                "sentence_bert_config.json", "do_lower_case"),
            ("duplicate key",
                ["sentence_bert_config.json": #"{"max_seq_length": 8, "max_seq_length": 9}"#],
                "sentence_bert_config.json", "byte"),
        ]
        for item in cases {
            let folder = try tinyFolder(item.files)
            defer { try? FileManager.default.removeItem(at: folder) }
            XCTAssertThrowsError(try SentenceEmbedder(folder: folder), item.name) { error in
                let message = String(describing: error)
                XCTAssertTrue(
                    message.hasPrefix(folder.appendingPathComponent(item.file).path + ":"),
                    "\(item.name): \(message)")
                XCTAssertTrue(message.contains(item.field), "\(item.name): \(message)")
                XCTAssertFalse(message.contains("\n"), "\(item.name): \(message)")
            }
        }
    }

    func testReadsMaxSequenceLengthAndNormalizeFromTheFolder() throws {
        let folder = try tinyFolder([
            "modules.json": String(modules.dropLast())
                + #", {"path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]"#,
            "1_Pooling/config.json": #"{"word_embedding_dimension": 32, "pooling_mode_mean_tokens": true}"#,
            "sentence_bert_config.json": #"{"max_seq_length": 8, "do_lower_case": false}"#,
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let embedder = try SentenceEmbedder(folder: folder)
        XCTAssertEqual(embedder.maxLength, 8)
        XCTAssertTrue(embedder.normalize)
        let vector = try XCTUnwrap(try embedder.embed(["the cat sat on the mat again and again"]).first)
        XCTAssertEqual(vector.map { Double($0 * $0) }.reduce(0, +), 1, accuracy: 1e-5)
    }
}
