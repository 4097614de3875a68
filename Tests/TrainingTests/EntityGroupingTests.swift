// swift-bert — Training tests: NER entity grouping against transformers' pipeline output.

import Foundation
import Training
import XCTest

final class EntityGroupingTests: XCTestCase {
    func testSimpleGroupingMatchesTheTokenClassificationPipeline() throws {
        let fixture = try MetricFixture.load("ner_pipeline.json")
        let meta = try XCTUnwrap(fixture["meta"] as? [String: Any])
        let labels = try XCTUnwrap(meta["labels"] as? [String])
        let unknown = try XCTUnwrap(meta["unknown_token"] as? String)
        let cases = MetricFixture.cases(fixture, "cases")
        XCTAssertGreaterThanOrEqual(cases.count, 20)
        var entityCount = 0
        for item in cases {
            let text = try XCTUnwrap(item["text"] as? String)
            let scores = try XCTUnwrap(item["scores"] as? [[Double]], text).map {
                $0.map { Float($0) }
            }
            let offsets = try XCTUnwrap(item["offsets"] as? [[Int]], text).map {
                (start: $0[0], end: $0[1])
            }
            let entities = EntityGrouping.simple(
                scores: scores, tokens: try XCTUnwrap(item["tokens"] as? [String], text),
                offsets: offsets, isSpecial: try XCTUnwrap(item["special"] as? [Bool], text),
                labels: labels, text: text, unknownToken: unknown)
            let expected = try XCTUnwrap(item["entities"] as? [[String: Any]], text)
            XCTAssertEqual(entities.count, expected.count, text)
            for (index, (got, want)) in zip(entities, expected).enumerated() {
                let label = "\(text.debugDescription) entity \(index)"
                XCTAssertEqual(got.entityGroup, want["entity_group"] as? String, label)
                XCTAssertEqual(got.word, want["word"] as? String, label)
                XCTAssertEqual(got.start, want["start"] as? Int, label)
                XCTAssertEqual(got.end, want["end"] as? Int, label)
                XCTAssertEqual(got.score, want["score"] as? Double ?? .nan, accuracy: 1e-6, label)
            }
            entityCount += expected.count
        }
        XCTAssertGreaterThan(entityCount, 100)
    }

    func testWordPieceDecoderMatchesConvertTokensToString() throws {
        // transformers 5 calls the Rust decoder, which cleans each token on its own (so
        // "a ' s" stays), not Python's clean_up_tokenization.
        let fixture = try MetricFixture.load("ner_pipeline.json")
        let cases = MetricFixture.cases(fixture, "decoder")
        XCTAssertGreaterThan(cases.count, 5)
        for item in cases {
            let tokens = try XCTUnwrap(item["tokens"] as? [String])
            XCTAssertEqual(WordPieceDecoder.decode(tokens), item["text"] as? String, "\(tokens)")
        }
        XCTAssertEqual(WordPieceDecoder.decode(["a", "##b", "."], cleanup: false), "ab .")
    }
}
