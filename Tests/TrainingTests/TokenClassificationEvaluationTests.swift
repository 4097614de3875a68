// swift-bert — Training tests: token-classification evaluation, word by word.

import BERT
import Checkpoints
import Datasets
import Foundation
import Randomness
import Tokenization
import Training
import XCTest
import _TestSupport

final class TokenClassificationEvaluationTests: XCTestCase {
    let tags = TokenClassificationFixture.tags

    private func setUp() throws -> (
        BertForTokenClassification, [(words: [String], tags: [Int32])], SafeTensorsFile
    ) {
        try TokenClassificationFixture.load()
    }

    /// Our predictions and seqeval scores equal those of transformers' logits read at each
    /// word's first piece (run_ner's compute_metrics).
    func testPredictionsAndScoresFollowTransformersLogits() throws {
        let (model, sentences, fixture) = try setUp()
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let examples = try TokenClassificationExamples(
            sentences: sentences, tokenizer: tokenizer, maxLength: 512)
        let result = try TokenClassificationEvaluation.evaluate(
            model, on: examples, labelNames: tags, batchSize: 3)

        let logits = try fixture.floats("logits")
        let labels = try fixture.integers("labels")
        let offsets = try fixture.integers("sequence_offsets")
        var expected: [[String]] = []
        var gold: [[String]] = []
        for sentence in 0..<(offsets.count - 1) {
            var row: [String] = []
            var truth: [String] = []
            for t in offsets[sentence]..<offsets[sentence + 1] where labels[t] != -100 {
                let scores = logits[(t * 5)..<((t + 1) * 5)]
                row.append(tags[scores.indices.max { scores[$0] < scores[$1] }! - t * 5])
                truth.append(tags[labels[t]])
            }
            expected.append(row)
            gold.append(truth)
        }
        XCTAssertEqual(result.predictions, expected)
        let report = EntityMetrics.classificationReport(predictions: expected, labels: gold)
        XCTAssertEqual(result.report.types, report.types)
        XCTAssertEqual(result.report.microAverage, report.microAverage)
        XCTAssertEqual(result.accuracy, EntityMetrics.accuracy(predictions: expected, labels: gold))
        XCTAssertEqual(result.loss, Double(try fixture.floats("loss")[0]), accuracy: 1e-5)
    }

    /// With windows every word still gets exactly one prediction.
    func testWindowsGiveOnePredictionPerWord() throws {
        let (model, sentences, _) = try setUp()
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let examples = try TokenClassificationExamples(
            sentences: sentences, tokenizer: tokenizer, maxLength: 6, stride: 2)
        XCTAssertGreaterThan(examples.count, sentences.count)
        let result = try TokenClassificationEvaluation.evaluate(
            model, on: examples, labelNames: tags, batchSize: 4)
        XCTAssertEqual(result.predictions.map(\.count), sentences.map(\.words.count))
    }
}
