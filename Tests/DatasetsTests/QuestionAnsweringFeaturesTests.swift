// swift-bert — Datasets tests: SQuAD examples into windows with answer positions.

import BERT
import Datasets
import Foundation
import Tokenization
import XCTest
import _TestSupport

/// Features against run_qa.py's prepare_train_features and prepare_validation_features
/// (Tests/Fixtures/squad/features.jsonl, made by Tools/reference/make_qa_feature_fixtures.py
/// with the fast tokenizer): every window's ids, types, answer positions, example and
/// context offsets.
final class QuestionAnsweringFeaturesTests: XCTestCase {
    private func fixture() throws -> (header: [String: Any], records: [[String: Any]]) {
        let url = TestPaths.fixture("squad/features.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let header = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(header["format"] as? String, "swift-bert-fixture")
        XCTAssertEqual(header["version"] as? Int, 1)
        let records = try lines.dropFirst().map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(records.count, header["count"] as? Int)
        return (header, records)
    }

    private func tokenizer(_ tag: String) throws -> BertTokenizer {
        try BertTokenizer.load(
            from: tag == "minilm" ? TestPaths.miniLM() : TestPaths.fixture("tiny-bert"))
    }

    func testFeaturesMatchRunQA() throws {
        let (_, records) = try fixture()
        var tokenizers: [String: BertTokenizer] = [:]
        var checked = 0
        for record in records {
            let tag = try XCTUnwrap(record["tokenizer"] as? String)
            let name = try XCTUnwrap(record["file"] as? String)
            let maxLength = try XCTUnwrap(record["max_length"] as? Int)
            let stride = try XCTUnwrap(record["stride"] as? Int)
            let label = "\(name) L=\(maxLength) S=\(stride) [\(tag)]"
            if tokenizers[tag] == nil { tokenizers[tag] = try tokenizer(tag) }
            let examples = try SquadFile(
                contentsOf: TestPaths.fixture("squad/\(name)"), format: .json
            ).examples
            XCTAssertEqual(examples.map(\.id), record["example_ids"] as? [String], label)
            let features = try QuestionAnsweringFeatures(
                examples: examples, tokenizer: try XCTUnwrap(tokenizers[tag]),
                maxLength: maxLength, stride: stride)
            let expected = try XCTUnwrap(record["features"] as? [String: Any])
            let ids = try XCTUnwrap(expected["input_ids"] as? [[Int]])
            let types = try XCTUnwrap(expected["token_type_ids"] as? [[Int]])
            let starts = try XCTUnwrap(expected["start_positions"] as? [Int])
            let ends = try XCTUnwrap(expected["end_positions"] as? [Int])
            let exampleIDs = try XCTUnwrap(expected["example_id"] as? [String])
            let offsets = try XCTUnwrap(expected["offset_mapping"] as? [[Any]])
            XCTAssertEqual(features.count, ids.count, "\(label): feature count")
            guard features.count == ids.count else { continue }
            for feature in 0..<features.count {
                let at = "\(label) feature \(feature) (\(exampleIDs[feature]))"
                XCTAssertEqual(
                    Array(features.encoded.inputIDs(of: feature)), ids[feature].map(Int32.init),
                    "\(at): input_ids")
                XCTAssertEqual(
                    Array(features.encoded.tokenTypeIDs(of: feature)),
                    types[feature].map(Int32.init), "\(at): token_type_ids")
                XCTAssertEqual(Int(features.startPositions[feature]), starts[feature], "\(at): start")
                XCTAssertEqual(Int(features.endPositions[feature]), ends[feature], "\(at): end")
                XCTAssertEqual(
                    examples[features.example(of: feature)].id, exampleIDs[feature],
                    "\(at): example_id")
                let want: [Range<Int>?] = offsets[feature].map {
                    ($0 as? [Int]).map { $0[0]..<$0[1] }
                }
                XCTAssertEqual(features.contextOffsets(of: feature), want, "\(at): offset_mapping")
                checked += 1
            }
            let lean = try QuestionAnsweringFeatures(
                examples: examples, tokenizer: try XCTUnwrap(tokenizers[tag]),
                maxLength: maxLength, stride: stride, keepingOffsets: false)
            XCTAssertEqual(lean.encoded, features.encoded, label)
            XCTAssertEqual(lean.startPositions, features.startPositions, label)
            XCTAssertEqual(lean.endPositions, features.endPositions, label)
            XCTAssertTrue(lean.offsetStarts.isEmpty && lean.contextOffsets(of: 0).isEmpty, label)
        }
        XCTAssertGreaterThan(checked, 1000)
    }

    /// run_qa strips questions with Python's `str.lstrip()`: the fixture lists every code
    /// point `str.isspace()` holds true for.
    func testQuestionsLoseExactlyPythonsLeadingWhitespace() throws {
        let (header, _) = try fixture()
        let spaces = Set(try XCTUnwrap(header["python_isspace"] as? [Int]))
        XCTAssertEqual(spaces.count, 29)
        for value in 0..<0x11_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(Character(scalar)) + "x"
            let stripped = QuestionAnsweringFeatures.pythonLeftStripped(text)
            XCTAssertEqual(
                stripped == "x", spaces.contains(value),
                "U+\(String(value, radix: 16, uppercase: true))")
        }
        XCTAssertEqual(QuestionAnsweringFeatures.pythonLeftStripped(" \t\u{3000}a b "), "a b ")
        XCTAssertEqual(QuestionAnsweringFeatures.pythonLeftStripped("\u{200B} a"), "\u{200B} a")
        XCTAssertEqual(QuestionAnsweringFeatures.pythonLeftStripped(" \n "), "")
    }

