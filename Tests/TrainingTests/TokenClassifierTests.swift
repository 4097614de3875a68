// swift-bert — Training tests: entities from a token-classification folder.

import Foundation
import Training
import XCTest
import _TestSupport

/// `TokenClassifier` on Tests/Fixtures/tiny-bert-ner equals transformers' pipeline
/// (`aggregation_strategy="simple"`) on the same folder
/// (Tools/reference/make_token_classifier_fixture.py).
final class TokenClassifierTests: XCTestCase {
    func testEntitiesEqualTransformersPipeline() throws {
        let data = try Data(contentsOf: TestPaths.fixture("metrics/token_classifier.json"))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let records = try XCTUnwrap(root["records"] as? [[String: Any]])
        let classifier = try TokenClassifier(folder: TestPaths.fixture("tiny-bert-ner"))
        XCTAssertEqual(classifier.loadReport.newlyInitialized, [])
        let texts = try records.map { try XCTUnwrap($0["text"] as? String) }
        let predicted = try classifier.predict(texts)
        var compared = 0
        for (record, entities) in zip(records, predicted) {
            let expected = try XCTUnwrap(record["entities"] as? [[String: Any]])
            XCTAssertEqual(entities.count, expected.count, "\(record["text"]!)")
            for (entity, reference) in zip(entities, expected) {
                XCTAssertEqual(entity.entityGroup, reference["entity_group"] as? String)
                XCTAssertEqual(entity.word, reference["word"] as? String)
                XCTAssertEqual(entity.start, reference["start"] as? Int)
                XCTAssertEqual(entity.end, reference["end"] as? Int)
                XCTAssertEqual(
                    entity.score, try XCTUnwrap(reference["score"] as? Double), accuracy: 1e-5)
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 100)
    }
}
