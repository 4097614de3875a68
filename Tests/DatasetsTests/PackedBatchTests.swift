// swift-bert — Datasets tests: tokenized stores, packed and padded batches, statistics.

import BERT
import Datasets
import Randomness
import XCTest

final class PackedBatchTests: XCTestCase {
    /// Three encodings of lengths 4, 2 and 5; the last one is a sentence pair.
    private let examples = EncodedExamples(
        inputIDs: [[101, 7, 8, 102], [101, 102], [101, 9, 102, 10, 102]],
        tokenTypeIDs: [[0, 0, 0, 0], [0, 0], [0, 0, 0, 1, 1]],
        labels: [1, 0, 1])

    func testEncodedExamplesStoreOffsetsAndSlices() {
        XCTAssertEqual(examples.count, 3)
        XCTAssertEqual(examples.tokenCount, 11)
        XCTAssertEqual(examples.offsets, [0, 4, 6, 11])
        XCTAssertEqual(examples.length(of: 2), 5)
        XCTAssertEqual(Array(examples.inputIDs(of: 1)), [101, 102])
        XCTAssertEqual(Array(examples.tokenTypeIDs(of: 2)), [0, 0, 0, 1, 1])
        XCTAssertEqual(examples.maxLength, 5)
        let subset = examples.subset([2, 0])
        XCTAssertEqual(subset.offsets, [0, 5, 9])
        XCTAssertEqual(subset.labels, [1, 1])
        XCTAssertEqual(subset.inputIDs, [101, 9, 102, 10, 102, 101, 7, 8, 102])
    }

    func testMissingTokenTypesAreZeros() {
        var store = EncodedExamples(inputIDs: [[101, 5, 102]], labels: [0])
        store.append(inputIDs: [101, 102], label: 1)
        XCTAssertEqual(store.tokenTypeIDs, [0, 0, 0, 0, 0])
        XCTAssertEqual(store.offsets, [0, 3, 5])
    }

    func testPackingConcatenatesSequencesWithOffsetsAndPositions() {
        let batch = PackedBatch(from: examples, indices: [2, 0, 1])
        XCTAssertEqual(batch.batch, 3)
        XCTAssertEqual(batch.tokens, 11)
        XCTAssertEqual(batch.sequenceOffsets, [0, 5, 9, 11])
        XCTAssertEqual(batch.inputIDs, [101, 9, 102, 10, 102, 101, 7, 8, 102, 101, 102])
        XCTAssertEqual(batch.tokenTypeIDs, [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(batch.positionIDs, [0, 1, 2, 3, 4, 0, 1, 2, 3, 0, 1])
        XCTAssertEqual(batch.labels, [1, 1, 0])
        XCTAssertEqual(batch.maxSequenceLength, 5)
        XCTAssertEqual((0..<3).map { batch.length(of: $0) }, [5, 4, 2])
    }

    func testPackingFromArraysEqualsPackingFromAStore() {
        let fromArrays = PackedBatch(
            inputIDs: [[101, 7, 8, 102], [101, 102], [101, 9, 102, 10, 102]],
            tokenTypeIDs: [[0, 0, 0, 0], [0, 0], [0, 0, 0, 1, 1]], labels: [1, 0, 1])
        XCTAssertEqual(fromArrays, PackedBatch(from: examples, indices: 0..<3))
    }

    func testEmptyBatchHasOneOffset() {
        let batch = PackedBatch(from: examples, indices: [])
        XCTAssertEqual(batch.sequenceOffsets, [0])
        XCTAssertEqual(batch.tokens, 0)
        XCTAssertEqual(batch.batch, 0)
        XCTAssertEqual(batch, PackedBatch())
    }

    func testRefillingReusesStorageAndMatchesAFreshBatch() {
        var generator = SeededGenerator(seed: 11, stream: 0)
        var ids: [[Int32]] = []
        for _ in 0..<200 {
            let length = 2 + generator.nextIndex(below: 60)
            ids.append((0..<length).map { _ in Int32(generator.nextIndex(below: 30522)) })
        }
        let store = EncodedExamples(
            inputIDs: ids, labels: ids.map { Int32($0.count % 2) })
        var batch = PackedBatch()
        batch.reserveCapacity(tokens: 32 * 64, batch: 32)
        let addresses = storageAddresses(of: batch)
        var sampler = BatchSampler(count: store.count, batchSize: 32, order: .random(seed: 4))
        for epochIndex in 0..<2 {
            while let indices = sampler.nextBatch() {
                batch.fill(from: store, indices: indices)
                XCTAssertEqual(batch, PackedBatch(from: store, indices: indices), "\(epochIndex)")
                XCTAssertEqual(storageAddresses(of: batch), addresses, "reallocated")
            }
        }
    }

    private func storageAddresses(of batch: PackedBatch) -> [UnsafeRawPointer?] {
        [
            batch.inputIDs.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) },
            batch.tokenTypeIDs.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) },
            batch.positionIDs.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) },
            batch.sequenceOffsets.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) },
            batch.labels.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) },
        ]
    }

    func testPaddedBatchPadsAtTheEndWithMaskAndTypes() {
        let padded = PaddedBatch(from: examples, indices: [0, 1, 2])
        XCTAssertEqual(padded.length, 5)
        XCTAssertEqual(
            padded.inputIDs,
            [
                [101, 7, 8, 102, 0], [101, 102, 0, 0, 0], [101, 9, 102, 10, 102],
            ])
        XCTAssertEqual(
            padded.attentionMask,
            [
                [1, 1, 1, 1, 0], [1, 1, 0, 0, 0], [1, 1, 1, 1, 1],
            ])
        XCTAssertEqual(
            padded.tokenTypeIDs,
            [
                [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 1, 1],
            ])
        XCTAssertEqual(padded.labels, [1, 0, 1])
        XCTAssertEqual(PaddedBatch(PackedBatch(from: examples, indices: 0..<3)), padded)
    }

    func testPaddedBatchToAFixedLengthPadsAndTruncatesAtTheEnd() {
        let padded = PaddedBatch(
            inputIDs: [[101, 7, 8, 102], [101, 102]], length: 3, padID: 0)
        XCTAssertEqual(padded.inputIDs, [[101, 7, 8], [101, 102, 0]])
        XCTAssertEqual(padded.attentionMask, [[1, 1, 1], [1, 1, 0]])
        XCTAssertEqual(padded.tokenTypeIDs, [[0, 0, 0], [0, 0, 0]])
        XCTAssertEqual(padded.labels, [])
        XCTAssertEqual(padded.batch, 2)
    }

    func testStatisticsOfEncodingsGiveCountsLabelsAndLengths() {
        let statistics = DatasetStatistics(examples)
        XCTAssertEqual(statistics.count, 3)
        XCTAssertEqual(statistics.labelCounts, [1, 2])
        XCTAssertEqual(statistics.count(ofLabel: 1), 2)
        XCTAssertEqual(statistics.count(ofLabel: 5), 0)
        XCTAssertEqual(statistics.maxLength, 5)
        XCTAssertEqual(statistics.totalTokens, 11)
        XCTAssertEqual(try XCTUnwrap(statistics.meanLength), 11.0 / 3.0, accuracy: 1e-12)
    }

    func testStatisticsOfNoExamplesAreEmpty() {
        let statistics = DatasetStatistics(EncodedExamples())
        XCTAssertEqual(statistics.count, 0)
        XCTAssertEqual(statistics.labelCounts, [])
        XCTAssertNil(statistics.maxLength)
        XCTAssertNil(statistics.meanLength)
    }
}
