// swift-bert — Training tests: accuracy, confusion matrix and Matthews correlation.

import Foundation
import Training
import XCTest

final class MetricsTests: XCTestCase {
    func testAccuracyIsTheFractionOfCorrectPredictions() {
        XCTAssertEqual(Metrics.accuracy(predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0]), 0.5)
        XCTAssertEqual(Metrics.accuracy(predictions: [], labels: []), 0)
    }

    func testConfusionMatrixRowsAreTrueLabels() {
        let matrix = Metrics.confusionMatrix(
            predictions: [0, 1, 1, 2, 0], labels: [0, 0, 1, 2, 2], classes: 3)
        XCTAssertEqual(matrix, [[1, 1, 0], [0, 1, 0], [1, 0, 1]])
    }

    func testBinaryMatthewsCorrelationMatchesTheTextbookFormula() {
        // tp 3, tn 2, fp 1, fn 2: (3·2 − 1·2)/sqrt(4·5·3·4) = 4/sqrt(240).
        let labels = [1, 1, 1, 1, 1, 0, 0, 0]
        let predictions = [1, 1, 1, 0, 0, 0, 0, 1]
        let mcc = Metrics.matthewsCorrelation(predictions: predictions, labels: labels)
        XCTAssertEqual(mcc, 4 / (240.0).squareRoot(), accuracy: 1e-15)
    }

    func testThreeClassMatthewsCorrelationMatchesScikitLearn() {
        // sklearn.metrics.matthews_corrcoef([0,0,1,1,2,2,2], [0,1,1,2,2,2,0])
        // = (4·7 − (2·2 + 2·2 + 3·3)) / sqrt((49 − 17)·(49 − 17)) = 11/32.
        let mcc = Metrics.matthewsCorrelation(
            predictions: [0, 1, 1, 2, 2, 2, 0], labels: [0, 0, 1, 1, 2, 2, 2])
        XCTAssertEqual(mcc, 11.0 / 32.0, accuracy: 1e-15)
    }

    func testMatthewsCorrelationIsOneForPerfectAndMinusOneForInvertedBinaryPredictions() {
        XCTAssertEqual(
            Metrics.matthewsCorrelation(predictions: [0, 1, 1, 0], labels: [0, 1, 1, 0]), 1,
            accuracy: 1e-15)
        XCTAssertEqual(
            Metrics.matthewsCorrelation(predictions: [1, 0, 0, 1], labels: [0, 1, 1, 0]), -1,
            accuracy: 1e-15)
    }

    func testMatthewsCorrelationIsZeroWhenUndefined() {
        let cases: [(String, [Int], [Int])] = [
            ("constant prediction", [1, 1, 1, 1], [0, 1, 0, 1]),
            ("constant label", [0, 1, 0, 1], [1, 1, 1, 1]),
            ("both constant", [0, 0], [0, 0]),
            ("empty", [], []),
        ]
        for (name, predictions, labels) in cases {
            XCTAssertEqual(
                Metrics.matthewsCorrelation(predictions: predictions, labels: labels), 0, name)
        }
    }

    func testUnusedClassesDoNotChangeMatthewsCorrelation() {
        let two = Metrics.confusionMatrix(
            predictions: [1, 1, 0, 0, 1], labels: [1, 0, 0, 0, 1], classes: 2)
        let four = Metrics.confusionMatrix(
            predictions: [1, 1, 0, 0, 1], labels: [1, 0, 0, 0, 1], classes: 4)
        XCTAssertEqual(
            Metrics.matthewsCorrelation(confusion: two),
            Metrics.matthewsCorrelation(confusion: four), accuracy: 1e-15)
    }
}
