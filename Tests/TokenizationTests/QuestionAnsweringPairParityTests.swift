// swift-bert — tokenizer tests.

import Foundation
import Tokenization
import XCTest
import _TestSupport

/// Question/context windows (`truncation="only_second"` with a stride and overflow, as
/// run_qa.py tokenizes) against transformers' fast tokenizer with MiniLM's and tiny-bert's
/// vocabularies (Tests/Fixtures/tokenizer/qa_pairs.jsonl, made by
/// Tools/reference/make_qa_tokenizer_fixtures.py). Every field of every window is compared,
/// and every error transformers raised must be thrown as its TokenizerError.
final class QuestionAnsweringPairParityTests: XCTestCase {
    private func records() throws -> [[String: Any]] {
        let url = TestPaths.fixture("tokenizer/qa_pairs.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
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

    private func ints(_ value: Any?) -> [Int32] { (value as? [Int] ?? []).map(Int32.init) }

    private func optionals(_ value: Any?) -> [Int?] { (value as? [Any] ?? []).map { $0 as? Int } }

    private func offsets(_ value: Any?) -> [Range<Int>] {
        (value as? [[Int]] ?? []).map { $0.count == 2 ? $0[0]..<$0[1] : -1..<(-1) }
    }

    /// The error the record's kind stands for.
    private func expectedError(
        _ kind: String, stride: Int, maxLength: Int, questionTokens: Int
    ) -> TokenizerError? {
        switch kind {
        case "stride_value_error", "negative_stride":
            return .invalidStride(stride: stride, maxLength: maxLength)
        case "sequence_too_short":
            return .questionTooLong(questionTokens: questionTokens, maxLength: maxLength)
        case "stride_panic":
            return .invalidPairStride(
                stride: stride, maxLength: maxLength, firstTokens: questionTokens)
        default:
            return nil
        }
    }

    func testPairWindowsMatchTransformers() throws {
        let cases = try records()
        let tokenizers = [
            ("minilm", try BertTokenizer.load(from: TestPaths.miniLM())),
            ("tiny-bert", try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))),
        ]
        var windowsChecked = 0
        var errorsChecked = 0
        for (tag, tokenizer) in tokenizers {
            let mine = cases.filter { $0["tokenizer"] as? String == tag }
            XCTAssertGreaterThan(mine.count, 500, tag)
            for record in mine {
                let question = try XCTUnwrap(record["question"] as? String)
                let context = try XCTUnwrap(record["context"] as? String)
                let maxLength = try XCTUnwrap(record["max_length"] as? Int)
                let stride = try XCTUnwrap(record["stride"] as? Int)
                let label = "\(record["name"] ?? "?") L=\(maxLength) S=\(stride) [\(tag)]"
                if let kind = record["error_kind"] as? String {
                    let expected = expectedError(
                        kind, stride: stride, maxLength: maxLength,
                        questionTokens: tokenizer.tokenize(question).count)
                    XCTAssertNotNil(expected, "\(label): unknown error kind \(kind)")
                    XCTAssertThrowsError(
                        try tokenizer.encode(
                            question: question, context: context, maxLength: maxLength,
                            stride: stride),
                        "\(label): transformers raised \(record["error"] ?? kind)"
                    ) { XCTAssertEqual($0 as? TokenizerError, expected, label) }
                    errorsChecked += 1
                    continue
                }
                let expected = try XCTUnwrap(record["windows"] as? [[String: Any]], label)
                let windows = try tokenizer.encode(
                    question: question, context: context, maxLength: maxLength, stride: stride)
                XCTAssertEqual(windows.count, expected.count, "\(label): window count")
                for (index, (window, want)) in zip(windows, expected).enumerated() {
                    let at = "\(label) window \(index)"
                    XCTAssertEqual(window.inputIDs, ints(want["input_ids"]), "\(at): input_ids")
                    XCTAssertEqual(
                        window.tokenTypeIDs, ints(want["token_type_ids"]), "\(at): token_type_ids")
                    XCTAssertEqual(
                        window.attentionMask, ints(want["attention_mask"]), "\(at): attention_mask")
                    XCTAssertEqual(window.offsets, offsets(want["offsets"]), "\(at): offsets")
                    XCTAssertEqual(window.wordIDs, optionals(want["word_ids"]), "\(at): word_ids")
                    XCTAssertEqual(
                        window.sequenceIDs, optionals(want["sequence_ids"]), "\(at): sequence_ids")
                    XCTAssertEqual(
                        window.tokens, window.inputIDs.map { tokenizer.vocabulary.token(for: $0) },
                        "\(at): tokens")
                    windowsChecked += 1
                }
            }
        }
        XCTAssertGreaterThan(windowsChecked, 1000)
        XCTAssertGreaterThan(errorsChecked, 100)
    }

