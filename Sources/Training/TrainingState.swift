// swift-bert — training.

import Datasets
import Randomness

/// Where a fine-tuning run is between two optimizer steps: with the model's parameters and
/// the AdamW moments, everything needed to continue it to the same bits.
///
/// ``FineTuner`` hands it to its observer after every step and every epoch, and continues
/// from one when resuming; ``TrainingCheckpoint`` stores it in `trainer_state.json`.
public struct TrainingState: Sendable, Equatable, Codable {
    /// Optimizer steps taken so far (skipped ones included).
    public var step: Int
    /// The 1-based epoch in progress, or the next one to start.
    public var epoch: Int
    /// Whether `epoch` has begun (some of its batches were taken); false at an epoch's start.
    public var inEpoch: Bool
    /// The batch order and position.
    public var sampler: BatchSampler
    /// The dropout generator (``FineTuner/dropoutStream``), as it is before the next step.
    public var dropout: SeededGenerator
    /// The sum of this epoch's applied steps' losses, and their count.
    public var epochLossSum: Double
    public var epochSteps: Int
    /// Batches of this epoch taken so far (applied and skipped).
    public var epochBatches: Int
    /// The figures so far.
    public var summary: TrainingSummary

    /// The state before the first step of a run over `trainingCount` examples.
    public init(trainingCount: Int, options: FineTuningOptions) {
        step = 0
        epoch = 1
        inEpoch = false
        sampler = BatchSampler(
            count: trainingCount, batchSize: options.batchSize,
            order: options.shuffle ? .random(seed: options.seed) : .sequential)
        dropout = SeededGenerator(seed: options.seed, stream: FineTuner.dropoutStream)
        epochLossSum = 0
        epochSteps = 0
        epochBatches = 0
        summary = TrainingSummary()
    }

    /// What is impossible about a state read from a file (a negative step, an epoch before
    /// the first, more batches than the epoch has, a non-finite loss sum), or `nil`.
    public var problem: String? {
        if step < 0 { return "step \(step) is negative" }
        if epoch < 1 { return "epoch \(epoch) is before the first (1)" }
        if !(0...sampler.batchesPerEpoch).contains(epochBatches) {
            return "epochBatches \(epochBatches) is outside 0...\(sampler.batchesPerEpoch)"
        }
        if !(0...epochBatches).contains(epochSteps) {
            return "epochSteps \(epochSteps) is outside 0...\(epochBatches)"
        }
        if !epochLossSum.isFinite { return "epochLossSum \(epochLossSum) is not finite" }
        return nil
    }

    /// Whether the run is over: every epoch done, or `maxSteps` reached at an epoch's end.
    public func isFinished(options: FineTuningOptions) -> Bool {
        epoch > options.epochs
    }
}

/// When ``FineTuner`` calls its observer.
public enum TrainingMoment: Sendable, Equatable {
    /// After an optimizer step (applied or skipped).
    case step
    /// After an epoch's validation; ``TrainingState/summary``'s last epoch is that epoch.
    case epochEnd
}

/// What the observer asks ``FineTuner`` to do next.
public enum TrainingDecision: Sendable, Equatable {
    case proceed
    /// Stop now (early stopping); only honored at an epoch's end.
    case stop
}
