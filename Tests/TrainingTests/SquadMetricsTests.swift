// swift-bert — Training tests: SQuAD metrics against the official evaluation scripts.

import Foundation
import Training
import XCTest

final class SquadMetricsTests: XCTestCase {
    private let tolerance = 1e-12

    /// Code-point equality, which is what Python's `==` means (Swift's is canonical).
    private func assertSameScalars(
        _ actual: String, _ expected: String, _ label: String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertEqual(
            actual.unicodeScalars.map(\.value), expected.unicodeScalars.map(\.value),
            "\(label): \(actual.debugDescription) vs \(expected.debugDescription)", file: file,
            line: line)
    }

    func testNormalizationAndTokensMatchTheOfficialScriptsOnHardStrings() throws {
        let fixture = try MetricFixture.load("squad_hard_cases.json")
        let cases = MetricFixture.cases(fixture, "normalization")
        XCTAssertGreaterThan(cases.count, 60)
        for item in cases {
            let text = try XCTUnwrap(item["text"] as? String)
            let label = text.debugDescription
            assertSameScalars(
                SquadMetrics.normalizeAnswer(text), try XCTUnwrap(item["v1"] as? String), label)
            let tokens = try XCTUnwrap(item["tokens"] as? [String], label)
            let actual = SquadMetrics.tokens(text)
            XCTAssertEqual(actual.count, tokens.count, label)
            for (a, e) in zip(actual, tokens) { assertSameScalars(a, e, label) }
        }
    }

    func testPerQuestionScoresMatchBothScriptVersions() throws {
        let fixture = try MetricFixture.load("squad_hard_cases.json")
        let cases = MetricFixture.cases(fixture, "pairs")
        XCTAssertGreaterThan(cases.count, 40)
        for item in cases {
            let name = try XCTUnwrap(item["name"] as? String)
            let prediction = try XCTUnwrap(item["prediction"] as? String, name)
            let answers = try XCTUnwrap(item["answers"] as? [String], name)
            if let exact = item["v1_exact_match"] as? Int {
                XCTAssertEqual(
                    SquadMetrics.exactMatch(prediction: prediction, answers: answers), exact == 1,
                    "\(name): v1 exact")
                assertMatches(
                    SquadMetrics.f1(prediction: prediction, answers: answers), item["v1_f1"],
                    tolerance: tolerance, "\(name): v1 f1")
            } else {
                XCTAssertTrue(answers.isEmpty, "\(name): v1 values missing")
            }
            let scores = SquadMetrics.version2Scores(prediction: prediction, answers: answers)
            assertMatches(scores.exact, item["v2_exact"], tolerance: 0, "\(name): v2 exact")
            assertMatches(scores.f1, item["v2_f1"], tolerance: tolerance, "\(name): v2 f1")
        }
    }

    func testVersion1TotalsMatchTheOfficialScript() throws {
        let fixture = try MetricFixture.load("squad_hard_cases.json")
        let sets = MetricFixture.cases(fixture, "v1")
        XCTAssertGreaterThan(sets.count, 10)
        for set in sets {
            let name = try XCTUnwrap(set["name"] as? String)
            let questions = try XCTUnwrap(set["questions"] as? [[String: Any]], name)
            let result = try XCTUnwrap(set["result"] as? [String: Any], name)
            let scores = SquadMetrics.version1(
                predictions: try questions.map { try XCTUnwrap($0["prediction"] as? String) },
                answers: try questions.map { try XCTUnwrap($0["answers"] as? [String]) })
            assertMatches(scores.exact, result["exact_match"], tolerance: tolerance, "\(name) EM")
            assertMatches(scores.f1, result["f1"], tolerance: tolerance, "\(name) F1")
            XCTAssertEqual(scores.total, questions.count, name)
        }
    }

