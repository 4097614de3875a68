// swift-bert — training.

import BERT
import Datasets
import Distributed
import Foundation
import Kernels
import Randomness

/// Fine-tunes a ``BertForSequenceClassification`` as the tutorial's training loop does.
///
/// Per epoch: batches in random order (`RandomSampler`, ``BatchSampler`` seeded with the
/// run's seed), and for each batch a training-mode forward pass (dropout drawn from
/// ``dropoutStream``), the mean cross-entropy, `zero_grad`, backward, `clip_grad_norm_`,
/// one AdamW step at the rate of the linear schedule (`get_linear_schedule_with_warmup`,
/// total = batches × epochs) and one schedule step. After each epoch, evaluation on the
/// validation set in eval mode. Parameters, gradients and both AdamW moments are flat
/// buffers with the model's layout, so zeroing, clipping and the update are single passes.
/// The same seed and thread count give the same bits.
///
/// With a ``communicator`` of N > 1 ranks (data parallelism over MPI, PyTorch DDP's design)
/// every rank draws the same global batches, computes its contiguous share of each
/// (``DataParallelShare``) with the loss weighted by the share's part of the loss
/// denominator, and the ranks' losses and gradients are summed before clipping and the same
/// AdamW update on every rank, so an N-rank run follows one process's up to rounding, dropout
/// included: every rank draws the same word per micro-batch and keys each sequence's masks
/// by its index in the global batch (``DropoutKey``). Validation is sharded
/// (``evaluateSharded(_:)``): each rank evaluates its run of batches, rank 0 computes the
/// figures, and its observer decides early stopping for every rank.
public final class FineTuner {
    /// The generator stream of dropout masks (ASCII `dropout`).
    public static let dropoutStream: UInt64 = 0x64_72_6F_70_6F_75_74

    /// The model being fine-tuned: a ``BertForSequenceClassification`` (single-label) or a
    /// ``BertForTokenClassification``.
    public let model: BertPreTrainedModel & FineTunable
    public let options: FineTuningOptions
    /// The ranks that share each batch (a single process by default).
    public let communicator: Communicator
    /// What the gradient all-reduces cost so far (zero for a single process).
    public internal(set) var communication = CommunicationStatistics()
    /// The bucketed gradient sum of a data-parallel run, planned at the start of `train`
    /// and told by the backward pass which buckets are ready.
    var gradientReduction: GradientReduction?
    let activations: EncoderActivations
    let gradients: EncoderGradients
    /// The accumulated gradient of every parameter (each `param.grad`), in the model's layout:
    /// what ``accumulateGradients(_:dLoss:dropout:)`` adds to and an applied update clears.
    public var parameterGradients: FloatBuffer { gradients.parameters }
    /// ``FineTuningOptions/classWeights``, where the loss reads them.
    let classWeights: FloatBuffer?
    let firstMoment: FloatBuffer
    let secondMoment: FloatBuffer
    /// Whether the gradient buffer may hold a step's gradients: AdamW zeroes it as it reads
    /// it, so only the first step and one after a skipped update need a pass of their own.
    private var gradientsNeedZeroing = true

    /// Prepares to fine-tune `model` (updated in place).
    /// - Parameter communicator: The ranks of a data-parallel run (every rank passes the same
    ///   model, options and data); a single process by default.
    /// - Throws: ``TrainingError`` for invalid options or a regression model.
    public init(
        model: BertPreTrainedModel & FineTunable, options: FineTuningOptions = .init(),
        communicator: Communicator = .singleProcess()
    ) throws {
        try options.validate()
        if case .layers(let n) = options.freezing, n > model.configuration.numHiddenLayers {
            throw TrainingError.invalidOption(
                name: "freezing", value: "\(n) layers",
                expected: "≤ \(model.configuration.numHiddenLayers), the model's num_hidden_layers")
        }
        self.model = model
        self.options = options
        self.communicator = communicator
        model.setPrecision(options.precision)
        model.freezing = options.freezing
        if let weights = options.classWeights {
            guard weights.count == model.configuration.numLabels,
                model is BertForSequenceClassification
            else {
                throw TrainingError.invalidOption(
                    name: "classWeights", value: "\(weights.count) weights",
                    expected: "one per label (\(model.configuration.numLabels)) of a sequence classifier")
            }
            let buffer = FloatBuffer(count: weights.count)
            for (index, weight) in weights.enumerated() { buffer.pointer[index] = weight }
            classWeights = buffer
        } else {
            classWeights = nil
        }
        activations = model.makeActivations()
        gradients = model.makeGradients()
        firstMoment = FloatBuffer(count: model.table.count)
        secondMoment = FloatBuffer(count: model.table.count)
    }

