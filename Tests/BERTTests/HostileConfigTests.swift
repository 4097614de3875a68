// swift-bert — BERT tests: config.json sizes that would trap, overflow or exhaust memory.

import BERT
import Checkpoints
import Foundation
import Randomness
import XCTest
import _TestSupport

final class HostileConfigTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory()
        for name in ["model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: TestPaths.fixture("tiny-bert").appendingPathComponent(name),
                to: folder.appendingPathComponent(name))
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The tiny-bert fixture's config.json with `changes` applied (`.null` removes a key).
    private func writeConfig(_ changes: [String: JSONValue]) throws {
        let data = try Data(
            contentsOf: TestPaths.fixture("tiny-bert").appendingPathComponent("config.json"))
        guard case .object(var object) = try data.withUnsafeBytes({
            try JSONValue(parsing: $0, file: "config.json")
        }) else { return XCTFail("fixture config is not an object") }
        for (key, value) in changes {
            object[key] = value == .null ? nil : value
        }
        try Data(JSONValue.object(object).serialized().utf8).write(
            to: folder.appendingPathComponent("config.json"))
    }

    private func load() throws {
        var generator = SeededGenerator(seed: 0)
        _ = try BertForSequenceClassification.load(from: folder, generator: &generator)
    }

    func testHugeSizesAreRefusedNamingTheFieldBeforeAnyAllocation() throws {
        let noLabels: [String: JSONValue] = ["id2label": .null, "label2id": .null]
        let cases: [(String, [String: JSONValue])] = [
            ("num_hidden_layers", ["num_hidden_layers": JSONValue(100_000)]),
            ("num_hidden_layers", ["num_hidden_layers": JSONValue(1 << 62)]),
            ("hidden_size", ["hidden_size": JSONValue(1_000_000_000)]),
            ("intermediate_size", ["intermediate_size": JSONValue(1_000_000_000_000)]),
            ("vocab_size", ["vocab_size": JSONValue(1_000_000_000_000_000)]),
            ("max_position_embeddings", ["max_position_embeddings": JSONValue(1_000_000_000)]),
            ("type_vocab_size", ["type_vocab_size": JSONValue(Int.max)]),
            ("num_attention_heads", ["num_attention_heads": JSONValue(1 << 40)]),
            ("num_labels", noLabels.merging(["num_labels": JSONValue(1_000_000_000)]) { $1 }),
            ("num_labels", noLabels.merging(["num_labels": JSONValue(1_000_000_000_000_000)]) { $1 }),
        ]
        for (field, changes) in cases {
            try writeConfig(changes)
            XCTAssertThrowsError(try load(), "\(changes)") { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("field '\(field)'"), message)
                XCTAssertTrue(message.contains("config.json"), message)
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }

    func testSizesWithinLimitsButBeyondTheWeightsFailOnTheTensorBeforeAllocating() throws {
        let cases: [([String: JSONValue], String)] = [
            // 4 layers of hidden 8192 would be 13 GB of weights: the file has 2 layers of 32.
            (
                [
                    "num_hidden_layers": JSONValue(4), "hidden_size": JSONValue(8192),
                    "num_attention_heads": JSONValue(64), "intermediate_size": JSONValue(32768),
                ], "word_embeddings.weight"
            ),
            (["num_hidden_layers": JSONValue(200)], "encoder.layer.2."),
            (["vocab_size": JSONValue(2_000_000)], "word_embeddings.weight"),
            (["intermediate_size": JSONValue(65536)], "intermediate.dense.weight"),
        ]
        for (changes, tensor) in cases {
            try writeConfig(changes)
            XCTAssertThrowsError(try load(), "\(changes)") { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(tensor), message)
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }

    func testParameterCountIsCheckedWithoutOverflow() throws {
        var configuration = BertConfiguration()
        XCTAssertEqual(BertConfiguration.Limits.parameterCount(configuration), 109_483_778)
        configuration.numHiddenLayers = Int.max / 2
        XCTAssertNil(BertConfiguration.Limits.parameterCount(configuration))
    }
}
