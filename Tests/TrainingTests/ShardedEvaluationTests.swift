// swift-bert — Training tests: the single-process side of sharded evaluation (the ranks'
// ranges, and outputs that the ranges' parts put together equal). The mpirun runs are in
// CLITests (ShardedEvaluationTrainTests).

import BERT
import Datasets
import Foundation
import Randomness
import Tokenization
import Training
import XCTest
import _TestSupport

final class ShardedEvaluationTests: XCTestCase {
    func testShardsAreWholeBatchesThatTileTheSetInRankOrder() {
        for size in 1...5 {
            for batchSize in [1, 3, 8] {
                for count in 0...30 {
                    let label = "\(count) examples, batches of \(batchSize), \(size) ranks"
                    let shards = (0..<size).map {
                        EvaluationShards.range(
                            count: count, batchSize: batchSize, rank: $0, size: size)
                    }
                    XCTAssertEqual(shards.first?.lowerBound, 0, label)
                    XCTAssertEqual(shards.last?.upperBound, count, label)
                    for rank in 1..<size {
                        XCTAssertEqual(shards[rank].lowerBound, shards[rank - 1].upperBound, label)
                    }
                    let batches = shards.map {
                        EvaluationShards.batches(in: $0, batchSize: batchSize)
                    }
                    XCTAssertEqual(batches.reduce(0, +), (count + batchSize - 1) / batchSize, label)
                    XCTAssertLessThanOrEqual(
                        (batches.max() ?? 0) - (batches.min() ?? 0), 1, label)
                    for shard in shards where !shard.isEmpty {
                        XCTAssertEqual(shard.lowerBound % batchSize, 0, label)
                    }
                }
            }
        }
        XCTAssertEqual(EvaluationShards.range(count: 15, batchSize: 4, rank: 1, size: 3), 8..<12)
        XCTAssertEqual(EvaluationShards.range(count: 15, batchSize: 4, rank: 2, size: 3), 12..<15)
        XCTAssertEqual(EvaluationShards.range(count: 3, batchSize: 4, rank: 1, size: 2), 3..<3)
    }

    /// For every kind of examples: the outputs of the ranks' ranges, put together in rank
    /// order, are the whole set's bit for bit (each example in the same batch), each range
    /// gives the counts that rank 0 checks, and the metrics of the parts equal
    /// `evaluate(with:)`'s.
    func testTheRanksPartsOfTheOutputsAreTheWholeSetsForEveryTask() throws {
        let folder = TestPaths.fixture("tiny-bert")
        let tokenizer = try BertTokenizer.load(from: folder)
        let sentences = Array(
            try CoLA(contentsOf: TestPaths.colaZip).examples(.inDomainTrain).prefix(23))
        var generator = SeededGenerator(seed: 7)
        let tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
        var regression = TargetExamples(problemType: .regression, width: 1)
        for (index, sentence) in sentences.enumerated() {
            regression.append(
                tokenizer.encode(sentence.text, maxLength: 32), targets: [Float(index % 5) / 2])
        }
        let questions = try SquadFile(
            contentsOf: TestPaths.fixture("squad/dev-v2.json"), format: .json
        ).examples.prefix(12)
        let cases: [(String, any TrainingExamples, BertPreTrainedModel & FineTunable)] = [
            (
                "sequence classification",
                ClassificationData.encode(sentences, tokenizer: tokenizer, maxLength: 32),
                try ModelFolder.load(from: folder, labels: CoLA.labelNames, generator: &generator)
                    .model
            ),
            (
                "regression", regression,
                try BertForSequenceClassification.load(
                    from: folder, labels: ["LABEL_0"], problemType: .regression,
                    generator: &generator
                ).model
            ),
            (
                "token classification",
                try TokenClassificationExamples(
                    sentences: sentences.map { sentence in
                        let words = sentence.text.split(separator: " ").map(String.init)
                        return (
                            words, words.map { _ in Int32(generator.nextIndex(below: tags.count)) }
                        )
                    }, tokenizer: tokenizer, maxLength: 12, stride: 4),
                try BertForTokenClassification.load(
                    from: folder, labels: tags, generator: &generator
                ).model
            ),
            (
                "question answering",
                QuestionAnsweringSet(
                    examples: Array(questions),
                    features: try QuestionAnsweringFeatures(
                        examples: Array(questions), tokenizer: tokenizer, maxLength: 48,
                        stride: 16),
                    postprocessing: SquadPostprocessingOptions(versionTwoWithNegative: true)),
                try BertForQuestionAnswering.load(from: folder, generator: &generator).model
            ),
            (
                "masked LM",
                MaskedLanguageModelingExamples(
                    texts: sentences.map(\.text), tokenizer: tokenizer, maxLength: 32,
                    masking: try MaskedLanguageModeling(tokenizer: tokenizer, seed: 42)),
                try BertForMaskedLM.load(from: folder, generator: &generator).model
            ),
        ]
        for (name, examples, model) in cases {
            var options = FineTuningOptions()
            options.evaluationBatchSize = 4
            let tuner = try FineTuner(model: model, options: options)
            tuner.reserveWorkspace(for: examples, batchSize: 4)
            let whole = try examples.evaluationOutputs(0..<examples.count, with: tuner)
            XCTAssertEqual(
                whole.counts, examples.evaluationOutputCounts(0..<examples.count, with: tuner),
                name)
            XCTAssertGreaterThan(whole.batchValues.count, 0, name)
            let expected = try examples.evaluate(with: tuner)
            for size in 1...4 {
                let label = "\(name), \(size) ranks"
                var joined = EvaluationOutputs()
                for rank in 0..<size {
                    let range = EvaluationShards.range(
                        count: examples.count, batchSize: 4, rank: rank, size: size)
                    let part = try examples.evaluationOutputs(range, with: tuner)
                    XCTAssertEqual(
                        part.counts, examples.evaluationOutputCounts(range, with: tuner), label)
                    joined.batchValues += part.batchValues
                    joined.rows += part.rows
                }
                XCTAssertEqual(
                    joined.batchValues.map(\.bitPattern), whole.batchValues.map(\.bitPattern),
                    label)
                XCTAssertEqual(joined.rows.map(\.bitPattern), whole.rows.map(\.bitPattern), label)
                let result = try examples.evaluationResult(joined, with: tuner)
                XCTAssertEqual(result.loss.bitPattern, expected.loss.bitPattern, label)
                XCTAssertEqual(
                    "\(result)", "\(expected)", label)
            }
        }
    }
}
