// swift-bert — BERT tests: reading, validating and writing config.json.

import BERT
import Checkpoints
import Foundation
import XCTest
import _TestSupport

final class BertConfigurationTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// The five required fields of a small model, plus `extra`.
    private func minimalConfig(_ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "vocab_size": JSONValue(100), "hidden_size": JSONValue(32),
            "num_hidden_layers": JSONValue(2), "num_attention_heads": JSONValue(4),
            "intermediate_size": JSONValue(37),
        ]
        object.merge(extra) { $1 }
        return object
    }

    /// Writes `object` as `config.json` in the test's folder.
    private func writeConfig(_ object: [String: JSONValue], name: String = "config.json") throws
        -> URL
    {
        let url = folder.appendingPathComponent(name)
        try Data(JSONValue.object(object).serialized().utf8).write(to: url)
        return url
    }

    func testTheMiniLMConfigLoadsWithItsSizesAndDefaultLabels() throws {
        let url = try TestPaths.miniLM().appendingPathComponent("config.json")
        let config = try BertConfiguration.load(from: url)
        XCTAssertEqual(config.vocabSize, 30522)
        XCTAssertEqual(config.hiddenSize, 384)
        XCTAssertEqual(config.numHiddenLayers, 6)
        XCTAssertEqual(config.numAttentionHeads, 12)
        XCTAssertEqual(config.headDim, 32)
        XCTAssertEqual(config.intermediateSize, 1536)
        XCTAssertEqual(config.hiddenAct, .gelu)
        XCTAssertEqual(config.layerNormEps, 1e-12)
        XCTAssertEqual(config.maxPositionEmbeddings, 512)
        XCTAssertEqual(config.typeVocabSize, 2)
        XCTAssertEqual(config.padTokenID, 0)
        XCTAssertEqual(config.architectures, ["BertModel"])
        XCTAssertEqual(config.numLabels, 2)
        XCTAssertEqual(config.labelNames, ["LABEL_0", "LABEL_1"])
        XCTAssertEqual(config.label2id, ["LABEL_0": 0, "LABEL_1": 1])
        XCTAssertEqual(
            Set(config.additionalFields.keys),
            ["_name_or_path", "gradient_checkpointing", "transformers_version", "use_cache"])
        var withoutExtras = config
        withoutExtras.additionalFields = [:]
        XCTAssertEqual(withoutExtras, BertConfiguration.miniLM)
    }

    func testAbsentOptionalFieldsTakeBertConfigsDefaults() throws {
        let config = try BertConfiguration.load(from: writeConfig(minimalConfig()))
        XCTAssertEqual(config.hiddenAct, .gelu)
        XCTAssertEqual(config.hiddenDropoutProb, 0.1)
        XCTAssertEqual(config.attentionProbsDropoutProb, 0.1)
        XCTAssertEqual(config.maxPositionEmbeddings, 512)
        XCTAssertEqual(config.typeVocabSize, 2)
        XCTAssertEqual(config.layerNormEps, 1e-12)
        XCTAssertEqual(config.initializerRange, 0.02)
        XCTAssertEqual(config.padTokenID, 0)
        XCTAssertNil(config.classifierDropout)
        XCTAssertEqual(config.effectiveClassifierDropout, 0.1)
        XCTAssertNil(config.problemType)
        XCTAssertEqual(config.positionEmbeddingType, .absolute)
        XCTAssertNil(config.architectures)
        XCTAssertEqual(config.labelNames, ["LABEL_0", "LABEL_1"])
        XCTAssertEqual(
            config,
            BertConfiguration(
                vocabSize: 100, hiddenSize: 32, numHiddenLayers: 2, numAttentionHeads: 4,
                intermediateSize: 37))
        // BertConfig()'s defaults are bert-base-uncased's sizes.
        let base = BertConfiguration()
        XCTAssertEqual(
            [
                base.vocabSize, base.hiddenSize, base.numHiddenLayers, base.numAttentionHeads,
                base.intermediateSize,
            ], [30522, 768, 12, 12, 3072])
        XCTAssertEqual(BertConfiguration.bertBaseUncased.architectures, ["BertForMaskedLM"])
        XCTAssertNoThrow(try BertConfiguration.bertBaseUncased.validate())
        XCTAssertNoThrow(try BertConfiguration.miniLM.validate())
    }

    func testAConfigWithoutARequiredFieldNamesTheFieldAndTheFile() throws {
        let required = [
            "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
            "intermediate_size",
        ]
        for field in required {
            var object = minimalConfig()
            object[field] = nil
            let url = try writeConfig(object, name: "without-\(field).json")
            XCTAssertThrowsError(try BertConfiguration.load(from: url), field) { error in
                XCTAssertEqual(
                    error as? ConfigurationError, .missingField(file: url.path, field: field))
                XCTAssertEqual(
                    "\(error)", "\(url.path): missing required field '\(field)'", field)
            }
        }
    }

    func testInvalidOrUnsupportedValuesAreErrorsNamingTheField() throws {
        let cases: [(String, [String: JSONValue], String, [String])] = [
            (
                "heads do not divide hidden", ["num_attention_heads": JSONValue(5)],
                "num_attention_heads", ["divisor of hidden_size 32", "5"]
            ),
            (
                "tanh GELU", ["hidden_act": .string("gelu_new")], "hidden_act",
                ["'gelu_new' is not supported", "'gelu'"]
            ),
            (
                "relative positions", ["position_embedding_type": .string("relative_key")],
                "position_embedding_type", ["relative_key", "'absolute'"]
            ),
            (
                "another model type", ["model_type": .string("roberta")], "model_type",
                ["roberta", "'bert'"]
            ),
            ("decoder", ["is_decoder": .bool(true)], "is_decoder", ["true"]),
            (
                "string size", ["hidden_size": .string("32")], "hidden_size",
                ["an integer", "string \"32\""]
            ),
            (
                "fractional size", ["hidden_size": .number("32.0")], "hidden_size",
                ["an integer", "number 32.0"]
            ),
            (
                "zero layers", ["num_hidden_layers": JSONValue(0)], "num_hidden_layers",
                ["1...256", "0"]
            ),
            (
                "dropout of 1", ["hidden_dropout_prob": JSONValue(1.0)], "hidden_dropout_prob",
                ["[0, 1)"]
            ),
            (
                "string dropout", ["attention_probs_dropout_prob": .string("0.1")],
                "attention_probs_dropout_prob", ["a number"]
            ),
            ("zero epsilon", ["layer_norm_eps": JSONValue(0)], "layer_norm_eps", ["> 0"]),
            (
                "pad outside vocab", ["pad_token_id": JSONValue(100)], "pad_token_id",
                ["0..<100"]
            ),
            (
                "unknown problem type", ["problem_type": .string("ranking")], "problem_type",
                ["ranking", "regression"]
            ),
            (
                "single label classification of one label",
                [
                    "problem_type": .string("single_label_classification"),
                    "num_labels": JSONValue(1),
                ],
                "problem_type", ["regression"]
            ),
            (
                "non-integer label id",
                ["id2label": .object(["zero": .string("a")])], "id2label", ["key 'zero'"]
            ),
            (
                "label ids with a hole",
                ["id2label": .object(["0": .string("a"), "2": .string("b")])], "id2label",
                ["keys 0..<2", "[0, 2]"]
            ),
            ("zero labels", ["num_labels": JSONValue(0)], "num_labels", ["1...65536"]),
        ]
        for (index, (label, extra, field, words)) in cases.enumerated() {
            let url = try writeConfig(minimalConfig(extra), name: "case\(index).json")
            XCTAssertThrowsError(try BertConfiguration.load(from: url), label) { error in
                let description = "\(error)"
                XCTAssertTrue(
                    description.hasPrefix(url.path + ": field '\(field)'"),
                    "\(label): \(description)")
                for word in words {
                    XCTAssertTrue(
                        description.contains(word), "\(label): \(description) lacks \(word)")
                }
            }
        }
    }

    func testUnreadableAndMalformedFilesAreErrorsNamingTheFile() throws {
        let missing = folder.appendingPathComponent("absent.json")
        XCTAssertThrowsError(try BertConfiguration.load(from: missing)) { error in
            guard case .unreadable(missing.path, _) = error as? ConfigurationError else {
                return XCTFail("\(error)")
            }
        }
        let broken = folder.appendingPathComponent("broken.json")
        try Data("{\"vocab_size\": 1,}".utf8).write(to: broken)
        XCTAssertThrowsError(try BertConfiguration.load(from: broken)) { error in
            XCTAssertEqual(
                error as? ConfigurationError,
                .invalidJSON(file: broken.path, reason: "byte 17: expected a string key"))
        }
        let array = folder.appendingPathComponent("array.json")
        try Data("[]".utf8).write(to: array)
        XCTAssertThrowsError(try BertConfiguration.load(from: array)) { error in
            XCTAssertEqual(
                error as? ConfigurationError,
                .invalidJSON(file: array.path, reason: "expected an object, found array"))
        }
    }

    func testLabelsRoundTripThroughIdToLabelWithStringKeys() throws {
        let labels: [String: JSONValue] = [
            "id2label": .object(["0": .string("neg"), "1": .string("neu"), "2": .string("pos")]),
            "label2id": .object(["neg": JSONValue(0), "neu": JSONValue(1), "pos": JSONValue(2)]),
            "num_labels": JSONValue(3),
        ]
        let config = try BertConfiguration.load(from: writeConfig(minimalConfig(labels)))
        XCTAssertEqual(config.numLabels, 3)
        XCTAssertEqual(config.labelNames, ["neg", "neu", "pos"])
        XCTAssertEqual(config.label2id, ["neg": 0, "neu": 1, "pos": 2])
        let url = folder.appendingPathComponent("written.json")
        try config.write(to: url)
        let reread = try BertConfiguration.load(from: url)
        XCTAssertEqual(reread, config)
        let object = try JSONValue(parsing: Array(Data(contentsOf: url)), file: url.path)
        XCTAssertEqual(
            object.objectValue?["id2label"],
            .object(["0": .string("neg"), "1": .string("neu"), "2": .string("pos")]))
        XCTAssertNil(object.objectValue?["num_labels"], "transformers derives it from id2label")

        let counted = try BertConfiguration.load(
            from: writeConfig(minimalConfig(["num_labels": JSONValue(3)]), name: "n.json"))
        XCTAssertEqual(counted.labelNames, ["LABEL_0", "LABEL_1", "LABEL_2"])
    }

    func testWritingBackKeepsUnknownKeysAndOverlaysTheChangedFields() throws {
        let source = try TestPaths.miniLM().appendingPathComponent("config.json")
        var config = try BertConfiguration.load(from: source)
        config.setLabels(["unacceptable", "acceptable"])
        config.architectures = ["BertForSequenceClassification"]
        let url = folder.appendingPathComponent("config.json")
        try config.write(to: url)
        // json.dumps(original overlaid with the changed fields, indent=2, sort_keys=True).
        let expected = """
            {
              "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
              "architectures": [
                "BertForSequenceClassification"
              ],
              "attention_probs_dropout_prob": 0.1,
              "classifier_dropout": null,
              "gradient_checkpointing": false,
              "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1,
              "hidden_size": 384,
              "id2label": {
                "0": "unacceptable",
                "1": "acceptable"
              },
              "initializer_range": 0.02,
              "intermediate_size": 1536,
              "label2id": {
                "acceptable": 1,
                "unacceptable": 0
              },
              "layer_norm_eps": 1e-12,
              "max_position_embeddings": 512,
              "model_type": "bert",
              "num_attention_heads": 12,
              "num_hidden_layers": 6,
              "pad_token_id": 0,
              "position_embedding_type": "absolute",
              "problem_type": null,
              "transformers_version": "4.8.2",
              "type_vocab_size": 2,
              "use_cache": true,
              "vocab_size": 30522
            }

            """
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), expected)
        let reread = try BertConfiguration.load(from: url)
        XCTAssertEqual(reread, config)
        XCTAssertEqual(reread.labelNames, ["unacceptable", "acceptable"])
    }

    func testNumberLiteralsThatDidNotChangeAreWrittenAsTheyWereRead() throws {
        let url = try writeConfig(
            minimalConfig([
                "layer_norm_eps": .number("1E-12"), "hidden_dropout_prob": .number("0.10"),
            ]))
        var config = try BertConfiguration.load(from: url)
        var object = config.jsonObject
        XCTAssertEqual(object["layer_norm_eps"], .number("1E-12"))
        XCTAssertEqual(object["hidden_dropout_prob"], .number("0.10"))
        config.hiddenDropoutProb = 0.2
        object = config.jsonObject
        XCTAssertEqual(object["hidden_dropout_prob"], .number("0.2"))
    }

    func testCodableRoundTripsThroughFoundationsJSONCoders() throws {
        let url = try TestPaths.miniLM().appendingPathComponent("config.json")
        let loaded = try BertConfiguration.load(from: url)
        let decoder = JSONDecoder()
        decoder.userInfo[BertConfiguration.fileUserInfoKey] = url.path
        let decoded = try decoder.decode(BertConfiguration.self, from: Data(contentsOf: url))
        XCTAssertEqual(decoded, loaded)
        let encoded = try JSONEncoder().encode(loaded)
        XCTAssertEqual(try JSONDecoder().decode(BertConfiguration.self, from: encoded), loaded)

        var object = minimalConfig()
        object["hidden_size"] = nil
        XCTAssertThrowsError(
            try decoder.decode(
                BertConfiguration.self, from: Data(JSONValue.object(object).serialized().utf8))
        ) { error in
            XCTAssertEqual(
                error as? ConfigurationError, .missingField(file: url.path, field: "hidden_size"))
        }
    }

    func testWritingIntoAMissingFolderFailsAndLeavesNothingBehind() throws {
        let url = folder.appendingPathComponent("absent/config.json")
        XCTAssertThrowsError(try BertConfiguration.miniLM.write(to: url)) { error in
            guard case .writeFailed(url.path, _, _) = error as? CheckpointError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
    }
}
