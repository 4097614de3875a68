// swift-bert — Datasets tests: tagged sentences into labelled windows.

import BERT
import Checkpoints
import Foundation
import Datasets
import Tokenization
import XCTest
import _TestSupport

final class TokenClassificationExamplesTests: XCTestCase {
    let words = ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", ".",
        "Peter", "Blackburn", "unbelievably", "U.N.", "1-0"]
    let tags: [Int32] = [1, 0, 2, 0, 0, 0, 2, 0, 0, 3, 4, 0, 1, 0]

    private func tokenizer() throws -> BertTokenizer {
        try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
    }

    /// Without windows: every word's first piece carries its tag, every other piece -100,
    /// as `tokenize_and_align_labels` with `label_all_tokens=False`.
    func testFirstPiecesCarryTheTags() throws {
        let tokenizer = try tokenizer()
        let examples = try TokenClassificationExamples(
            sentences: [(words, tags)], tokenizer: tokenizer, maxLength: 512)
        XCTAssertEqual(examples.count, 1)
        let encoding = tokenizer.encode(words: words)
        XCTAssertEqual(Array(examples.encoded.inputIDs), encoding.inputIDs)
        var previous: Int?
        var expected: [Int32] = []
        for word in encoding.wordIDs {
            if let word, word != previous { expected.append(tags[word]) } else { expected.append(-100) }
            previous = word
        }
        XCTAssertEqual(examples.tokenLabels, expected)
        XCTAssertGreaterThan(encoding.inputIDs.count, words.count + 2, "some words split")
    }

    /// With windows: each window starts with [CLS] and holds at most maxLength tokens; with
    /// stride 0 every word is labelled exactly once over all windows, with its own tag.
    func testWindowsLabelEveryWordOnce() throws {
        let tokenizer = try tokenizer()
        for maxLength in [4, 6, 9] {
            let examples = try TokenClassificationExamples(
                sentences: [(words, tags), (["a"], [3])], tokenizer: tokenizer,
                maxLength: maxLength)
            XCTAssertGreaterThan(examples.count, 2)
            var labelled: [Int: Int32] = [:]
            var times = [Int](repeating: 0, count: words.count)
            for window in 0..<examples.count where examples.sentence(of: window) == 0 {
                let range = examples.encoded.offsets[window]..<examples.encoded.offsets[window + 1]
                XCTAssertLessThanOrEqual(range.count, maxLength)
                for t in range where examples.tokenLabels[t] != -100 {
                    let word = Int(examples.wordIDs[t])
                    labelled[word] = examples.tokenLabels[t]
                    times[word] += 1
                    XCTAssertTrue(examples.firstPieces[t])
                }
            }
            XCTAssertEqual(times, [Int](repeating: 1, count: words.count), "maxLength \(maxLength)")
            XCTAssertEqual((0..<words.count).map { labelled[$0] }, tags.map { Optional($0) })
        }
    }

    /// Overlapping windows label the words of the overlap in both; labelAllTokens gives
    /// continuation pieces the inside tag.
    func testStrideAndLabelAllTokens() throws {
        let tokenizer = try tokenizer()
        let overlapping = try TokenClassificationExamples(
            sentences: [(words, tags)], tokenizer: tokenizer, maxLength: 8, stride: 2)
        let plain = try TokenClassificationExamples(
            sentences: [(words, tags)], tokenizer: tokenizer, maxLength: 8)
        XCTAssertGreaterThan(
            overlapping.tokenLabels.filter { $0 != -100 }.count,
            plain.tokenLabels.filter { $0 != -100 }.count)
        let all = try TokenClassificationExamples(
            sentences: [(words, tags)], tokenizer: tokenizer, maxLength: 512, labelAllTokens: true,
            insideTag: [0, 2, 2, 4, 4])
        for t in all.tokenLabels.indices where all.wordIDs[t] >= 0 {
            let tag = tags[Int(all.wordIDs[t])]
            XCTAssertEqual(all.tokenLabels[t], all.firstPieces[t] ? tag : [0, 2, 2, 4, 4][Int(tag)])
        }
        var batch = PackedBatch()
        batch.fill(from: plain, indices: 0..<plain.count)
        XCTAssertEqual(batch.labels, plain.tokenLabels)
        XCTAssertEqual(batch.tokens, plain.tokenLabels.count)
    }
}

/// The labels transformers' token-classification recipe gives the head fixture's word lists
/// (`tokenize_and_align_labels`, Tools/reference/make_head_fixtures.py) are ours.
final class TokenLabelAlignmentParityTests: XCTestCase {
    func testLabelsEqualTransformersAlignment() throws {
        let fixture = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("training/tiny_token_classification.safetensors"))
        let inputs = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try XCTUnwrap(fixture.metadata["inputs"]).utf8))
                as? [[String: Any]])
        let sentences = try inputs.map { item -> (words: [String], tags: [Int32]) in
            let words = try XCTUnwrap(item["words"] as? [String])
            let tags = try XCTUnwrap(item["word_labels"] as? [Int]).map(Int32.init)
            return (words, tags)
        }
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let examples = try TokenClassificationExamples(
            sentences: sentences, tokenizer: tokenizer, maxLength: 512)
        XCTAssertEqual(examples.encoded.inputIDs.map(Int.init), try fixture.integers("input_ids"))
        XCTAssertEqual(examples.tokenLabels.map(Int.init), try fixture.integers("labels"))
        XCTAssertEqual(examples.wordIDs.map(Int.init), try fixture.integers("word_ids"))
    }
}