    /// The schedule of a run over `trainingCount` examples.
    public func schedule(trainingCount: Int) -> LinearSchedule {
        let batches = (trainingCount + options.batchSize - 1) / options.batchSize
        let accumulation = options.gradientAccumulationSteps
        let total = (batches + accumulation - 1) / accumulation * options.epochs
        return LinearSchedule(
            baseLearningRate: options.learningRate,
            warmupSteps: options.effectiveWarmupSteps(totalSteps: total), totalSteps: total)
    }

    /// Trains on `data.train`, validating on `data.validation` after every epoch.
    public func train(
        _ data: ClassificationData, progress: (TrainingProgress) -> Void = { _ in }
    ) throws -> TrainingSummary {
        try train(on: data.train, validation: data.validation, progress: progress)
    }

    /// Trains on `train`, validating on `validation` (skipped when empty) after every epoch.
    /// - Throws: ``TrainingError/labelOutOfRange(label:classes:)``, or `ModelError` for ids
    ///   outside the embeddings.
    public func train(
        on train: EncodedExamples, validation: EncodedExamples,
        progress: (TrainingProgress) -> Void = { _ in }
    ) throws -> TrainingSummary {
        try self.train(
            on: train, validation: validation, from: nil, observer: { _, _ in .proceed },
            progress: progress)
    }

