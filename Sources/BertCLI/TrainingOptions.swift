// swift-bert — the `bert` command.

import ArgumentParser
import Foundation
import Training

/// The hyperparameters of `bert train`; the defaults are the tutorial's.
struct TrainingOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Passes over the training set.")
    var epochs: Int = 4

    @Option(name: .long, parsing: .unconditional, help: "Sequences per optimizer step (and per validation batch).")
    var batchSize: Int = 32

    @Option(name: .long, parsing: .unconditional, help: "AdamW's base learning rate, decayed linearly to 0.")
    var learningRate: Double = 2e-5

    @Option(name: .long, parsing: .unconditional, help: "AdamW's epsilon.")
    var adamEpsilon: Double = 1e-8

    @Option(name: .long, parsing: .unconditional, help: "AdamW's decoupled weight decay, applied to every parameter.")
    var weightDecay: Double = 0

    @Option(name: .long, parsing: .unconditional, help: "Linear warm-up steps.")
    var warmupSteps: Int = 0

    @Option(name: .long, parsing: .unconditional, help: "Warm-up as a fraction of all steps (used when --warmup-steps is 0).")
    var warmupRatio: Double = 0

    @Option(name: .long, parsing: .unconditional, help: "Clip the global gradient norm to this (clip_grad_norm_).")
    var maxGradNorm: Float = 1.0

    @Option(name: .long, parsing: .unconditional, help: "Seed for batch order, dropout and new weights.")
    var seed: UInt64 = 42

    @Option(name: .long, parsing: .unconditional, help: "Hidden and attention dropout probability (default: the config's).")
    var dropout: Double?

    @Flag(name: .long, help: "Take training batches in file order instead of a random order.")
    var noShuffle = false

    @Option(name: .long, parsing: .unconditional, help: "Report progress every this many batches.")
    var logEvery: Int = 40

    @Option(name: .long, parsing: .unconditional, help: "Stop after this many optimizer steps (for smoke runs).")
    var maxSteps: Int?

    @Option(name: .long, parsing: .unconditional, help: "Train on only the first N training examples (for tests).")
    var limitTrain: Int?

    @Flag(
        name: .long,
        help: "Skip the update of a step whose loss or gradient norm is NaN or infinite, instead of stopping.")
    var skipNonfinite = false

    @Option(
        name: .long, parsing: .unconditional,
        help: "Sum the gradients of this many batches before each optimizer step (HF's gradient_accumulation_steps).")
    var gradientAccumulationSteps: Int = 1

    @Flag(name: .long, help: "Train only the head: the encoder's parameters stay as loaded (feature extractor).")
    var freezeEncoder = false

    @Option(
        name: .long, parsing: .unconditional,
        help: "Keep the embeddings and the first N encoder layers as loaded.")
    var freezeLayers: Int?

    @Option(
        name: .long, parsing: .unconditional,
        help: "Class weights of the loss: balanced (scikit-learn's n / (classes · count)) or one weight per label, comma-separated (CrossEntropyLoss(weight=…)).")
    var classWeights: String?

    /// `--class-weights` as given: nil, `.balanced`, or explicit weights.
    enum ClassWeights: Equatable {
        case balanced
        case weights([Float])
    }

    var parsedClassWeights: ClassWeights? {
        get throws {
            guard let classWeights else { return nil }
            if classWeights == "balanced" { return .balanced }
            let parts = classWeights.split(separator: ",", omittingEmptySubsequences: false)
            let weights = parts.map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard !weights.isEmpty, weights.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite }),
                weights.contains(where: { $0! > 0 })
            else {
                throw ValidationError(
                    "--class-weights must be balanced or comma-separated weights ≥ 0, not all 0 (got '\(classWeights)')")
            }
            return .weights(weights.map { $0! })
        }
    }

    func validate() throws {
        _ = try parsedClassWeights
        if gradientAccumulationSteps < 1 {
            throw ValidationError("--gradient-accumulation-steps must be ≥ 1")
        }
        if freezeEncoder && freezeLayers != nil {
            throw ValidationError("--freeze-encoder and --freeze-layers: give one of them")
        }
        if let freezeLayers, freezeLayers < 0 { throw ValidationError("--freeze-layers must be ≥ 0") }
        if epochs < 1 { throw ValidationError("--epochs must be ≥ 1") }
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
        if !(learningRate >= 0) || !learningRate.isFinite {
            throw ValidationError("--learning-rate must be ≥ 0")
        }
        if !(adamEpsilon >= 0) { throw ValidationError("--adam-epsilon must be ≥ 0") }
        if !(weightDecay >= 0) { throw ValidationError("--weight-decay must be ≥ 0") }
        if warmupSteps < 0 { throw ValidationError("--warmup-steps must be ≥ 0") }
        if !(0...1).contains(warmupRatio) {
            throw ValidationError("--warmup-ratio must be in [0, 1]")
        }
        if !(maxGradNorm > 0) { throw ValidationError("--max-grad-norm must be > 0") }
        if let dropout, !(0..<1).contains(dropout) {
            throw ValidationError("--dropout must be in [0, 1)")
        }
        if logEvery < 1 { throw ValidationError("--log-every must be ≥ 1") }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be ≥ 1") }
        if let limitTrain, limitTrain < 1 { throw ValidationError("--limit-train must be ≥ 1") }
    }

    /// The library's options.
    var fineTuningOptions: FineTuningOptions {
        var options = FineTuningOptions()
        options.epochs = epochs
        options.batchSize = batchSize
        options.evaluationBatchSize = batchSize
        options.learningRate = learningRate
        options.adamEpsilon = adamEpsilon
        options.weightDecay = weightDecay
        options.warmupSteps = warmupSteps
        options.warmupRatio = warmupRatio
        options.maxGradientNorm = maxGradNorm
        options.seed = seed
        options.shuffle = !noShuffle
        options.maxSteps = maxSteps
        options.skipNonFinite = skipNonfinite
        options.gradientAccumulationSteps = gradientAccumulationSteps
        options.freezing = freezeEncoder ? .encoder : freezeLayers.map { .layers($0) } ?? .none
        return options
    }
}

/// `elapsed` seconds as the tutorial's `format_time` prints them (`h:mm:ss`, rounded).
func formatTime(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    let minutes = String(total / 60 % 60)
    let secs = String(total % 60)
    return "\(total / 3600):"
        + String(repeating: "0", count: 2 - minutes.count) + minutes + ":"
        + String(repeating: "0", count: 2 - secs.count) + secs
}

/// `value` with `digits` decimals, as Python's `{:.Nf}` (both round the exact binary value).
func fixed(_ value: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", value)
}

/// `value` right-aligned in `width` columns.
func padded(_ value: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - value.count)) + value
}
