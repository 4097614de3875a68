// swift-bert — training.

import BERT
import Datasets
import Distributed
import Foundation
import Kernels
import Randomness

/// Which part of a global batch each rank of a data-parallel run computes.
///
/// The ranks split the batch into contiguous parts in rank order. When the batch does not
/// divide evenly, the first `count % size` ranks get one example more, and a rank's part
/// may be empty (a last batch smaller than the number of ranks). PyTorch's
/// `DistributedSampler` gives each rank whole batches of its own instead. Here every rank
/// draws the same global batch from one sampler and takes its slice of it, so an N-rank
/// step sums the same examples as one process's step.
public enum DataParallelShare {
    /// Rank `rank`'s positions in a batch of `count` examples split over `size` ranks.
    /// - Precondition: `count ≥ 0` and `rank` lies in `0..<size`.
    public static func range(count: Int, rank: Int, size: Int) -> Range<Int> {
        precondition(
            count >= 0 && size >= 1 && (0..<size).contains(rank),
            "DataParallelShare: rank \(rank) of \(size), count \(count)")
        let base = count / size
        let extra = count % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }
}

/// What the gradient all-reduce of a data-parallel run cost.
public struct CommunicationStatistics: Sendable, Equatable {
    /// Steps whose gradients were summed over the ranks.
    public var steps = 0
    /// Bytes of gradient each rank sends into each step's sum (the trainable parameters).
    public var bytesPerStep = 0
    /// The all-reduce buckets those bytes travel in (``GradientBuckets``).
    public var buckets = 0
    /// Seconds the last step spent in its all-reduces (loss denominators, loss and
    /// gradients), waits for slower ranks included: in MPI calls during the backward pass
    /// (bucket launches and progress) and after it.
    public var lastSeconds = 0.0
    /// Seconds over every step so far.
    public var totalSeconds = 0.0
    /// Of ``lastSeconds``, those after the last backward pass of the step: launching the
    /// buckets not yet started, waiting for every bucket, and the loss sum. What the
    /// overlap with the backward pass did not hide.
    public var lastWaitSeconds = 0.0
    /// ``lastWaitSeconds`` over every step so far.
    public var totalWaitSeconds = 0.0
    /// The seconds of the last step from its first gradient bucket's launch until every
    /// bucket held the sum: how long the gradient all-reduce took, overlapped or not.
    public var lastBucketSeconds = 0.0
    /// ``lastBucketSeconds`` over every step so far.
    public var totalBucketSeconds = 0.0

    /// Nothing yet.
    public init() {}

    /// The mean seconds per step (0 before the first).
    public var meanSeconds: Double { steps > 0 ? totalSeconds / Double(steps) : 0 }
    /// The mean seconds per step spent after the backward pass (0 before the first).
    public var meanWaitSeconds: Double { steps > 0 ? totalWaitSeconds / Double(steps) : 0 }
    /// The mean seconds per step from the first bucket's launch to the sum (0 before the
    /// first).
    public var meanBucketSeconds: Double { steps > 0 ? totalBucketSeconds / Double(steps) : 0 }
}

extension FineTuner {
    /// Whether this fine-tuner shares each batch with other ranks.
    public var isDataParallel: Bool { communicator.size > 1 }

    /// One micro-batch of a data-parallel step: this rank's share of the global batch
    /// `indices` (``DataParallelShare``), its loss scaled by the share's part of the loss
    /// denominator, so that the ranks' gradients SUM to the gradient of one process's mean
    /// loss over the whole batch, ACCUMULATED into the gradients.
    ///
    /// Every rank calls it for every micro-batch, whatever its share (one all-reduce of the
    /// denominators). The shared `dropout` generator gives one word per call on every rank, as
    /// it does per micro-batch in one process, and the share's sequences keep their indices in
    /// the global batch (``PackedBatch/firstExampleIndex``): each sequence gets the masks one
    /// process gives it, so with dropout too an N-rank run equals one process up to rounding,
    /// and the shared state stays the same on every rank (checkpoints hold rank 0's).
    /// - Returns: This rank's part of the micro-batch's loss, times `dLoss`; NaN when the
    ///   whole batch has nothing to average over (every token ignored), as PyTorch gives.
    func accumulateShare<Examples: TrainingExamples>(
        _ indices: ArraySlice<Int>, of train: Examples, epoch: Int, into batch: inout PackedBatch,
        dLoss: Float, dropout: inout SeededGenerator
    ) throws -> Double {
        zeroGradientsIfNeeded()
        let share = DataParallelShare.range(
            count: indices.count, rank: communicator.rank, size: communicator.size)
        let start = indices.startIndex
        let mine = indices[(start + share.lowerBound)..<(start + share.upperBound)]
        let dropoutWord = dropout.next()
        var counted = 0.0
        if !mine.isEmpty {
            train.fill(&batch, indices: mine, epoch: epoch)
            batch.firstExampleIndex = share.lowerBound
            try model.validate(batch)
            counted = model.lossDenominator(
                of: batch, classWeights: classWeights.map { UnsafePointer($0.pointer) })
        }
        let clock = ContinuousClock()
        let begin = clock.now
        let total = try sum(counted)
        communication.lastSeconds += Self.seconds(clock.now - begin)
        guard total > 0 else { return .nan }
        guard counted > 0 else { return 0 }
        let weight = counted / total
        let loss = accumulateGradients(
            batch, dLoss: Float(Double(dLoss) * weight), dropoutWord: dropoutWord)
        return Double(dLoss) * weight * Double(loss)
    }