    /// Trains on `train` from `state` (the start when nil), calling `observer` after every
    /// step and every epoch's validation, where it may save a checkpoint
    /// (``TrainingCheckpoint``) or stop early.
    ///
    /// Continuing from a state saved by an earlier run, with the parameters and moments it
    /// had then (``TrainingCheckpoint/restore(into:from:)``), gives the same bits as the
    /// uninterrupted run. A step whose loss or gradient norm is not finite stops the run
    /// before its update, or with ``FineTuningOptions/skipNonFinite`` makes no update and
    /// counts as a step (its batch and learning rate are used up).
    ///
    /// Data-parallel (``isDataParallel``): every rank calls it with the same sets and state
    /// (``synchronizeReplicas(state:)`` after a resume); the ranks share the validation and
    /// only rank 0 gets its figures (the other ranks' epoch reports have none), and rank 0's
    /// observer decision at an epoch's end holds for every rank.
    /// - Throws: ``TrainingError/nonFiniteStep(step:epoch:batch:loss:gradientNorm:)``,
    ///   ``TrainingError/labelOutOfRange(label:classes:)``, `ModelError` for ids outside the
    ///   embeddings, ``TrainingError/replicasDiffer(what:ranks:size:)``, a
    ///   `DistributedError`, or what `observer` throws.
    public func train<Examples: TrainingExamples>(
        on train: Examples, validation: Examples, from state: TrainingState?,
        observer: (TrainingState, TrainingMoment) throws -> TrainingDecision,
        progress: (TrainingProgress) -> Void = { _ in }
    ) throws -> TrainingSummary {
        try train.checkLabels(for: model)
        try validation.checkLabels(for: model)
        let schedule = schedule(trainingCount: train.count)
        var state = state ?? TrainingState(trainingCount: train.count, options: options)
        precondition(
            state.sampler.count == train.count && state.sampler.batchSize == options.batchSize,
            "FineTuner: the state's sampler does not fit the training set and batch size")
        model.refreshBFloat16Parameters()  // the parameters may have been restored
        let parallel = isDataParallel
        if parallel {
            try checkReplicas(
                "parameters or training set size at the start", extra: "\(train.count)")
            let reduction = GradientReduction(
                communicator: communicator, gradients: gradients.parameters,
                segments: model.gradientSegments, capacity: options.bucketCapacity,
                overlaps: options.overlapsGradientReduction)
            gradientReduction = reduction
            gradients.readinessObserver = reduction
        }
        defer { gradients.readinessObserver = nil }
        // A rank's share of a batch is at most ceil(batch / ranks) sequences.
        let share = (options.batchSize + communicator.size - 1) / communicator.size
        reserveWorkspace(for: train, batchSize: share)
        reserveWorkspace(for: validation, batchSize: options.evaluationBatchSize)
        var batch = PackedBatch()
        // Labels: one per sequence, two (QA spans) or one per token (tags, masked LM).
        batch.reserveCapacity(
            tokens: activations.tokenCapacity, batch: options.batchSize,
            labels: max(activations.tokenCapacity, 2 * options.batchSize),
            targets: options.batchSize * model.configuration.numLabels)
        let clock = ContinuousClock()

        while state.epoch <= options.epochs {
            let epoch = state.epoch
            if let maxSteps = options.maxSteps, state.step >= maxSteps, !state.inEpoch { break }
            if !state.inEpoch {
                progress(.epochStarted(epoch: epoch, epochs: options.epochs,
                    batches: state.sampler.batchesPerEpoch))
                state.inEpoch = true
                state.epochLossSum = 0
                state.epochSteps = 0
                state.epochBatches = 0
            }
            let epochStart = clock.now
            while true {
                let remaining = state.sampler.batchesPerEpoch - state.sampler.state.batchIndex
                if remaining == 0 || (options.maxSteps.map { state.step >= $0 } ?? false) {
                    state.sampler.startNextEpoch()
                    break
                }
                // One optimizer step: up to `gradientAccumulationSteps` micro-batches, fewer
                // at the end of an epoch, each loss scaled by 1/micro-batches (HF Trainer).
                let microBatches = min(options.gradientAccumulationSteps, remaining)
                let dLoss = microBatches == 1 ? 1 : 1 / Float(microBatches)
                var loss: Float = 0
                var localLoss = 0.0
                communication.lastSeconds = 0
                for micro in 0..<microBatches {
                    guard let indices = state.sampler.nextBatch() else { break }
                    if parallel {
                        // Only the last backward pass launches buckets (DDP's no_sync).
                        gradientReduction?.isArmed = micro == microBatches - 1
                        localLoss += try accumulateShare(
                            indices, of: train, epoch: epoch, into: &batch, dLoss: dLoss,
                            dropout: &state.dropout)
                    } else {
                        train.fill(&batch, indices: indices, epoch: epoch)
                        try model.validate(batch)
                        loss +=
                            dLoss * accumulateGradients(batch, dLoss: dLoss, dropout: &state.dropout)
                    }
                    state.epochBatches += 1
                }
                if parallel { loss = try reduceStep(localLoss: localLoss) }
                let rate = schedule.learningRate(atStep: state.step)
                let norm = applyUpdate(loss: loss, learningRate: rate, step: state.step + 1)
                let report = StepReport(
                    epoch: epoch, batch: state.epochBatches,
                    batchesPerEpoch: state.sampler.batchesPerEpoch, step: state.step + 1,
                    loss: loss, learningRate: rate, gradientNorm: norm,
                    elapsed: Self.seconds(clock.now - epochStart))
                if loss.isFinite && norm.isFinite {
                    state.epochSteps += 1
                    state.epochLossSum += Double(loss)
                    state.summary.stepLosses.append(loss)
                } else if options.skipNonFinite {
                    state.summary.skippedSteps.append(state.step + 1)
                } else {
                    throw TrainingError.nonFiniteStep(
                        step: state.step + 1, epoch: epoch, batch: state.epochBatches,
                        loss: loss, gradientNorm: norm)
                }
                state.step += 1
                state.summary.stepReports.append(report)
                progress(loss.isFinite && norm.isFinite ? .step(report) : .stepSkipped(report))
                _ = try observer(state, .step)
            }
            let trainingSeconds = Self.seconds(clock.now - epochStart)
            progress(.validationStarted(epoch: epoch))
            let validationStart = clock.now
            // Every rank evaluates its share; rank 0 alone gets the result.
            let result = validation.count > 0 ? try evaluateSharded(validation) : nil
            let report = EpochReport(
                epoch: epoch,
                trainingLoss: state.epochSteps > 0
                    ? state.epochLossSum / Double(state.epochSteps) : 0,
                steps: state.epochSteps, validation: result, trainingSeconds: trainingSeconds,
                validationSeconds: Self.seconds(clock.now - validationStart))
            state.summary.epochs.append(report)
            state.epoch += 1
            state.inEpoch = false
            progress(.epochFinished(report))
            var decision = try observer(state, .epochEnd)
            if parallel { decision = try agree(on: decision) }
            if decision == .stop { break }
        }
        try checkReplicas("parameters at the end")
        return state.summary
    }

