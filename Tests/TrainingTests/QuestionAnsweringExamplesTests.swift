// swift-bert — Training tests: question-answering windows as a training set.

import BERT
import Datasets
import Foundation
import Randomness
import Tokenization
import Training
import XCTest
import _AllocationCounter
import _TestSupport

final class QuestionAnsweringExamplesTests: XCTestCase {
    private func features() throws -> QuestionAnsweringFeatures {
        let tokenizer = try BertTokenizer.load(from: TestPaths.fixture("tiny-bert"))
        let examples = try SquadFile(
            contentsOf: TestPaths.fixture("squad/train-v2.json"), format: .json
        ).examples
        return try QuestionAnsweringFeatures(
            examples: Array(examples.prefix(60)), tokenizer: tokenizer, maxLength: 64, stride: 16,
            keepingOffsets: false)
    }

    func testFillThroughTheProtocolGivesTwoLabelsPerWindow() throws {
        let features = try features()
        let examples: any TrainingExamples = QuestionAnsweringSet(examples: [], features: features)
        XCTAssertEqual(examples.count, features.count)
        var batch = PackedBatch()
        let indices = [5, 0, features.count - 1][...]
        examples.fill(&batch, indices: indices)
        XCTAssertEqual(batch.batch, 3)
        XCTAssertEqual(
            batch.labels, indices.flatMap { [features.startPositions[$0], features.endPositions[$0]] })
        for (row, index) in indices.enumerated() {
            XCTAssertEqual(batch.length(of: row), examples.length(of: index))
        }
    }

    func testSequenceClassifiersAreRefused() throws {
        var generator = SeededGenerator(seed: 42, stream: 1)
        let (model, _) = try ModelFolder.load(
            from: TestPaths.fixture("tiny-bert"), labels: ["a", "b"], generator: &generator)
        XCTAssertThrowsError(
            try QuestionAnsweringSet(examples: [], features: features()).checkLabels(for: model)) {
            XCTAssertEqual($0 as? TrainingError, .unsupportedProblemType(
                "answer spans for BertForSequenceClassification"))
        }
    }

    /// Refilling a batch that already held a batch this large allocates nothing, for every
    /// index type the sampler and evaluation use. Release builds only (`make test`): without
    /// optimization every fill's generic iteration allocates, ``EncodedExamples``' too.
    func testRefillingABatchAllocatesNothing() throws {
        try XCTSkipUnless(swiftbert_allocations_supported() != 0, "needs glibc")
        #if DEBUG
            throw XCTSkip("allocation counts hold in optimized builds (swift test -c release)")
        #endif
        let features = try features()
        let order = Array((0..<features.count).reversed())
        var batch = PackedBatch()
        let tokens = (0..<features.count).reduce(0) { $0 + features.encoded.length(of: $1) }
        batch.reserveCapacity(tokens: tokens, batch: 32, labels: 64)
        batch.fill(from: features, indices: order[0..<32])
        swiftbert_allocations_start()
        for start in stride(from: 0, to: features.count - 32, by: 7) {
            batch.fill(from: features, indices: order[start..<(start + 32)])
            batch.fill(from: features, indices: start..<(start + 32))
        }
        let allocations = swiftbert_allocations_stop()
        XCTAssertEqual(allocations, 0)
    }
}
