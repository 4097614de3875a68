// swift-bert — Training tests: multi-label F1 and regression metrics against sklearn and SciPy.

import Foundation
import Training
import XCTest

final class MultiLabelAndRegressionMetricsTests: XCTestCase {
    private let tolerance = 1e-12

    func testMultiLabelF1AndSubsetAccuracyMatchScikitLearn() throws {
        let fixture = try MetricFixture.load("multilabel_regression.json")
        let cases = MetricFixture.cases(fixture, "multilabel")
        XCTAssertGreaterThan(cases.count, 40)
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let labels = try XCTUnwrap(item["y_true"] as? [[Int]], name).map { $0.map { $0 == 1 } }
            let predictions = try XCTUnwrap(item["y_pred"] as? [[Int]], name).map {
                $0.map { $0 == 1 }
            }
            assertMatches(
                MultiLabelMetrics.microF1(predictions: predictions, labels: labels),
                item["f1_micro"], tolerance: tolerance, "\(name): micro F1")
            assertMatches(
                MultiLabelMetrics.macroF1(predictions: predictions, labels: labels),
                item["f1_macro"], tolerance: tolerance, "\(name): macro F1")
            assertMatches(
                MultiLabelMetrics.subsetAccuracy(predictions: predictions, labels: labels),
                item["subset_accuracy"], tolerance: tolerance, "\(name): subset accuracy")
        }
    }

    func testRegressionMetricsMatchScikitLearnAndSciPy() throws {
        let fixture = try MetricFixture.load("multilabel_regression.json")
        let cases = MetricFixture.cases(fixture, "regression")
        XCTAssertGreaterThan(cases.count, 40)
        func values(_ any: Any?) -> [Double] {
            (any as? [Any] ?? []).map { $0 as? Double ?? .nan }
        }
        for item in cases {
            let name = item["name"] as? String ?? "?"
            let predictions = values(item["predictions"])
            let labels = values(item["labels"])
            XCTAssertEqual(predictions.count, labels.count, name)
            assertMatches(
                RegressionMetrics.meanSquaredError(predictions: predictions, labels: labels),
                item["mse"], tolerance: tolerance, "\(name): MSE")
            assertMatches(
                RegressionMetrics.pearson(predictions, labels), item["pearson"],
                tolerance: tolerance, "\(name): Pearson")
            assertMatches(
                RegressionMetrics.spearman(predictions, labels), item["spearman"],
                tolerance: tolerance, "\(name): Spearman")
            if let ranks = item["ranks_predictions"] as? [Double] {
                XCTAssertEqual(RegressionMetrics.averageRanks(predictions), ranks, name)
            }
        }
    }

    func testCorrelationsOfFewerThanTwoValuesAreNaN() {
        // SciPy raises (pearsonr) or returns NaN (spearmanr); both are NaN here.
        XCTAssertTrue(RegressionMetrics.pearson([1], [2]).isNaN)
        XCTAssertTrue(RegressionMetrics.spearman([], []).isNaN)
    }
}
