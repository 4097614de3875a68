// swift-bert — Training tests: macro-F1 and a classification task from the user's own files.

import Datasets
import Foundation
import Tokenization
import Training
import XCTest
import _TestSupport

final class TableDataTests: XCTestCase {
    /// Values from `sklearn.metrics.f1_score(y, p, average="macro")` (scikit-learn 1.x),
    /// checked by hand from the per-class F1 `2tp / (2tp + fp + fn)`.
    func testMacroF1MatchesScikitLearn() {
        let cases: [(String, [Int], [Int], Double)] = [
            ("three classes, two never right", [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 0.26666666666666666),
            ("three classes", [0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 2, 0], 0.7000000000000001),
            ("absent classes 1 and 2 are left out", [0, 0, 3, 3], [0, 0, 3, 0], 0.7333333333333334),
            ("one class, all right", [1, 1, 1], [1, 1, 1], 1.0),
            ("no examples", [], [], 0),
        ]
        for (label, truth, predictions, expected) in cases {
            XCTAssertEqual(
                Metrics.macroF1(predictions: predictions, labels: truth), expected, accuracy: 1e-15,
                label)
        }
    }

    func testTableTaskMapsStringLabelsAndKeepsPairs() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let train = folder.appendingPathComponent("train.csv")
        let rows = (0..<20).map { index in
            let label = ["neutral", "entailment", "contradiction"][index % 3]
            return "\"A man, number \(index).\",A person.,\(label)"
        }
        try ("premise,hypothesis,gold\n" + rows.joined(separator: "\n") + "\n")
            .write(to: train, atomically: true, encoding: .utf8)
        let test = folder.appendingPathComponent("test.csv")
        try "premise,hypothesis,gold\na,b,neutral\nc,d,maybe\n"
            .write(to: test, atomically: true, encoding: .utf8)
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let columns = TableColumns(
            text: .name("premise"), textPair: .name("hypothesis"), label: .name("gold"))
        let files = TableTaskFiles(train: train, format: .csv, columns: columns)
        let data = try ClassificationData.table(
            files, tokenizer: tokenizer, validationFraction: 0.25, splitSeed: 7)
        XCTAssertEqual(data.labelNames, ["contradiction", "entailment", "neutral"])
        XCTAssertEqual(data.allTraining.count, 20)
        XCTAssertEqual(data.allTraining[0].label, 2)
        XCTAssertEqual(data.allTraining[0].text, "A man, number 0.")
        XCTAssertEqual(data.allTraining[0].location, SourceLocation(file: train.path, line: 2))
        XCTAssertEqual(data.train.count, 15)
        XCTAssertEqual(data.validation.count, 5)
        XCTAssertTrue(data.train.tokenTypeIDs(of: 0).contains(1), "pairs have segment 1")
        XCTAssertTrue(data.tests.isEmpty)

        var withTest = files
        withTest.test = test
        XCTAssertThrowsError(try ClassificationData.table(withTest, tokenizer: tokenizer)) { error in
            XCTAssertEqual(
                error as? DatasetError,
                .invalidValue(
                    file: test.path, line: 3, field: "gold", value: "maybe",
                    expected: "a label seen in training (contradiction, entailment, neutral)"))
        }
        var withValidation = files
        withValidation.validation = train
        let whole = try ClassificationData.table(withValidation, tokenizer: tokenizer)
        XCTAssertEqual(whole.train.count, 20, "a validation file means no split")
        XCTAssertEqual(whole.validation.count, 20)
    }
}
