// swift-bert — Training tests: the token-classification head fixture.

import BERT
import Checkpoints
import Foundation
import Randomness
import XCTest
import _TestSupport

/// Tests/Fixtures/training/tiny_token_classification.safetensors (Tools/reference/
/// make_head_fixtures.py): tiny-bert as a BertForTokenClassification with the classifier
/// transformers drew, and the word lists and tags it ran on.
enum TokenClassificationFixture {
    static let tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]

    static func load(dropout: Double? = nil) throws -> (
        model: BertForTokenClassification, sentences: [(words: [String], tags: [Int32])],
        fixture: SafeTensorsFile
    ) {
        let fixture = try SafeTensorsFile(
            contentsOf: TestPaths.fixture("training/tiny_token_classification.safetensors"))
        var generator = SeededGenerator(seed: 0)
        let (model, _) = try BertForTokenClassification.load(
            from: TestPaths.fixture("tiny-bert"), labels: tags, dropout: dropout,
            generator: &generator)
        try fixture.floats("classifier.weight", into: model.parameter("classifier.weight"))
        try fixture.floats("classifier.bias", into: model.parameter("classifier.bias"))
        let inputs = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try XCTUnwrap(fixture.metadata["inputs"]).utf8))
                as? [[String: Any]])
        let sentences = try inputs.map { item -> (words: [String], tags: [Int32]) in
            (try XCTUnwrap(item["words"] as? [String]),
             try XCTUnwrap(item["word_labels"] as? [Int]).map(Int32.init))
        }
        return (model, sentences, fixture)
    }
}
