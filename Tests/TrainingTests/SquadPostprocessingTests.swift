// swift-bert — Training tests: run_qa's post-processing against its restatement in the fixture.

import Foundation
import Training
import XCTest

final class SquadPostprocessingTests: XCTestCase {
    private func features(_ fixture: [String: Any]) throws -> [SquadFeature] {
        try MetricFixture.cases(fixture, "features").enumerated().map { index, item in
            let label = "feature \(index)"
            let offsets = try XCTUnwrap(item["offsets"] as? [Any], label).map {
                value -> Range<Int>? in
                guard let pair = value as? [Int] else { return nil }
                return pair[0]..<pair[1]
            }
            return SquadFeature(
                exampleIndex: try XCTUnwrap(item["example_index"] as? Int, label),
                startLogits: try XCTUnwrap(item["start_logits"] as? [NSNumber], label).map(
                    \.floatValue),
                endLogits: try XCTUnwrap(item["end_logits"] as? [NSNumber], label).map(
                    \.floatValue),
                offsets: offsets)
        }
    }

    func testPredictionsAndNBestListsEqualPostprocessQAPredictions() throws {
        let fixture = try MetricFixture.load("qa_postprocess.json")
        let examples = MetricFixture.cases(fixture, "examples")
        let contexts = try examples.map { try XCTUnwrap($0["context"] as? String) }
        let features = try features(fixture)
        XCTAssertGreaterThan(features.count, contexts.count)
        var outcomes: Set<String> = []
        for run in MetricFixture.cases(fixture, "runs") {
            let given = try XCTUnwrap(run["options"] as? [String: Any])
            let options = SquadPostprocessingOptions(
                versionTwoWithNegative: try XCTUnwrap(given["version_2_with_negative"] as? Bool),
                nBestSize: given["n_best_size"] as? Int ?? 20,
                maxAnswerLength: given["max_answer_length"] as? Int ?? 30,
                nullScoreDifferenceThreshold: (given["null_score_diff_threshold"] as? NSNumber)?
                    .floatValue ?? 0)
            let predictions = SquadPostprocessing.predictions(
                contexts: contexts, features: features, options: options)
            let expected = try XCTUnwrap(run["examples"] as? [[String: Any]])
            XCTAssertEqual(predictions.count, expected.count)
            for (index, (prediction, want)) in zip(predictions, expected).enumerated() {
                let label = "\(given) example \(index) (\(examples[index]["name"] ?? ""))"
                let text = try XCTUnwrap(want["prediction"] as? String, label)
                XCTAssertEqual(
                    prediction.text.unicodeScalars.map(\.value), text.unicodeScalars.map(\.value),
                    label)
                if let difference = want["score_diff"] as? NSNumber {
                    XCTAssertEqual(prediction.scoreDifference, difference.floatValue, label)
                } else {
                    XCTAssertNil(prediction.scoreDifference, label)
                }
                let nBest = try XCTUnwrap(want["nbest"] as? [[String: Any]], label)
                XCTAssertEqual(prediction.nBest.count, nBest.count, label)
                for (rank, (candidate, entry)) in zip(prediction.nBest, nBest).enumerated() {
                    let at = "\(label) n-best \(rank)"
                    XCTAssertEqual(
                        candidate.text.unicodeScalars.map(\.value),
                        (entry["text"] as? String)?.unicodeScalars.map(\.value), at)
                    XCTAssertEqual(
                        candidate.startLogit, (entry["start_logit"] as? NSNumber)?.floatValue, at)
                    XCTAssertEqual(
                        candidate.endLogit, (entry["end_logit"] as? NSNumber)?.floatValue, at)
                    let probability = try XCTUnwrap(entry["probability"] as? Double, at)
                    XCTAssertEqual(
                        candidate.probability, probability, accuracy: 1e-6 * probability, at)
                }
                if prediction.predictsNoAnswer { outcomes.insert("null") }
                if prediction.text == "empty" { outcomes.insert("empty") }
                if prediction.nBest.last?.offsets == 0..<0,
                    prediction.nBest.count > options.nBestSize
                {
                    outcomes.insert("null appended")
                }
                if !prediction.text.isEmpty, prediction.text != "empty" { outcomes.insert("span") }
            }
        }
        XCTAssertEqual(outcomes, ["null", "empty", "null appended", "span"])
    }

    func testLargestFollowsReversedStableArgsortOnTies() {
        let values: [Float] = [1, 3, 3, 2]
        let top = SquadPostprocessing.predictions(
            contexts: ["a b c d"],
            features: [
                SquadFeature(
                    exampleIndex: 0, startLogits: values, endLogits: values,
                    offsets: [nil, 0..<1, 2..<3, 4..<5])
            ], options: SquadPostprocessingOptions(nBestSize: 2))
        // Starts and ends 2 then 1 (equal logits: later token first); the valid pairs are
        // (2,2), (1,2), (1,1) with scores 6, 6, 6: stable order keeps (2,2) first.
        XCTAssertEqual(top[0].nBest.map(\.text), ["b", "a b"])
    }

    func testAnExampleWithoutFeaturesGetsTheEmptyFallback() {
        let result = SquadPostprocessing.predictions(
            contexts: ["x"], features: [],
            options: SquadPostprocessingOptions(versionTwoWithNegative: true))
        XCTAssertEqual(result[0].text, "empty")
        XCTAssertNil(result[0].scoreDifference)
        XCTAssertEqual(result[0].nBest.map(\.probability), [1])
    }
}