    func testBatchesCarryTwoPositionsPerWindow() throws {
        let examples = try SquadFile(
            contentsOf: TestPaths.fixture("squad/hard-cases.json"), format: .json
        ).examples
        let features = try QuestionAnsweringFeatures(
            examples: examples, tokenizer: try tokenizer("tiny-bert"), maxLength: 80, stride: 0)
        XCTAssertGreaterThan(features.count, examples.count, "long contexts give several windows")
        var batch = PackedBatch()
        for indices in [[3, 0, 7], [features.count - 1], Array(0..<5)] {
            batch.fill(from: features, indices: indices)
            XCTAssertEqual(batch.batch, indices.count)
            XCTAssertEqual(
                batch.labels,
                indices.flatMap { [features.startPositions[$0], features.endPositions[$0]] })
            for (row, index) in indices.enumerated() {
                XCTAssertEqual(batch.length(of: row), features.encoded.length(of: index))
                XCTAssertLessThan(Int(batch.labels[2 * row + 1]), batch.length(of: row))
            }
        }
        var slice = PackedBatch()
        slice.fill(from: features, indices: [9, 2, 4][1...])
        var range = PackedBatch()
        range.fill(from: features, indices: 2..<4)
        var array = PackedBatch()
        array.fill(from: features, indices: [2, 4])
        XCTAssertEqual(slice, array)
        XCTAssertEqual(range.labels, Array(array.labels.prefix(2)) + [
            features.startPositions[3], features.endPositions[3],
        ])
    }

    /// An answer outside every window, and a question without answers, label [CLS].
    func testWindowsWithoutTheWholeAnswerPointAtCLS() throws {
        let tokenizer = try tokenizer("minilm")
        let context = (0..<60).map { "word\($0)" }.joined(separator: " ")
        let answer = "word30 word31 word32"
        let start = try XCTUnwrap(context.range(of: answer)).lowerBound
        let offset = context.unicodeScalars.distance(
            from: context.unicodeScalars.startIndex, to: start)
        let examples = [
            QuestionAnsweringExample(
                id: "a", question: "which?", context: context,
                answers: [.init(text: answer, start: offset)]),
            QuestionAnsweringExample(id: "b", question: "none?", context: context, answers: []),
        ]
        let features = try QuestionAnsweringFeatures(
            examples: examples, tokenizer: tokenizer, maxLength: 32, stride: 8)
        var holding = 0
        for feature in 0..<features.count {
            let start = Int(features.startPositions[feature])
            let end = Int(features.endPositions[feature])
            if features.example(of: feature) == 1 || start == 0 {
                XCTAssertEqual([start, end], [0, 0])
                continue
            }
            holding += 1
            let offsets = features.contextOffsets(of: feature)
            XCTAssertEqual(offsets[start]?.lowerBound, offset)
            XCTAssertEqual(offsets[end]?.upperBound, offset + answer.unicodeScalars.count)
        }
        XCTAssertGreaterThan(holding, 0)
    }

    func testRefusedQuestionsNameTheExample() throws {
        let examples = [
            QuestionAnsweringExample(
                id: "long-one", question: String(repeating: "why ", count: 40),
                context: "because of many reasons that take tokens", answers: []),
        ]
        XCTAssertThrowsError(
            try QuestionAnsweringFeatures(
                examples: examples, tokenizer: try tokenizer("minilm"), maxLength: 32, stride: 8)
        ) {
            XCTAssertEqual(
                "\($0)",
                "example \"long-one\": the question has 40 tokens, which with the 3 special "
                    + "tokens leave no room for the context in max_length 32; raise max_length "
                    + "or shorten the question")
        }
    }

    /// Where run_qa's loops would index past the window (a context without tokens, an
    /// empty answer at 0) the window is labelled without a crash.
    func testDegenerateExamplesDoNotCrash() throws {
        let examples = [
            QuestionAnsweringExample(
                id: "blank", question: "what?", context: "\u{200B}",
                answers: [.init(text: "\u{200B}", start: 0)]),
            QuestionAnsweringExample(
                id: "empty", question: "what?", context: "some text",
                answers: [.init(text: "", start: 0)]),
        ]
        let features = try QuestionAnsweringFeatures(
            examples: examples, tokenizer: try tokenizer("minilm"), maxLength: 16, stride: 2)
        XCTAssertEqual(features.count, 2)
        XCTAssertEqual([features.startPositions[0], features.endPositions[0]], [0, 0])
        XCTAssertEqual(features.contextOffsets(of: 0).compactMap { $0 }, [])
        XCTAssertLessThan(Int(features.startPositions[1]), features.encoded.length(of: 1))
    }
}
