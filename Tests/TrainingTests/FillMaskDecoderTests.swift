// swift-bert — Training tests: fill-mask output decoding against transformers' pipeline.

import Foundation
import Tokenization
import Training
import XCTest
import _TestSupport

final class FillMaskDecoderTests: XCTestCase {
    private static let folder = TestPaths.fixture("tiny-bert-mlm")

    private func fixture() throws -> [String: Any] {
        let url = TestPaths.fixture("mlm/fill_mask.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        let fixture = try XCTUnwrap(object as? [String: Any])
        let meta = try XCTUnwrap(fixture["meta"] as? [String: Any])
        XCTAssertEqual(meta["format"] as? String, "swift-bert-fixture")
        XCTAssertEqual(meta["transformers"] as? String, "5.24.0")
        return fixture
    }

    func testDecodingTheStoredLogitsGivesThePipelinesOutput() throws {
        let tokenizer = try BertTokenizer.load(from: Self.folder)
        let fixture = try fixture()
        let cases = try XCTUnwrap(fixture["cases"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        XCTAssertFalse(try FillMaskDecoder.cleanUpTokenizationSpaces(in: Self.folder))
        var rows = 0
        var multiMask = 0
        for cleanUp in [false, true] {
            let decoder = FillMaskDecoder(tokenizer: tokenizer, cleanUpTokenizationSpaces: cleanUp)
            for item in cases {
                let text = try XCTUnwrap(item["text"] as? String)
                let ids = try XCTUnwrap(item["input_ids"] as? [Int32], text)
                XCTAssertEqual(tokenizer.encode(text).inputIDs, ids, "\(text): the pipeline's ids")
                XCTAssertEqual(
                    decoder.maskPositions(in: ids), item["mask_positions"] as? [Int], text)
                let logits = try XCTUnwrap(item["mask_logits"] as? [[Double]], text)
                    .flatMap { $0.map { Float($0) } }
                let topK = item["top_k"] as? Int ?? 5
                let got = try decoder.predictions(inputIDs: ids, maskLogits: logits, topK: topK)
                let key = cleanUp ? "predictions_clean_up" : "predictions"
                let expected = try XCTUnwrap(item[key] as? [[[String: Any]]], text)
                XCTAssertEqual(got.count, expected.count, text)
                XCTAssertEqual(item["single"] as? Bool, expected.count == 1)
                if expected.count > 1 { multiMask += 1 }
                for (mask, (row, want)) in zip(got, expected).enumerated() {
                    XCTAssertEqual(row.count, want.count, "\(text) mask \(mask)")
                    for (rank, (p, w)) in zip(row, want).enumerated() {
                        let label =
                            "\(text.debugDescription) clean-up \(cleanUp) mask \(mask) #\(rank)"
                        XCTAssertEqual(p.token, (w["token"] as? Int).map(Int32.init), label)
                        XCTAssertEqual(p.tokenString, w["token_str"] as? String, label)
                        XCTAssertEqual(p.sequence, w["sequence"] as? String, label)
                        let score = try XCTUnwrap(w["score"] as? Double, label)
                        XCTAssertEqual(Double(p.score), score, accuracy: 1e-5 * score, label)
                    }
                    rows += 1
                }
            }
        }
        XCTAssertEqual(rows, 52)
        XCTAssertEqual(multiMask, 6)
    }

    func testDecodeIsTokenizerDecode() throws {
        let tokenizer = try BertTokenizer.load(from: Self.folder)
        let cases = try XCTUnwrap(fixture()["decode"] as? [[String: Any]])
        XCTAssertGreaterThan(cases.count, 20)
        for item in cases {
            let ids = try XCTUnwrap(item["ids"] as? [Int32])
            let skip = try XCTUnwrap(item["skip_special_tokens"] as? Bool)
            let cleanUp = try XCTUnwrap(item["clean_up_tokenization_spaces"] as? Bool)
            let decoder = FillMaskDecoder(tokenizer: tokenizer, cleanUpTokenizationSpaces: cleanUp)
            XCTAssertEqual(
                decoder.decode(ids, skipSpecialTokens: skip), item["text"] as? String,
                "\(ids) skip \(skip) clean-up \(cleanUp)")
        }
        // Ids past the vocabulary are dropped, as `tokenizers` drops them.
        let decoder = FillMaskDecoder(tokenizer: tokenizer)
        XCTAssertEqual(decoder.decode([29, 5000, -1, 30]), "a b")
    }

    func testBadInputsAreRefused() throws {
        let tokenizer = try BertTokenizer.load(from: Self.folder)
        let decoder = FillMaskDecoder(tokenizer: tokenizer)
        let logits = [Float](repeating: 0, count: 800)
        XCTAssertThrowsError(try decoder.predictions(inputIDs: [2, 29, 3], maskLogits: logits)) {
            XCTAssertEqual(
                "\($0)",
                "input_ids = no [MASK]: expected at least one mask token (id 4) in the input")
        }
        XCTAssertThrowsError(
            try decoder.predictions(inputIDs: [2, 4, 3], maskLogits: logits, topK: 801)
        ) { XCTAssertEqual("\($0)", "top_k = 801: expected 0…800, the vocabulary size") }
        XCTAssertEqual(
            try decoder.predictions(inputIDs: [2, 4, 3], maskLogits: logits, topK: 0), [[]])
        // Equal logits: uniform scores, ties by id.
        let uniform = try decoder.predictions(inputIDs: [2, 4, 3], maskLogits: logits, topK: 3)
        XCTAssertEqual(uniform[0].map(\.token), [0, 1, 2])
        XCTAssertEqual(uniform[0][0].score, 1 / 800, accuracy: 1e-9)
        // The whole vocabulary, most probable first.
        var ramp = logits
        for index in ramp.indices { ramp[index] = Float(index % 7) }
        let all = try decoder.predictions(inputIDs: [2, 4, 3], maskLogits: ramp, topK: 800)[0]
        XCTAssertEqual(all.count, 800)
        XCTAssertEqual(all.reduce(0) { $0 + Double($1.score) }, 1, accuracy: 1e-4)
        XCTAssertEqual(Array(all.prefix(3).map(\.token)), [6, 13, 20])
        XCTAssertEqual(
            try decoder.predictions(inputIDs: [2, 4, 3], maskLogits: ramp, topK: 5)[0],
            Array(all.prefix(5)), "partial selection = full sort")
    }

    func testCleanUpFlagIsReadFromTheTokenizerConfig() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("tokenizer_config.json")
        XCTAssertFalse(try FillMaskDecoder.cleanUpTokenizationSpaces(in: folder), "no file")
        for (json, expected) in [
            ("{\"clean_up_tokenization_spaces\": true}", true),
            ("{\"clean_up_tokenization_spaces\": false}", false),
            ("{\"clean_up_tokenization_spaces\": null}", false), ("{}", false),
        ] {
            try Data(json.utf8).write(to: config)
            XCTAssertEqual(
                try FillMaskDecoder.cleanUpTokenizationSpaces(in: folder), expected, json)
        }
        try Data("{\"clean_up_tokenization_spaces\": 1}".utf8).write(to: config)
        XCTAssertThrowsError(try FillMaskDecoder.cleanUpTokenizationSpaces(in: folder)) {
            XCTAssertEqual(
                "\($0)",
                "\(config.path): not a usable checkpoint: field 'clean_up_tokenization_spaces': expected true or false, found 1"
            )
        }
        try Data("[1]".utf8).write(to: config)
        XCTAssertThrowsError(try FillMaskDecoder.cleanUpTokenizationSpaces(in: folder)) {
            XCTAssertEqual("\($0)", "\(config.path): not a usable checkpoint: not a JSON object")
        }
    }

    func testPredictionsEncodeWithThePipelinesKeys() throws {
        let prediction = FillMaskPrediction(score: 0.5, token: 7, tokenString: "x", sequence: "a x")
        let json = try JSONEncoder().encode(prediction)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: json) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["score", "token", "token_str", "sequence"])
        XCTAssertEqual(try JSONDecoder().decode(FillMaskPrediction.self, from: json), prediction)
    }
}