    /// Sizes the workspace for the largest batch of `batchSize` examples that `examples` can
    /// form (its `batchSize` longest sequences), so that no later step allocates.
    public func reserveWorkspace(for examples: some TrainingExamples, batchSize: Int) {
        let lengths = (0..<examples.count).map { examples.length(of: $0) }.sorted(by: >)
        let longest = lengths.prefix(batchSize)
        let tokens = longest.reduce(0, +)
        let batch = longest.count
        activations.reserve(
            tokens: tokens, batch: batch, attentionSquares: longest.reduce(0) { $0 + $1 * $1 },
            longestSequence: lengths.first ?? 0)
        gradients.reserve(tokens: tokens, batch: batch)
        let c = model.configuration
        let widest = max(3 * c.hiddenSize, c.intermediateSize)  // the widest encoder layer
        if options.precision == .bfloat16 {
            // The largest GEMM operand converted to bf16: an activation or its gradient
            // (tokens × the widest layer), or a weight matrix.
            Gemm.reserveConversionScratch(
                elements: max(tokens, c.hiddenSize) * widest)
        }
        if Gemm.runsBFloat16Natively(options.precision) {
            activations.reserveBFloat16Inputs(tokens: tokens)
        }
        // The encoder's linear layers get a transposed weight for dInput where it pays.
        if Gemm.transposedWeightPays(
            tokens: tokens, inFeatures: c.hiddenSize, outFeatures: widest,
            precision: options.precision)
        {
            Gemm.reserveTransposedWeightScratch(elements: c.hiddenSize * widest)
        }
    }

    /// One training step on one packed batch: ``accumulateGradients(_:dLoss:dropout:)`` with
    /// the whole loss, then ``applyUpdate(loss:learningRate:step:)``.
    ///
    /// Allocates nothing once the workspace holds a batch this large (``reserveWorkspace(for:batchSize:)``,
    /// which `train` calls first) and the pool has started (StepAllocationTests).
    /// - Parameters:
    ///   - input: The batch, already checked by `model.validate(_:)`.
    ///   - labels: `[batch]` class ids (the batch's own labels; kept for callers that pass them).
    ///   - learningRate: This step's rate (after the schedule).
    ///   - step: The 1-based optimizer step (AdamW's bias correction).
    ///   - generator: The dropout stream.
    /// - Returns: The loss before the update and the gradient norm before clipping.
    public func step(
        _ input: PackedBatch, labels: [Int32], learningRate: Double, step: Int,
        dropout generator: inout SeededGenerator
    ) -> (loss: Float, gradientNorm: Float) {
        precondition(labels == input.labels, "FineTuner.step: labels are the batch's own")
        let loss = accumulateGradients(input, dLoss: 1, dropout: &generator)
        let norm = applyUpdate(loss: loss, learningRate: learningRate, step: step)
        return (loss, norm)
    }

