// swift-bert — Datasets tests: batch order, epochs, and exact resume.

import Datasets
import Foundation
import XCTest

final class BatchSamplerTests: XCTestCase {
    /// All batches of the sampler's current epoch, as arrays.
    private func epoch(_ sampler: inout BatchSampler) -> [[Int]] {
        var batches: [[Int]] = []
        while let batch = sampler.nextBatch() { batches.append(Array(batch)) }
        return batches
    }

    func testTutorialSplitGives241TrainingAnd27ValidationBatches() {
        var train = BatchSampler(count: 7695, batchSize: 32, order: .random(seed: 42))
        var validation = BatchSampler(count: 856, batchSize: 32, order: .sequential)
        XCTAssertEqual(train.batchesPerEpoch, 241)
        XCTAssertEqual(validation.batchesPerEpoch, 27)
        let trainBatches = epoch(&train)
        let validationBatches = epoch(&validation)
        XCTAssertEqual(trainBatches.count, 241)
        XCTAssertEqual(validationBatches.count, 27)
        XCTAssertEqual(trainBatches.last?.count, 7695 - 240 * 32)
        XCTAssertEqual(validationBatches.last?.count, 856 - 26 * 32)
        XCTAssertTrue(trainBatches.dropLast().allSatisfy { $0.count == 32 })
    }

    func testEveryEpochVisitsEveryIndexOnce() {
        for (count, batchSize) in [(7695, 32), (33, 32), (5, 7), (1, 1), (64, 32)] {
            var sampler = BatchSampler(count: count, batchSize: batchSize, order: .random(seed: 3))
            for epochIndex in 0..<3 {
                XCTAssertEqual(sampler.epoch, epochIndex)
                let seen = epoch(&sampler).flatMap { $0 }
                XCTAssertEqual(
                    seen.sorted(), Array(0..<count),
                    "count \(count), batch \(batchSize), epoch \(epochIndex)")
            }
        }
    }

    func testSequentialOrderIsIndexOrderEveryEpoch() {
        var sampler = BatchSampler(count: 70, batchSize: 32, order: .sequential)
        for _ in 0..<2 {
            XCTAssertEqual(epoch(&sampler), [Array(0..<32), Array(32..<64), Array(64..<70)])
        }
        XCTAssertEqual(sampler.epoch, 2)
    }

    func testRandomOrderDiffersBetweenEpochsButRepeatsForTheSameSeed() {
        var first = BatchSampler(count: 7695, batchSize: 32, order: .random(seed: 42))
        var second = BatchSampler(count: 7695, batchSize: 32, order: .random(seed: 42))
        var other = BatchSampler(count: 7695, batchSize: 32, order: .random(seed: 43))
        let firstEpochs = [epoch(&first), epoch(&first)]
        let secondEpochs = [epoch(&second), epoch(&second)]
        let otherEpoch = epoch(&other)
        XCTAssertEqual(firstEpochs, secondEpochs)
        XCTAssertNotEqual(firstEpochs[0], firstEpochs[1])
        XCTAssertNotEqual(firstEpochs[0], otherEpoch)
        XCTAssertNotEqual(firstEpochs[0].flatMap { $0 }, Array(0..<7695))
    }

    func testDropLastDropsTheShortBatch() {
        var sampler = BatchSampler(
            count: 70, batchSize: 32, order: .random(seed: 1), dropLast: true)
        XCTAssertEqual(sampler.batchesPerEpoch, 2)
        XCTAssertEqual(epoch(&sampler).map(\.count), [32, 32])
    }

    func testEmptySamplerHasNoBatches() {
        var sampler = BatchSampler(count: 0, batchSize: 32, order: .random(seed: 1))
        XCTAssertEqual(sampler.batchesPerEpoch, 0)
        XCTAssertNil(sampler.nextBatch())
        XCTAssertEqual(sampler.epoch, 1)
    }

    func testDecodedSamplerResumesMidEpochExactly() throws {
        for order in [BatchSampler.Order.random(seed: 42), .sequential] {
            var original = BatchSampler(count: 1000, batchSize: 32, order: order)
            _ = epoch(&original)
            for _ in 0..<10 { _ = original.nextBatch() }
            let saved = try JSONEncoder().encode(original)
            var resumed = try JSONDecoder().decode(BatchSampler.self, from: saved)
            XCTAssertEqual(resumed, original, "\(order)")
            XCTAssertEqual(resumed.state.epoch, 1)
            XCTAssertEqual(resumed.state.batchIndex, 10)
            for _ in 0..<3 {
                XCTAssertEqual(epoch(&resumed), epoch(&original), "\(order)")
            }
        }
    }

    func testSamplerRebuiltFromStateAtAnEpochBoundaryResumesExactly() {
        var original = BatchSampler(count: 100, batchSize: 8, order: .random(seed: 9))
        _ = epoch(&original)
        _ = epoch(&original)
        var resumed = BatchSampler(
            count: 100, batchSize: 8, order: .random(seed: 9), state: original.state)
        XCTAssertEqual(resumed.epoch, 2)
        XCTAssertEqual(resumed.epochOrder, original.epochOrder)
        XCTAssertEqual(epoch(&resumed), epoch(&original))
    }

    func testDecodingAStateThatDoesNotFitThrows() throws {
        let sampler = BatchSampler(count: 100, batchSize: 8, order: .random(seed: 9))
        var object = try XCTUnwrap(
            JSONSerialization.jsonObject(with: JSONEncoder().encode(sampler)) as? [String: Any])
        var state = try XCTUnwrap(object["state"] as? [String: Any])
        state["batchIndex"] = 14
        object["state"] = state
        let data = try JSONSerialization.data(withJSONObject: object)
        XCTAssertThrowsError(try JSONDecoder().decode(BatchSampler.self, from: data))
    }

    func testStartNextEpochSkipsTheRestOfTheEpoch() {
        var skipping = BatchSampler(count: 100, batchSize: 8, order: .random(seed: 5))
        var full = skipping
        _ = skipping.nextBatch()
        skipping.startNextEpoch()
        _ = epoch(&full)
        XCTAssertEqual(skipping.state, full.state)
        XCTAssertEqual(epoch(&skipping), epoch(&full))
    }
}
