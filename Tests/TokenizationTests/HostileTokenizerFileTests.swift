// swift-bert — Tokenization tests: tokenizer files with hostile sizes, types and keys.

import Foundation
import Tokenization
import XCTest
import _JSONKeys
import _TestSupport

final class HostileTokenizerFileTests: XCTestCase {
    private var folder: URL!
    private var tokenizerJSON = ""

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory()
        tokenizerJSON = try String(
            contentsOf: TestPaths.fixture("tiny-bert").appendingPathComponent("tokenizer.json"),
            encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    private func load(tokenizer: String, config: String? = nil) throws {
        try tokenizer.write(
            to: folder.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        try? FileManager.default.removeItem(at: configURL)
        if let config { try config.write(to: configURL, atomically: true, encoding: .utf8) }
        _ = try BertTokenizer.load(from: folder)
    }

    private func replacing(_ from: String, _ to: String) -> String {
        XCTAssertTrue(tokenizerJSON.contains(from), from)
        return tokenizerJSON.replacingOccurrences(of: from, with: to)
    }

    func testBadIdsSizesAndTypesAreErrorsNamingTheField() throws {
        let cases: [(String, String, String)] = [
            ("\"[PAD]\": 0", "\"[PAD]\": 1000000000000", "model.vocab.[PAD]"),
            ("\"[PAD]\": 0", "\"[PAD]\": -1", "model.vocab.[PAD]"),
            ("\"[PAD]\": 0", "\"[PAD]\": 0.5", "model.vocab.[PAD]"),
            ("\"max_input_chars_per_word\": 100", "\"max_input_chars_per_word\": -1", "model.max_input_chars_per_word"),
            ("\"max_input_chars_per_word\": 100", "\"max_input_chars_per_word\": \"100\"", "model.max_input_chars_per_word"),
            ("\"lowercase\": true", "\"lowercase\": \"yes\"", "normalizer.lowercase"),
            ("\"lowercase\": true", "\"lowercase\": 1", "normalizer.lowercase"),
            ("\"[PAD]\": 0", "\"[PAD]\": 0, \"[PAD]\": 1", "[PAD]"),
        ]
        for (from, to, field) in cases {
            XCTAssertThrowsError(try load(tokenizer: replacing(from, to)), to) { error in
                XCTAssertTrue("\(error)".contains("tokenizer.json: field '\(field)'"), "\(error)")
                XCTAssertFalse("\(error)".contains("\n"), "\(error)")
            }
        }
        XCTAssertNoThrow(try load(tokenizer: tokenizerJSON))
    }

    func testTokenizerConfigFlagsMustBeBooleans() throws {
        for (key, value) in [("do_lower_case", "\"yes\""), ("strip_accents", "0"), ("tokenize_chinese_chars", "[]")] {
            XCTAssertThrowsError(try load(tokenizer: tokenizerJSON, config: "{\"\(key)\": \(value)}"), key) {
                XCTAssertTrue("\($0)".contains("tokenizer_config.json: field '\(key)'"), "\($0)")
            }
        }
        XCTAssertNoThrow(
            try load(tokenizer: tokenizerJSON, config: "{\"do_lower_case\": false, \"strip_accents\": null}"))
    }

    func testDuplicateKeyScannerComparesUnescapedKeysPerObject() {
        let cases: [(String, String?)] = [
            (#"{"a": 1, "b": 2}"#, nil),
            (#"{"a": 1, "a": 2}"#, "a"),
            (#"{"a": 1, "\u0061": 2}"#, "a"),
            (#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#, nil),
            (#"{"x": [1, {"k": "a", "k": "b"}]}"#, "k"),
            (#"{"s": "\"a\": 1, \"a\"", "t": 2}"#, nil),
            (#"{"\ud83d\ude00": 1, "😀": 2}"#, "😀"),
            (#"["a", "a"]"#, nil),
        ]
        for (text, duplicate) in cases {
            XCTAssertEqual(DuplicateJSONKeys.first(in: Array(text.utf8))?.key, duplicate, text)
        }
    }
}
