// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

/// `bert predict` on a BertForTokenClassification folder prints the pipeline's entities.
final class TokenClassificationPredictTests: XCTestCase {
    func testPredictPrintsTheEntitiesOfTransformersPipeline() throws {
        let data = try Data(contentsOf: TestPaths.fixture("metrics/token_classifier.json"))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let records = try XCTUnwrap(root["records"] as? [[String: Any]])
        let texts = try records.map { try XCTUnwrap($0["text"] as? String) }
        let result = try BertBinary.run(
            ["predict", "--model", TestPaths.fixture("tiny-bert-ner").path],
            input: Data((texts.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, texts.count)
        for (line, record) in zip(lines, records) {
            let object = try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["text"] as? String, record["text"] as? String)
            let entities = try XCTUnwrap(object["entities"] as? [[String: Any]])
            let expected = try XCTUnwrap(record["entities"] as? [[String: Any]])
            XCTAssertEqual(entities.map { $0["start"] as? Int }, expected.map { $0["start"] as? Int })
            XCTAssertEqual(entities.map { $0["end"] as? Int }, expected.map { $0["end"] as? Int })
            XCTAssertEqual(
                entities.map { $0["entity_group"] as? String },
                expected.map { $0["entity_group"] as? String })
        }
        let table = try BertBinary.run([
            "predict", "--model", TestPaths.fixture("tiny-bert-ner").path, "--input", "x.csv",
        ])
        XCTAssertNotEqual(table.status, 0)
    }
}
