// swift-bert — BERT tests: the backward pass's readiness reports, on which a data-parallel
// trainer launches each gradient bucket's all-reduce.

import BERT
import Foundation
import Randomness
import XCTest
import _TestSupport

/// Records each report and what the reported range held at that moment.
private final class RecordingObserver: GradientReadinessObserver {
    unowned let gradients: EncoderGradients
    var reports: [Range<Int>] = []
    var snapshots: [[UInt32]] = []

    init(_ gradients: EncoderGradients) { self.gradients = gradients }

    func gradientsReady(_ range: Range<Int>) {
        reports.append(range)
        snapshots.append(bits(gradients, range))
    }
}

private func bits(_ gradients: EncoderGradients, _ range: Range<Int>) -> [UInt32] {
    range.map { gradients.parameters.pointer[$0].bitPattern }
}

/// How many positions of `a` and `b` (of equal counts) hold different bits.
private func differing(_ a: [UInt32], _ b: [UInt32]) -> Int {
    precondition(a.count == b.count)
    return zip(a, b).filter { $0 != $1 }.count
}

final class GradientReadinessTests: XCTestCase {
    /// Every head and freezing: the backward pass reports exactly
    /// `gradientSegments` in order, they tile `trainableRange`, and each range already held
    /// its final bits when reported (no later part of the pass wrote it) — the tied MLM
    /// decoder's share of the word-embedding gradient included. Without an observer, the same
    /// gradients.
    func testEachReportedRangeIsFinalWhenReportedAndTheReportsTileTheTrainableRange() throws {
        let configuration = try BertConfiguration.load(
            from: TestPaths.fixture("tiny-bert/config.json"))
        let models: [(String, (BertConfiguration) -> BertPreTrainedModel & FineTunable)] = [
            ("sequence", { BertForSequenceClassification(configuration: $0) }),
            ("token", { BertForTokenClassification(configuration: $0) }),
            ("qa", { BertForQuestionAnswering(configuration: $0) }),
            ("mlm", { BertForMaskedLM(configuration: $0) }),
        ]
        let freezings: [BertEncoder.Freezing] = [.none, .layers(0), .layers(1), .encoder]
        for (name, make) in models {
            for freezing in freezings {
                let label = "\(name), \(freezing)"
                let model = make(configuration)
                var generator = SeededGenerator(seed: 7, stream: 3)
                model.initialize(model.table.entries.map(\.name), generator: &generator)
                model.freezing = freezing
                let batch = Self.batch(for: name, configuration: configuration)
                let activations = model.makeActivations()
                let gradients = model.makeGradients()
                let observer = RecordingObserver(gradients)
                gradients.readinessObserver = observer
                var dropout = SeededGenerator(seed: 1)
                _ = model.accumulateGradients(
                    batch, activations: activations, gradients: gradients, dLoss: 1,
                    classWeights: nil, generator: &dropout)
                gradients.readinessObserver = nil

                let segments = model.gradientSegments
                XCTAssertEqual(observer.reports, segments, label)
                let sorted = segments.sorted { $0.lowerBound < $1.lowerBound }
                XCTAssertEqual(sorted.first?.lowerBound, model.trainableRange.lowerBound, label)
                XCTAssertEqual(sorted.last?.upperBound, model.trainableRange.upperBound, label)
                for (a, b) in zip(sorted, sorted.dropFirst()) {
                    XCTAssertEqual(a.upperBound, b.lowerBound, "\(label): \(a) then \(b)")
                }
                for (range, snapshot) in zip(observer.reports, observer.snapshots) {
                    let final = bits(gradients, range)
                    XCTAssertEqual(
                        differing(snapshot, final), 0,
                        "\(label): floats of \(range) changed after its report")
                    XCTAssertTrue(final.contains { $0 != 0 }, "\(label): \(range) all zero")
                }
                XCTAssertTrue(
                    bits(gradients, 0..<model.trainableRange.lowerBound).allSatisfy { $0 == 0 },
                    "\(label): a frozen gradient")

                // The same pass without an observer: the same bits.
                let plain = model.makeGradients()
                var again = SeededGenerator(seed: 1)
                _ = model.accumulateGradients(
                    batch, activations: activations, gradients: plain, dLoss: 1,
                    classWeights: nil, generator: &again)
                let all = 0..<model.table.count
                XCTAssertEqual(
                    differing(bits(plain, all), bits(gradients, all)), 0,
                    "\(label): floats differing without an observer")
            }
        }
    }

    /// The tied decoder writes the word-embedding gradient during the head's backward: the
    /// embeddings' segment, where that tensor lies, comes last, after the layers'.
    func testTheTiedWordEmbeddingIsReadyOnlyWithTheEmbeddingsAtTheEnd() throws {
        let configuration = try BertConfiguration.load(
            from: TestPaths.fixture("tiny-bert/config.json"))
        let model = BertForMaskedLM(configuration: configuration)
        let word = model.table[BertEncoder.EmbeddingTensor.wordEmbeddings.name].range
        let segments = model.gradientSegments
        XCTAssertEqual(segments.count, 2 + configuration.numHiddenLayers)
        XCTAssertEqual(segments.last, model.encoder.embeddingRange)
        XCTAssertTrue(model.encoder.embeddingRange.contains(word.lowerBound))
        XCTAssertFalse(segments[0].overlaps(word), "the head's segment holds the decoder weight")
    }

    /// Three sequences of 5, 9 and 3 tokens with the labels of `head`.
    private static func batch(for head: String, configuration c: BertConfiguration)
        -> PackedBatch
    {
        var generator = SeededGenerator(seed: 11)
        let lengths = [5, 9, 3]
        var batch = PackedBatch(
            sequences: lengths.map { length in
                let ids = (0..<length).map { _ in
                    Int32(5 + generator.nextIndex(below: c.vocabSize - 5))
                }
                return (ids, [Int32](repeating: 0, count: length))
            })
        switch head {
        case "sequence":
            batch.labels = lengths.map { _ in Int32(generator.nextIndex(below: c.numLabels)) }
        case "token":
            batch.labels = (0..<batch.tokens).map { _ in
                Int32(generator.nextIndex(below: c.numLabels))
            }
        case "qa":
            batch.labels = lengths.flatMap { [Int32(1), Int32($0 - 2)] }
        default:
            // Masked LM: every third token labelled with its id, -100 elsewhere.
            batch.labels = (0..<batch.tokens).map { $0 % 3 == 0 ? batch.inputIDs[$0] : -100 }
        }
        return batch
    }
}