    /// The first half of a step, for one micro-batch: `zero_grad` when the gradients hold a
    /// finished step, then forward, loss and backward with the loss scaled by `dLoss`,
    /// ADDING to the gradients (the seam of gradient accumulation, and of a data-parallel
    /// all-reduce before the update).
    ///
    /// Draws one word from `generator` (the run's dropout stream), the micro-batch's dropout
    /// key: every mask of the pass follows from it and each sequence's example index
    /// (``DropoutKey``), so a data-parallel rank that draws the same word draws one process's
    /// masks for its share.
    /// - Returns: The micro-batch's loss (unscaled).
    public func accumulateGradients(
        _ batch: PackedBatch, dLoss: Float, dropout generator: inout SeededGenerator
    ) -> Float {
        accumulateGradients(batch, dLoss: dLoss, dropoutWord: generator.next())
    }

    /// ``accumulateGradients(_:dLoss:dropout:)`` with the micro-batch's dropout word drawn.
    func accumulateGradients(_ batch: PackedBatch, dLoss: Float, dropoutWord: UInt64) -> Float {
        zeroGradientsIfNeeded()
        // The model's forward passes draw their step keys (encoder, head) from this.
        var generator = SeededGenerator(seed: dropoutWord, stream: Self.dropoutStream &+ 1)
        return model.accumulateGradients(
            batch, activations: activations, gradients: gradients, dLoss: dLoss,
            classWeights: classWeights.map { UnsafePointer($0.pointer) }, generator: &generator)
    }

    /// `zero_grad` when the buffer may hold an earlier step's gradients.
    func zeroGradientsIfNeeded() {
        if gradientsNeedZeroing {
            gradients.zero()
            gradientsNeedZeroing = false
        }
    }

    /// The second half of a step: `clip_grad_norm_` over the trainable parameters and — only
    /// when `loss` and the norm are finite — one AdamW update at `learningRate`, which in bf16
    /// also rewrites the model's bf16 weights. The clipping factor is applied inside the
    /// update (the same bits as scaling the gradients first), and the update clears each
    /// gradient as it reads it, so the buffer is left zeroed for the next step. Frozen
    /// parameters (a prefix of the buffer) are neither read nor updated.
    /// - Parameters:
    ///   - loss: The step's loss (a non-finite one skips the update).
    ///   - learningRate: This step's rate (after the schedule).
    ///   - step: The 1-based optimizer step (AdamW's bias correction).
    /// - Returns: The gradient norm before clipping.
    public func applyUpdate(loss: Float, learningRate: Double, step: Int) -> Float {
        let range = model.trainableRange
        let start = range.lowerBound
        let count = range.count
        let g = gradients.parameters.pointer + start
        let norm = GradientClipping.globalNorm(gradients: g, count: count)
        let applied = loss.isFinite && norm.isFinite
        if applied {
            AdamW.step(
                parameters: model.parameters.pointer + start, gradients: g,
                firstMoment: firstMoment.pointer + start, secondMoment: secondMoment.pointer + start,
                count: count, learningRate: learningRate, beta1: options.adamBeta1,
                beta2: options.adamBeta2, epsilon: options.adamEpsilon,
                weightDecay: options.weightDecay, step: step,
                gradientScale: GradientClipping.scale(norm: norm, maxNorm: options.maxGradientNorm),
                bfloat16Copy: model.bfloat16Parameters.map { $0.pointer + start },
                zeroingGradients: g)
        }
        gradientsNeedZeroing = !applied
        return norm
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