    /// The end of a data-parallel step's backward passes: sums the ranks' parts of the loss
    /// and the gradients of the trainable parameters over the ranks (the same bits on every
    /// rank), so that clipping and AdamW then run identically everywhere.
    ///
    /// The buckets the backward pass launched (``GradientReduction``) are waited for first;
    /// the loss is summed after them (a blocking collective on the same communicator, where
    /// every rank must follow the same order).
    /// - Returns: The step's loss, as one process computes it up to rounding.
    func reduceStep(localLoss: Double) throws -> Float {
        let clock = ContinuousClock()
        let begin = clock.now
        let (span, duringBackward) = try gradientReduction?.finish() ?? (0, 0)
        let loss = try sum(localLoss)
        let wait = Self.seconds(clock.now - begin)
        communication.lastSeconds += duringBackward + wait
        communication.totalSeconds += communication.lastSeconds
        communication.lastWaitSeconds = wait
        communication.totalWaitSeconds += wait
        communication.lastBucketSeconds = span
        communication.totalBucketSeconds += span
        communication.steps += 1
        communication.bytesPerStep = model.trainableRange.count * MemoryLayout<Float>.stride
        communication.buckets = gradientReduction?.plan.buckets.count ?? 0
        return Float(loss)
    }

    /// `value` summed over the ranks (rank order: the same bits everywhere).
    func sum(_ value: Double) throws -> Double {
        var total = value
        try withUnsafeMutablePointer(to: &total) {
            try communicator.allreduceSum(UnsafeMutableBufferPointer(start: $0, count: 1))
        }
        return total
    }

    /// Rank 0's `decision` on every rank: the observer's choice at an epoch's end (early
    /// stopping reads validation figures that only rank 0 computes).
    func agree(on decision: TrainingDecision) throws -> TrainingDecision {
        let bytes = try communicator.broadcast([decision == .stop ? 1 : 0])
        return bytes.first == 1 ? .stop : .proceed
    }

    /// Throws unless every rank holds rank 0's parameters (their checksums) and `extra`:
    /// before the first step (other model files, data or seeds on some host) and after the
    /// last (a bug).
    /// - Throws: ``TrainingError/replicasDiffer(what:ranks:size:)`` on every rank alike.
    func checkReplicas(_ what: String, extra: String = "") throws {
        guard isDataParallel else { return }
        let own = Array(
            (TrainingCheckpoint.checksum(model.parameters.pointer, count: model.table.count)
                + " " + extra).utf8)
        let reference = try communicator.broadcast(own)
        let differing = try sum(reference == own ? 0 : 1)
        if differing > 0 {
            throw TrainingError.replicasDiffer(
                what: what, ranks: Int(differing), size: communicator.size)
        }
    }

    /// Sends rank 0's parameters, AdamW moments and `state` to every rank, for a run that
    /// rank 0 alone restored from a checkpoint (``TrainingCheckpoint/restore(into:from:contents:)``):
    /// afterwards every rank continues from it. Every rank must call it; the other ranks'
    /// `state` is ignored.
    /// - Returns: Rank 0's `state` on every rank (nil when rank 0 starts from the beginning;
    ///   then nothing else is sent). A single process gets `state` back.
    public func synchronizeReplicas(state: TrainingState?) throws -> TrainingState? {
        guard isDataParallel else { return state }
        let encoded: [UInt8] =
            communicator.isWriter
            ? try state.map { Array(try TrainingCheckpoint.encoder().encode($0)) } ?? [] : []
        let bytes = try communicator.broadcast(encoded)
        guard !bytes.isEmpty else { return nil }
        for buffer in [model.parameters, firstMoment, secondMoment] {
            try communicator.broadcast(
                UnsafeMutableRawBufferPointer(
                    start: buffer.pointer, count: buffer.count * MemoryLayout<Float>.stride))
        }
        if communicator.isWriter { return state }
        return try TrainingCheckpoint.decoder().decode(TrainingState.self, from: Data(bytes))
    }
}