    /// At the run_qa defaults a long context gives several windows, each holding the whole
    /// question, and consecutive windows repeat exactly `stride` context tokens.
    func testWindowsKeepTheQuestionAndShareTheStride() throws {
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let question = "where is the word?"
        let context = (0..<300).map { "word\($0)" }.joined(separator: " ")
        let questionIDs = tokenizer.tokenize(question)
        let contextIDs = tokenizer.tokenize(context)
        for (maxLength, stride) in [(384, 128), (64, 16), (40, 0), (20, 5)] {
            let label = "maxLength \(maxLength) stride \(stride)"
            let windows = try tokenizer.encode(
                question: question, context: context, maxLength: maxLength, stride: stride)
            XCTAssertGreaterThanOrEqual(windows.count, 3, label)
            var rebuilt: [Int32] = []
            for (index, window) in windows.enumerated() {
                XCTAssertLessThanOrEqual(window.inputIDs.count, maxLength, label)
                XCTAssertEqual(
                    Array(window.inputIDs[1...questionIDs.count]), questionIDs, label)
                let body = zip(window.inputIDs, window.sequenceIDs).filter { $0.1 == 1 }.map(\.0)
                if index > 0 {
                    XCTAssertEqual(Array(body.prefix(stride)), Array(rebuilt.suffix(stride)), label)
                    rebuilt.append(contentsOf: body.dropFirst(stride))
                } else {
                    rebuilt = body
                }
            }
            XCTAssertEqual(rebuilt, contextIDs, label)
        }
    }

    func testErrorsReadAsOneLine() throws {
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let long = String(repeating: "why ", count: 20)
        XCTAssertThrowsError(
            try tokenizer.encode(
                question: long, context: "because " + long, maxLength: 16, stride: 2)
        ) {
            XCTAssertEqual(
                "\($0)",
                "the question has 20 tokens, which with the 3 special tokens leave no room for "
                    + "the context in max_length 16; raise max_length or shorten the question")
        }
        XCTAssertThrowsError(
            try tokenizer.encode(question: "why", context: long, maxLength: 12, stride: 8)
        ) {
            XCTAssertEqual(
                "\($0)",
                "stride 8 must be less than the 8 context tokens a window holds (max_length 12 "
                    + "minus the 3 special tokens and the question's 1 tokens)")
        }
    }

    func testSequenceIDsOfSingleTextsAndPadding() throws {
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let single = tokenizer.encode("the cat", maxLength: 8, padding: .maxLength)
        XCTAssertEqual(single.sequenceIDs, [nil, 0, 0, nil, nil, nil, nil, nil])
        let pair = tokenizer.encode("the", pair: "a [SEP] b")
        XCTAssertEqual(pair.sequenceIDs, [nil, 0, nil, 1, 1, 1, nil])
        let untracked = Encoding(inputIDs: [1], tokenTypeIDs: [0], attentionMask: [1], tokens: [])
        XCTAssertEqual(untracked.sequenceIDs, [])
    }
}