    func testVersion2ReportsMatchTheOfficialScriptWithAndWithoutNoAnswerProbabilities() throws {
        let fixture = try MetricFixture.load("squad_hard_cases.json")
        let sets = MetricFixture.cases(fixture, "v2")
        XCTAssertGreaterThan(sets.count, 20)
        var withBest = 0
        for set in sets {
            let name = try XCTUnwrap(set["name"] as? String)
            let questions = try XCTUnwrap(set["questions"] as? [[String: Any]], name)
            let expected = try XCTUnwrap(set["result"] as? [String: Any], name)
            let hasProbabilities = try XCTUnwrap(set["has_na_probs"] as? Bool, name)
            let probabilities =
                hasProbabilities
                ? try questions.map { try XCTUnwrap(($0["na_prob"] as? NSNumber)?.doubleValue) }
                : nil
            let result = SquadMetrics.version2(
                predictions: try questions.map { try XCTUnwrap($0["prediction"] as? String) },
                answers: try questions.map { try XCTUnwrap($0["answers"] as? [String]) },
                noAnswerProbabilities: probabilities,
                noAnswerThreshold: try XCTUnwrap(set["na_prob_thresh"] as? Double, name))
            for (index, question) in questions.enumerated() {
                let label = "\(name), question \(index)"
                assertMatches(result.exactScores[index], question["exact"], tolerance: 0, label)
                assertMatches(result.f1Scores[index], question["f1"], tolerance: tolerance, label)
            }
            func check(_ scores: SquadScores?, _ prefix: String) {
                guard let total = expected[prefix + "total"] as? Int else {
                    XCTAssertNil(scores, "\(name): \(prefix) should be absent")
                    return
                }
                guard let scores else { return XCTFail("\(name): \(prefix) missing") }
                assertMatches(
                    scores.exact, expected[prefix + "exact"], tolerance: tolerance,
                    "\(name): \(prefix)exact")
                assertMatches(
                    scores.f1, expected[prefix + "f1"], tolerance: tolerance,
                    "\(name): \(prefix)f1")
                XCTAssertEqual(scores.total, total, "\(name): \(prefix)total")
            }
            check(result.overall, "")
            check(result.hasAnswer, "HasAns_")
            check(result.noAnswer, "NoAns_")
            if expected["best_exact"] != nil {
                withBest += 1
                let best = try XCTUnwrap(result.best, name)
                assertMatches(best.exact, expected["best_exact"], tolerance: tolerance, name)
                assertMatches(
                    best.exactThreshold, expected["best_exact_thresh"], tolerance: tolerance, name)
                assertMatches(best.f1, expected["best_f1"], tolerance: tolerance, name)
                assertMatches(
                    best.f1Threshold, expected["best_f1_thresh"], tolerance: tolerance, name)
            } else {
                XCTAssertNil(result.best, name)
            }
        }
        XCTAssertGreaterThan(withBest, 10)
    }

    func testSwiftCanonicalEquivalenceDoesNotLeakIntoExactMatch() {
        // Swift's == says these are equal; Python's does not, and neither may we.
        XCTAssertFalse(SquadMetrics.exactMatch(prediction: "Cafe\u{301}", answer: "Café"))
        XCTAssertEqual(SquadMetrics.f1(prediction: "Cafe\u{301} noir", answer: "Café noir"), 0.5)
    }

    func testNoQuestionsAndNoGoldAnswersScoreZeroInsteadOfFailing() {
        XCTAssertEqual(
            SquadMetrics.version1(predictions: [], answers: []),
            SquadScores(exact: 0, f1: 0, total: 0))
        XCTAssertFalse(SquadMetrics.exactMatch(prediction: "x", answers: []))
        XCTAssertEqual(SquadMetrics.f1(prediction: "x", answers: []), 0)
        let empty = SquadMetrics.version2(predictions: [], answers: [], noAnswerProbabilities: [])
        XCTAssertEqual(empty.overall, SquadScores(exact: 0, f1: 0, total: 0))
        XCTAssertNil(empty.hasAnswer)
        XCTAssertNil(empty.noAnswer)
    }
}
