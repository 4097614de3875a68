// swift-bert — training.

import BERT
import Distributed

/// The gradient sum of a data-parallel step, PyTorch DDP's `Reducer`: the trainable
/// parameters in buckets (``GradientBuckets``, `bucket_cap_mb`), each launched as soon as the
/// backward pass has written every gradient in it, so that the transfers overlap the rest of
/// the backward pass.
///
/// It is the gradients' ``GradientReadinessObserver``: the model reports the head, then each
/// layer from the top, then the embeddings (``BertPreTrainedModel/gradientSegments``, the
/// segments of the plan); each report starts the buckets it completes and calls
/// ``BucketedAllreduce/progress()``, which is where Open MPI advances the transfers. Only an
/// armed pass launches (``isArmed``, the step's last micro-batch: the earlier ones still add
/// to the gradients, as under DDP's `no_sync`). ``finish()``, after the backward passes,
/// starts what no report started (a rank whose share was empty ran no backward; every rank
/// must start the same buckets in the same order) and waits for all of them. With
/// ``ReductionOrder/rankOrder`` the sums are the same bits whatever the buckets and
/// whenever they start, so overlapping changes no result.
///
/// Allocates nothing per step: the plan and the engine's requests are made once.
final class GradientReduction: GradientReadinessObserver {
    let engine: BucketedAllreduce
    let plan: GradientBuckets
    /// The ranges the backward pass reports, in order (the plan's segments).
    let segments: [Range<Int>]
    /// Whether buckets start as the backward pass reports (else all at ``finish()``).
    let overlaps: Bool
    /// Whether the running backward pass launches buckets.
    var isArmed = false
    private var nextSegment = 0
    private var nextBucket = 0
    /// The first failed MPI call of a report, rethrown by ``finish()`` (a report cannot throw).
    private var failure: (any Error)?
    private let clock = ContinuousClock()
    /// When the first bucket of this step started, and the seconds spent in MPI calls from
    /// the reports.
    private var firstStart: ContinuousClock.Instant?
    private var secondsDuringBackward = 0.0

    /// A plan over `segments` (the trainable parameters, in the order the backward pass
    /// finishes them) in buckets of at most `capacity` floats, summed in place in `gradients`.
    init(
        communicator: Communicator, gradients: FloatBuffer, segments: [Range<Int>],
        capacity: Int, overlaps: Bool
    ) {
        self.segments = segments
        self.overlaps = overlaps
        plan = GradientBuckets(segments: segments, capacity: capacity)
        engine = BucketedAllreduce(
            communicator: communicator,
            buffer: UnsafeMutableBufferPointer(start: gradients.pointer, count: gradients.count),
            capacity: max(1, plan.buckets.count))
    }

    func gradientsReady(_ range: Range<Int>) {
        guard isArmed else { return }
        precondition(
            nextSegment < segments.count && segments[nextSegment] == range,
            "GradientReduction: \(range) reported, expected segment \(nextSegment) of \(segments)")
        let completed = plan.completed[nextSegment]
        nextSegment += 1
        guard overlaps, failure == nil else { return }
        let begin = clock.now
        do {
            if !completed.isEmpty && firstStart == nil { firstStart = begin }
            while nextBucket < completed.upperBound {
                try engine.start(plan.buckets[nextBucket])
                nextBucket += 1
            }
            try engine.progress()
        } catch {
            failure = error
        }
        secondsDuringBackward += FineTuner.seconds(clock.now - begin)
    }

    /// Starts every bucket not started yet and waits until all hold the sum over the ranks,
    /// then readies the plan for the next step.
    /// - Returns: The seconds from the first bucket's start to the end of the sum (`span`),
    ///   and the seconds the backward pass's reports spent in MPI calls.
    func finish() throws -> (span: Double, duringBackward: Double) {
        isArmed = false
        defer {
            nextSegment = 0
            nextBucket = 0
            firstStart = nil
            secondsDuringBackward = 0
            failure = nil
        }
        if let failure { throw failure }
        let begin = clock.now
        while nextBucket < plan.buckets.count {
            try engine.start(plan.buckets[nextBucket])
            nextBucket += 1
        }
        try engine.waitAll()
        return (FineTuner.seconds(clock.now - (firstStart ?? begin)), secondsDuringBackward)
    }
}
