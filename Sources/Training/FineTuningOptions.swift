// swift-bert — training.

import BERT
import Distributed
import Kernels

/// The hyperparameters of a fine-tuning run; the defaults are the tutorial's.
public struct FineTuningOptions: Sendable, Equatable {
    /// Passes over the training set.
    public var epochs = 4
    /// Sequences per optimizer step.
    public var batchSize = 32
    /// AdamW's base `lr`, decayed linearly to 0 by the schedule.
    public var learningRate = 2e-5
    /// AdamW's `eps`.
    public var adamEpsilon = 1e-8
    /// AdamW's `betas`.
    public var adamBeta1 = 0.9
    public var adamBeta2 = 0.999
    /// Decoupled weight decay, applied to every parameter (the tutorial's plain
    /// `AdamW(model.parameters())`).
    public var weightDecay = 0.0
    /// Linear warm-up steps; when 0, `ceil(warmupRatio · total steps)`.
    public var warmupSteps = 0
    /// Warm-up as a fraction of the total steps (transformers' `warmup_ratio`).
    public var warmupRatio = 0.0
    /// `clip_grad_norm_`'s `max_norm`.
    public var maxGradientNorm: Float = 1.0
    /// Seeds batch order and dropout.
    public var seed: UInt64 = 42
    /// Random batch order (`RandomSampler`); sequential otherwise.
    public var shuffle = true
    /// Stop after this many optimizer steps in all (the schedule still spans every epoch).
    public var maxSteps: Int?
    /// Sequences per forward pass during validation.
    public var evaluationBatchSize = 32
    /// Skip the update of a step whose loss or gradient norm is NaN or infinite, instead of
    /// stopping with ``TrainingError/nonFiniteStep(step:epoch:batch:loss:gradientNorm:)``.
    public var skipNonFinite = false
    /// The element type of the model's GEMMs: `.bfloat16` is HF Trainer's `--bf16` (mixed
    /// precision as `torch.autocast("cpu", dtype=torch.bfloat16)`, fp32 master weights,
    /// gradients and moments).
    public var precision: Precision = .float32
    /// Micro-batches whose gradients are summed before each optimizer step (HF Trainer's
    /// `gradient_accumulation_steps`): each micro-batch's mean loss is scaled by 1/N, so N
    /// equal micro-batches give the gradient of one batch N times as large. The schedule
    /// counts optimizer steps, `ceil(batches per epoch / N)` an epoch.
    public var gradientAccumulationSteps = 1
    /// Which encoder parameters stay fixed (`requires_grad = False`): `.encoder` trains only
    /// the head (the tutorial's feature-extractor use), `.layers(n)` freezes the embeddings
    /// and the first n layers.
    public var freezing: BertEncoder.Freezing = .none
    /// Per-class weights of the training loss, as `CrossEntropyLoss(weight=…)` (the weighted
    /// mean), for imbalanced labels; nil for none. ``balancedClassWeights(labels:classes:)``
    /// gives scikit-learn's `"balanced"` weights. Only the training loss is weighted; the
    /// validation loss stays the plain mean the tutorial reports.
    public var classWeights: [Float]?
    /// Data-parallel runs: the most gradient floats one all-reduce bucket holds (DDP's
    /// `bucket_cap_mb`, 25 MiB by default). Any capacity gives the same bits.
    public var bucketCapacity = GradientBuckets.defaultCapacity
    /// Data-parallel runs: launch each bucket's all-reduce as soon as the backward pass has
    /// finished its gradients (DDP's overlap), rather than all of them after the backward
    /// pass. Either gives the same bits.
    public var overlapsGradientReduction = true

    public init() {}

    /// Checks every value's range.
    /// - Throws: ``TrainingError/invalidOption(name:value:expected:)``.
    public func validate() throws {
        func check(_ ok: Bool, _ name: String, _ value: Any, _ expected: String) throws {
            if !ok {
                throw TrainingError.invalidOption(
                    name: name, value: "\(value)", expected: expected)
            }
        }
        try check(epochs >= 1, "epochs", epochs, "≥ 1")
        try check(batchSize >= 1, "batchSize", batchSize, "≥ 1")
        try check(evaluationBatchSize >= 1, "evaluationBatchSize", evaluationBatchSize, "≥ 1")
        try check(learningRate >= 0 && learningRate.isFinite, "learningRate", learningRate, "≥ 0")
        try check(adamEpsilon >= 0, "adamEpsilon", adamEpsilon, "≥ 0")
        try check(weightDecay >= 0, "weightDecay", weightDecay, "≥ 0")
        try check(warmupSteps >= 0, "warmupSteps", warmupSteps, "≥ 0")
        try check((0...1).contains(warmupRatio), "warmupRatio", warmupRatio, "in [0, 1]")
        try check(maxGradientNorm > 0, "maxGradientNorm", maxGradientNorm, "> 0")
        if let maxSteps { try check(maxSteps >= 1, "maxSteps", maxSteps, "≥ 1") }
        try check(
            gradientAccumulationSteps >= 1, "gradientAccumulationSteps", gradientAccumulationSteps,
            "≥ 1")
        try check(bucketCapacity >= 1, "bucketCapacity", bucketCapacity, "≥ 1 float")
        if case .layers(let n) = freezing { try check(n >= 0, "freezing", n, "≥ 0 layers") }
        if let classWeights {
            try check(
                classWeights.allSatisfy { $0 >= 0 && $0.isFinite } && classWeights.contains { $0 > 0 },
                "classWeights", classWeights, "finite, ≥ 0, not all 0")
        }
    }

    /// scikit-learn's `compute_class_weight("balanced")`: `n_samples / (n_classes ·
    /// count(class))` for each class, 0 for a class with no example (scikit-learn refuses).
    public static func balancedClassWeights(labels: [Int32], classes: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: classes)
        for label in labels where label >= 0 && Int(label) < classes { counts[Int(label)] += 1 }
        return counts.map {
            $0 == 0 ? 0 : Float(Double(labels.count) / (Double(classes) * Double($0)))
        }
    }

    /// The warm-up steps for a run of `totalSteps`, as transformers' `get_warmup_steps`:
    /// `warmupSteps` when positive, else `ceil(totalSteps · warmupRatio)`.
    public func effectiveWarmupSteps(totalSteps: Int) -> Int {
        warmupSteps > 0 ? warmupSteps : Int((Double(totalSteps) * warmupRatio).rounded(.up))
    }
}
