// swift-bert — Training tests: entity metrics against seqeval's outputs.

import Foundation
import Training
import XCTest

final class EntityMetricsTests: XCTestCase {
    private let tolerance = 1e-12

    private func spans(_ value: Any?) -> [EntitySpan] {
        (value as? [[Any]] ?? []).compactMap { row in
            guard row.count == 3, let type = row[0] as? String, let start = row[1] as? Int,
                let end = row[2] as? Int
            else { return nil }
            return EntitySpan(type: type, start: start, end: end)
        }
    }

    func testEntitiesScoresAndReportsMatchSeqevalOnEveryFixtureCase() throws {
        let fixture = try MetricFixture.load("seqeval.json")
        let cases = MetricFixture.cases(fixture, "cases")
        XCTAssertGreaterThan(cases.count, 150)
        var schemes = Set<String>()
        for item in cases {
            let name = item["name"] as? String ?? "?"
            schemes.insert(item["scheme"] as? String ?? "?")
            let labels = try XCTUnwrap(item["y_true"] as? [[String]], name)
            let predictions = try XCTUnwrap(item["y_pred"] as? [[String]], name)
            XCTAssertEqual(
                EntityMetrics.entities(inSentences: labels), spans(item["entities_true"]), name)
            XCTAssertEqual(
                EntityMetrics.entities(inSentences: predictions), spans(item["entities_pred"]),
                name)
            let scores: [(String, Double)] = [
                ("precision", EntityMetrics.precision(predictions: predictions, labels: labels)),
                ("recall", EntityMetrics.recall(predictions: predictions, labels: labels)),
                ("f1", EntityMetrics.f1(predictions: predictions, labels: labels)),
            ]
            for (key, value) in scores {
                assertMatches(value, item[key], tolerance: tolerance, "\(name): \(key)")
            }
            if !(item["accuracy"] is NSNull) {
                assertMatches(
                    EntityMetrics.accuracy(predictions: predictions, labels: labels),
                    item["accuracy"], tolerance: tolerance, "\(name): accuracy")
            }
            let report = EntityMetrics.classificationReport(
                predictions: predictions, labels: labels)
            let expected = try XCTUnwrap(item["report"] as? [String: [String: Any]], name)
            let rows =
                zip(report.types, report.perType).map { ($0, $1) }
                + [
                    ("micro avg", report.microAverage), ("macro avg", report.macroAverage),
                    ("weighted avg", report.weightedAverage),
                ]
            XCTAssertEqual(Set(rows.map(\.0)), Set(expected.keys), name)
            for (row, scores) in rows {
                guard let want = expected[row] else { continue }
                let label = "\(name): \(row)"
                assertMatches(scores.precision, want["precision"], tolerance: tolerance, label)
                assertMatches(scores.recall, want["recall"], tolerance: tolerance, label)
                assertMatches(scores.f1, want["f1"], tolerance: tolerance, label)
                XCTAssertEqual(scores.support, want["support"] as? Int, label)
            }
        }
        XCTAssertEqual(schemes, ["hand-picked", "IOB1", "IOB2", "IOBES"])
    }

    func testReportTypesAreInCodePointOrder() {
        let report = EntityMetrics.classificationReport(
            predictions: [["B-b", "B-A", "B-é", "B-Z"]], labels: [["O", "O", "O", "O"]])
        XCTAssertEqual(report.types, ["A", "Z", "b", "é"])
    }

    func testAccuracyOfNoTokensIsZeroWhereSeqevalDividesByZero() {
        XCTAssertEqual(EntityMetrics.accuracy(predictions: [[]], labels: [[]]), 0)
    }
}
