// swift-bert — tokenizer tests.

import Foundation
import Tokenization
import XCTest
import _TestSupport

/// Token ids against transformers' `BertTokenizer` on the MiniLM vocabulary
/// (Tests/Fixtures/tokenizer/*.jsonl, made by Tools/reference/make_tokenizer_fixtures.py).
final class TokenizerParityTests: XCTestCase {
    private func records(_ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: TestPaths.fixture("tokenizer/\(name)"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        let header = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(header["format"] as? String, "swift-bert-fixture")
        XCTAssertEqual(header["version"] as? Int, 1)
        return try lines.dropFirst().map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// The MiniLM tokenizer loaded both ways: tokenizer.json, and vocab.txt with
    /// tokenizer_config.json alone (transformers' slow-tokenizer files).
    private func miniLMTokenizers() throws -> [(String, BertTokenizer)] {
        let folder = try TestPaths.miniLM()
        let vocabOnly = try TestPaths.temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: vocabOnly) }
        for file in ["vocab.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: folder.appendingPathComponent(file), to: vocabOnly.appendingPathComponent(file))
        }
        return [
            ("tokenizer.json", try BertTokenizer.load(from: folder)),
            ("vocab.txt", try BertTokenizer.load(from: vocabOnly)),
        ]
    }

    private func ints(_ value: Any?) -> [Int32] {
        (value as? [Int] ?? []).map(Int32.init)
    }

    func testEveryColaSentenceHasTransformersIds() throws {
        let cases = try records("cola.jsonl")
        XCTAssertEqual(cases.count, 8551 + 527 + 516)
        for (source, tokenizer) in try miniLMTokenizers() {
            var mismatches: [String] = []
            for record in cases {
                let text = try XCTUnwrap(record["text"] as? String)
                if tokenizer.encode(text).inputIDs != ints(record["input_ids"]) {
                    mismatches.append("\(record["file"] ?? ""):\(record["line"] ?? "")")
                }
            }
            XCTAssertEqual(mismatches, [], "loaded from \(source)")
        }
    }

    func testHardCasesMatchTransformers() throws {
        let cases = try records("hard_cases.jsonl")
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        for (source, tokenizer) in try miniLMTokenizers() {
            var batches: [String: [[String: Any]]] = [:]
            for record in cases {
                let name = record["name"] as? String ?? "?"
                let padding = Padding(rawValue: record["padding"] as? String ?? "none") ?? .none
                if let batch = record["batch"] as? String {
                    batches[batch, default: []].append(record)
                    continue
                }
                let encoding = tokenizer.encode(
                    record["text"] as? String ?? "", pair: record["text_pair"] as? String,
                    maxLength: record["max_length"] as? Int,
                    truncation: record["truncation"] as? Bool ?? false, padding: padding)
                check(encoding, record, "\(name) [\(source)]")
            }
            for (name, members) in batches {
                let ordered = members.sorted {
                    ($0["batch_index"] as? Int ?? 0) < ($1["batch_index"] as? Int ?? 0)
                }
                let first = ordered[0]
                let encodings = tokenizer.encodeBatch(
                    ordered.map { ($0["text"] as? String ?? "", $0["text_pair"] as? String) },
                    maxLength: first["max_length"] as? Int,
                    truncation: first["truncation"] as? Bool ?? false,
                    padding: Padding(rawValue: first["padding"] as? String ?? "none") ?? .none)
                for (encoding, record) in zip(encodings, ordered) {
                    check(encoding, record, "\(record["name"] ?? name) [\(source)]")
                }
            }
        }
    }

    private func check(
        _ encoding: Encoding, _ record: [String: Any], _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(encoding.inputIDs, ints(record["input_ids"]), "\(label): input_ids",
            file: file, line: line)
        XCTAssertEqual(encoding.tokenTypeIDs, ints(record["token_type_ids"]),
            "\(label): token_type_ids", file: file, line: line)
        XCTAssertEqual(encoding.attentionMask, ints(record["attention_mask"]),
            "\(label): attention_mask", file: file, line: line)
        XCTAssertEqual(encoding.tokens, record["tokens"] as? [String] ?? [], "\(label): tokens",
            file: file, line: line)
    }

    func testTutorialSentenceZeroTokenizesAsTheTutorialPrints() throws {
        let tokenizer = try BertTokenizer.load(from: TestPaths.miniLM())
        let text = "Our friends won't buy this analysis, let alone the next one we propose."
        XCTAssertEqual(
            tokenizer.tokenStrings(text).joined(separator: " "),
            "our friends won ' t buy this analysis , let alone the next one we propose .")
        XCTAssertEqual(
            tokenizer.tokenize(text),
            [2256, 2814, 2180, 1005, 1056, 4965, 2023, 4106, 1010, 2292, 2894, 1996, 2279, 2028,
                2057, 16599, 1012])
    }

    func testFolderWithOnlyTokenizerJSONLoads() throws {
        let folder = TestPaths.fixture("tiny-bert")
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("vocab.txt").path))
        let tokenizer = try BertTokenizer.load(from: folder)
        let encoding = tokenizer.encode("the cat", pair: "a dog")
        XCTAssertEqual(encoding.tokens.first, "[CLS]")
        XCTAssertEqual(encoding.tokenTypeIDs.last, 1)
    }

    func testFolderWithoutVocabularyIsAClearError() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        XCTAssertThrowsError(try BertTokenizer.load(from: folder)) { error in
            XCTAssertEqual(
                "\(error)",
                "\(folder.path): no vocabulary: expected tokenizer.json or vocab.txt in the folder")
        }
    }

    func testLongestFirstSplitsThePairBudgetAsTokenizersDoes() {
        // (first, second, budget) -> kept, as tokenizers' truncate_encodings keeps them.
        let cases: [(Int, Int, Int, Int, Int)] = [
            (10, 10, 15, 7, 8), (10, 10, 14, 7, 7), (12, 5, 10, 5, 5), (5, 12, 10, 5, 5),
            (3, 20, 7, 3, 4), (20, 3, 7, 4, 3), (7, 7, 5, 2, 3), (10, 10, 1, 0, 1), (1, 10, 1, 0, 1),
            (4, 4, 20, 4, 4),
        ]
        for (first, second, budget, keepFirst, keepSecond) in cases {
            let kept = BertTokenizer.truncatedLengths(first: first, second: second, budget: budget)
            XCTAssertEqual(kept.0, keepFirst, "\(first),\(second) budget \(budget)")
            XCTAssertEqual(kept.1, keepSecond, "\(first),\(second) budget \(budget)")
        }
    }
}
