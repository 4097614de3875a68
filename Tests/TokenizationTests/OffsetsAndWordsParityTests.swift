// swift-bert — tokenizer tests.

import Foundation
import Tokenization
import XCTest
import _TestSupport

/// Offsets, word ids and overflow windows against transformers' fast `BertTokenizer` with
/// MiniLM's and tiny-bert's vocabularies (Tests/Fixtures/tokenizer/offsets.jsonl and
/// words.jsonl, made by Tools/reference/make_word_fixtures.py). Every field is compared.
final class OffsetsAndWordsParityTests: XCTestCase {
    private func records(_ name: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: TestPaths.fixture("tokenizer/\(name)"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        let header = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(header["format"] as? String, "swift-bert-fixture")
        XCTAssertEqual(header["version"] as? Int, 1)
        let records = try lines.dropFirst().map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(records.count, header["count"] as? Int)
        return records
    }

    /// The tokenizers the fixtures name, keyed by the records' `tokenizer` field; MiniLM is
    /// also loaded from vocab.txt alone, and checked against the same records.
    private func tokenizers() throws -> [(tag: String, label: String, BertTokenizer)] {
        let folder = try TestPaths.miniLM()
        let vocabOnly = try TestPaths.temporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(at: vocabOnly) }
        for file in ["vocab.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: folder.appendingPathComponent(file), to: vocabOnly.appendingPathComponent(file))
        }
        return [
            ("minilm", "minilm tokenizer.json", try BertTokenizer.load(from: folder)),
            ("minilm", "minilm vocab.txt", try BertTokenizer.load(from: vocabOnly)),
            ("tiny-bert", "tiny-bert",
                try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))),
        ]
    }

    private func ints(_ value: Any?) -> [Int32] {
        (value as? [Int] ?? []).map(Int32.init)
    }

    private func offsets(_ value: Any?) -> [Range<Int>] {
        (value as? [[Int]] ?? []).map { $0.count == 2 ? $0[0]..<$0[1] : -1..<(-1) }
    }

    private func wordIDs(_ value: Any?) -> [Int?] {
        (value as? [Any] ?? []).map { $0 as? Int }
    }

    private func check(
        _ encoding: Encoding, _ expected: [String: Any], _ label: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(encoding.inputIDs, ints(expected["input_ids"]), "\(label): input_ids",
            file: file, line: line)
        XCTAssertEqual(encoding.tokenTypeIDs, ints(expected["token_type_ids"]),
            "\(label): token_type_ids", file: file, line: line)
        XCTAssertEqual(encoding.attentionMask, ints(expected["attention_mask"]),
            "\(label): attention_mask", file: file, line: line)
        XCTAssertEqual(encoding.tokens, expected["tokens"] as? [String] ?? [], "\(label): tokens",
            file: file, line: line)
        XCTAssertEqual(encoding.offsets, offsets(expected["offsets"]), "\(label): offsets",
            file: file, line: line)
        XCTAssertEqual(encoding.wordIDs, wordIDs(expected["word_ids"]), "\(label): word_ids",
            file: file, line: line)
    }

    func testTextOffsetsAndWordIDsMatchTransformers() throws {
        let cases = try records("offsets.jsonl")
        for (tag, label, tokenizer) in try tokenizers() {
            let mine = cases.filter { $0["tokenizer"] as? String == tag }
            XCTAssertGreaterThan(mine.count, 1000, label)
            var batches: [String: [[String: Any]]] = [:]
            for record in mine {
                let source = record["source"] as? String ?? "?"
                if let batch = record["batch"] as? String {
                    batches[batch, default: []].append(record)
                    continue
                }
                let encoding = tokenizer.encode(
                    record["text"] as? String ?? "", pair: record["text_pair"] as? String,
                    maxLength: record["max_length"] as? Int,
                    truncation: record["truncation"] as? Bool ?? false,
                    padding: Padding(rawValue: record["padding"] as? String ?? "none") ?? .none)
                check(encoding, record, "\(source) [\(label)]")
            }
            XCTAssertFalse(batches.isEmpty, label)
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
                    check(encoding, record, "\(record["source"] ?? name) [\(label)]")
                }
            }
        }
    }

    func testPreSplitWordsAndWindowsMatchTransformers() throws {
        let cases = try records("words.jsonl")
        for (tag, label, tokenizer) in try tokenizers() {
            let mine = cases.filter { $0["tokenizer"] as? String == tag }
            XCTAssertGreaterThan(mine.count, 100, label)
            for record in mine {
                let words = try XCTUnwrap(record["words"] as? [String])
                let maxLength = record["max_length"] as? Int
                let stride = record["stride"] as? Int ?? 0
                let name = "\(record["name"] ?? "?") L=\(maxLength.map(String.init) ?? "none") "
                    + "S=\(stride) [\(label)]"
                guard let maxLength else {
                    let windows = try XCTUnwrap(record["windows"] as? [[String: Any]])
                    XCTAssertEqual(windows.count, 1, name)
                    check(tokenizer.encode(words: words), windows[0], name)
                    continue
                }
                if let error = record["error"] as? String {
                    XCTAssertThrowsError(
                        try tokenizer.encode(words: words, maxLength: maxLength, stride: stride),
                        "\(name): transformers raised \(error)"
                    ) {
                        XCTAssertEqual(
                            $0 as? TokenizerError,
                            .invalidStride(stride: stride, maxLength: maxLength), name)
                    }
                    continue
                }
                let expected = try XCTUnwrap(record["windows"] as? [[String: Any]], name)
                let windows = try tokenizer.encode(
                    words: words, maxLength: maxLength, stride: stride)
                XCTAssertEqual(windows.count, expected.count, "\(name): window count")
                for (index, (window, record)) in zip(windows, expected).enumerated() {
                    check(window, record, "\(name) window \(index)")
                }
            }
        }
    }

    func testConsecutiveWindowsShareExactlyTheStride() throws {
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let words = (0..<40).map { "word\($0)" }
        let whole = tokenizer.encode(words: words)
        let pieces = Array(whole.inputIDs.dropFirst().dropLast())
        for (maxLength, stride) in [(16, 0), (16, 4), (16, 13), (7, 2), (3, 0)] {
            let windows = try tokenizer.encode(words: words, maxLength: maxLength, stride: stride)
            let label = "maxLength \(maxLength) stride \(stride)"
            var rebuilt: [Int32] = []
            for (index, window) in windows.enumerated() {
                XCTAssertLessThanOrEqual(window.inputIDs.count, maxLength, label)
                let body = Array(window.inputIDs.dropFirst().dropLast())
                if index > 0 {
                    XCTAssertEqual(Array(body.prefix(stride)), Array(rebuilt.suffix(stride)), label)
                    rebuilt.append(contentsOf: body.dropFirst(stride))
                } else {
                    rebuilt = body
                }
            }
            XCTAssertEqual(rebuilt, pieces, label)
        }
    }

    func testNegativeStrideIsAnError() throws {
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        XCTAssertThrowsError(try tokenizer.encode(words: ["a"], maxLength: 8, stride: -1)) {
            XCTAssertEqual(
                "\($0)", "stride -1 must be at least 0 and less than max_length 8 minus the 2 "
                    + "special tokens")
        }
    }

    func testPaddingExtendsOffsetsAndWordIDsOnlyWhereTheEncodingHasThem() throws {
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        var tracked = tokenizer.encode(words: ["the", "cat"])
        let real = tracked.inputIDs.count
        tokenizer.pad(&tracked, to: real + 3)
        XCTAssertEqual(tracked.offsets.count, real + 3)
        XCTAssertEqual(Array(tracked.offsets.suffix(3)), [0..<0, 0..<0, 0..<0])
        XCTAssertEqual(Array(tracked.wordIDs.suffix(3)), [nil, nil, nil])
        var untracked = Encoding(
            inputIDs: tracked.inputIDs.prefix(real).map { $0 },
            tokenTypeIDs: [Int32](repeating: 0, count: real),
            attentionMask: [Int32](repeating: 1, count: real), tokens: [])
        tokenizer.pad(&untracked, to: real + 3)
        XCTAssertEqual(untracked.inputIDs.count, real + 3)
        XCTAssertEqual(untracked.offsets, [])
        XCTAssertEqual(untracked.wordIDs, [])
    }
}
