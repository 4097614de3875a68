// swift-bert — Training tests: the single-process side of data parallelism (shares of a
// batch, the world size in checkpoints). The mpirun runs are in CLITests.

import BERT
import Datasets
import Foundation
import Randomness
import Tokenization
import Training
import XCTest
import _TestSupport

final class DataParallelTests: XCTestCase {
    func testSharesTileEachBatchInRankOrderAndDifferByAtMostOne() {
        for size in 1...6 {
            for count in 0...40 {
                let label = "\(count) examples over \(size) ranks"
                let shares = (0..<size).map {
                    DataParallelShare.range(count: count, rank: $0, size: size)
                }
                XCTAssertEqual(shares.first?.lowerBound, 0, label)
                XCTAssertEqual(shares.last?.upperBound, count, label)
                for rank in 1..<size {
                    XCTAssertEqual(shares[rank].lowerBound, shares[rank - 1].upperBound, label)
                    // Larger shares first: rank order, so rank 0 takes any extra example.
                    XCTAssertLessThanOrEqual(shares[rank].count, shares[rank - 1].count, label)
                }
                let sizes = shares.map(\.count)
                XCTAssertLessThanOrEqual((sizes.max() ?? 0) - (sizes.min() ?? 0), 1, label)
            }
        }
        // The tests' uneven last batch: 3 examples on two ranks.
        XCTAssertEqual(DataParallelShare.range(count: 3, rank: 0, size: 2), 0..<2)
        XCTAssertEqual(DataParallelShare.range(count: 3, rank: 1, size: 2), 2..<3)
        XCTAssertEqual(DataParallelShare.range(count: 1, rank: 1, size: 2), 1..<1)
    }

    func testASingleProcessFineTunerNeitherCommunicatesNorRecordsAWorldSize() throws {
        let folder = TestPaths.fixture("tiny-bert")
        let tokenizer = try BertTokenizer.load(from: folder)
        let all = try CoLA(contentsOf: TestPaths.colaZip).examples(.inDomainTrain)
        let train = ClassificationData.encode(
            Array(all.prefix(12)), tokenizer: tokenizer, maxLength: 64)
        var generator = SeededGenerator(seed: 42, stream: 1)
        let (model, _) = try ModelFolder.load(
            from: folder, labels: CoLA.labelNames, generator: &generator)
        var options = FineTuningOptions()
        options.batchSize = 4
        options.maxSteps = 2
        let tuner = try FineTuner(model: model, options: options)
        XCTAssertFalse(tuner.isDataParallel)
        XCTAssertEqual(tuner.communicator.size, 1)
        let summary = try tuner.train(on: train, validation: EncodedExamples())
        XCTAssertEqual(summary.steps, 2)
        XCTAssertEqual(tuner.communication, CommunicationStatistics())

        let single = TrainingCheckpoint.settings(
            model: model, options: options, train: train, validation: EncodedExamples())
        XCTAssertFalse(single.contains { $0.name == TrainingCheckpoint.worldSizeSetting })
        let two = TrainingCheckpoint.settings(
            model: model, options: options, train: train, validation: EncodedExamples(),
            worldSize: 2)
        XCTAssertEqual(two.last, TrainingCheckpoint.Setting("world size", "2"))
        XCTAssertEqual(Array(two.dropLast()), single)
    }

    func testAnotherWorldSizeIsRefusedByNameInBothDirections() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let seed = TrainingCheckpoint.Setting("seed", "42")
        let ranks = TrainingCheckpoint.Setting(TrainingCheckpoint.worldSizeSetting, "2")
        // Only the header: settings are checked before the rest is decoded.
        func checkpoint(_ settings: [TrainingCheckpoint.Setting]) throws -> URL {
            let fields = settings.map { "{\"name\":\"\($0.name)\",\"value\":\"\($0.value)\"}" }
            let json = "{\"formatVersion\":1,\"settings\":[\(fields.joined(separator: ","))]}"
            try Data(json.utf8).write(
                to: folder.appendingPathComponent(TrainingCheckpoint.stateFile))
            return folder
        }
        func failure(saved: [TrainingCheckpoint.Setting], current: [TrainingCheckpoint.Setting])
            throws -> TrainingError?
        {
            do {
                _ = try TrainingCheckpoint.contents(
                    of: try checkpoint(saved), checkedAgainst: current)
                return nil
            } catch let error as TrainingError {
                return error
            }
        }
        let mismatch = { (saved: String, current: String) in
            TrainingError.checkpointMismatch(
                path: folder.path, setting: "world size", saved: saved, current: current)
        }
        XCTAssertEqual(try failure(saved: [seed, ranks], current: [seed]), mismatch("2", "1"))
        XCTAssertEqual(try failure(saved: [seed], current: [seed, ranks]), mismatch("1", "2"))
        // The same world size passes the settings; the header-only file then fails to decode.
        for (saved, current) in [([seed], [seed]), ([seed, ranks], [seed, ranks])] {
            guard
                case .invalidCheckpoint(_, let reason)? = try failure(
                    saved: saved, current: current)
            else {
                XCTFail("\(saved) against \(current): expected the decoding failure")
                continue
            }
            XCTAssertTrue(reason.hasPrefix("damaged (missing field"), reason)
        }
    }
}
