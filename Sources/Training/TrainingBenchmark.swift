// swift-bert — training.

import BERT
import Datasets
import Distributed
import Foundation
import Kernels
import Randomness

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Times full training steps (forward, loss, backward, clipping, AdamW) of a randomly
/// initialized model on synthetic batches, for `bert bench`.
public struct TrainingBenchmark: Sendable {
    /// What one benchmark run measured.
    public struct Result: Sendable, Equatable {
        /// Every step's seconds, warm-up included.
        public var stepSeconds: [Double]
        public var medianStepSeconds: Double
        /// Mean over the timed steps (batches of different lengths differ in cost).
        public var meanStepSeconds: Double
        /// Real (unpadded) tokens per timed step, on average.
        public var tokensPerStep: Double
        public var tokensPerSecond: Double
        /// FLOPs of the products a timed step runs, on average: 6 × each weight's elements ×
        /// the rows it multiplies (every token's, but one row a sequence past the last
        /// layer's attention, ``EncoderOutputRows/firstTokens``, and in the pooler), plus
        /// attention's 12 × L² × hidden per sequence and layer (QKᵀ and PV, forward and
        /// backward).
        public var flopsPerStep: Double
        public var gflops: Double
        /// Seconds per example of an eval-mode forward pass (``FineTuner/evaluate(_:)``) over
        /// the timed steps' examples, in batches of the same size.
        public var evaluationSecondsPerExample: Double
        /// A large GEMM's rate on this machine in the run's precision, measured in the same run.
        public var peakGemmGflops: Double
        public var peakFraction: Double
        /// Peak resident memory of the process (getrusage's ru_maxrss).
        public var peakMemoryBytes: Int
        /// Under `mpirun`: this rank's gradient all-reduce, means over the timed steps.
        public var communication: Communication?
    }

    /// What a data-parallel step's all-reduce cost this rank, per timed step on average
    /// (``CommunicationStatistics``).
    public struct Communication: Sendable, Equatable {
        public var ranks: Int
        /// Gradient bytes each rank sends into each step's sum.
        public var bytesPerStep: Int
        /// Seconds in MPI calls, during and after the backward pass.
        public var seconds: Double
        /// Seconds after the backward pass: what the overlap did not hide.
        public var waitSeconds: Double
        /// Seconds from the first bucket's launch until every bucket held the sum.
        public var bucketSeconds: Double
        /// Gradient buckets per step.
        public var buckets: Int
    }

    public var configuration: BertConfiguration
    public var batchSize: Int
    /// Every sequence's length (special tokens included), cycled over the batches.
    public var lengths: [Int]
    public var steps: Int
    public var warmupSteps: Int
    public var seed: UInt64
    /// The element type of the GEMMs (`--bf16`).
    public var precision: Precision
    /// Frozen encoder parameters (`--freeze-encoder`, `--freeze-layers`).
    public var freezing: BertEncoder.Freezing = .none
    /// The ranks that share each step's batch (`mpirun`; a single process by default): each
    /// computes its share of the `batchSize` sequences, as `bert train` does.
    public var communicator: Communicator = .singleProcess()
    /// ``FineTuningOptions/bucketCapacity``.
    public var bucketCapacity = GradientBuckets.defaultCapacity
    /// ``FineTuningOptions/overlapsGradientReduction``.
    public var overlapsGradientReduction = true

    public init(
        configuration: BertConfiguration, batchSize: Int, lengths: [Int], steps: Int,
        warmupSteps: Int = 2, seed: UInt64 = 42, precision: Precision = .float32
    ) {
        precondition(!lengths.isEmpty, "TrainingBenchmark: no lengths")
        self.configuration = configuration
        self.batchSize = batchSize
        self.lengths = lengths
        self.steps = steps
        self.warmupSteps = warmupSteps
        self.seed = seed
        self.precision = precision
    }

    /// The length of the `index`-th sequence drawn (at least 2: `[CLS]` and `[SEP]`).
    func length(_ index: Int) -> Int { max(2, lengths[index % lengths.count]) }

    /// Runs the benchmark.
    public func run() throws -> Result {
        var generator = SeededGenerator(seed: seed, stream: 0x62_65_6E_63_68)  // "bench"
        let model = BertForSequenceClassification(configuration: configuration)
        model.initialize(model.table.entries.map(\.name), generator: &generator)
        let total = steps + warmupSteps
        var examples = EncodedExamples()
        // Word pieces from above BERT's special and unused ids when the vocabulary is large.
        let vocab = configuration.vocabSize
        let firstWord = vocab > 2_000 ? 1_000 : 0
        for index in 0..<(total * batchSize) {
            var ids: [Int32] = [Int32(min(101, vocab - 1))]
            for _ in 0..<(length(index) - 2) {
                ids.append(Int32(firstWord + generator.nextIndex(below: vocab - firstWord)))
            }
            ids.append(Int32(min(102, vocab - 1)))
            examples.append(
                inputIDs: ids, label: Int32(generator.nextIndex(below: configuration.numLabels)))
        }
        var options = FineTuningOptions()
        options.epochs = 1
        options.batchSize = batchSize
        options.shuffle = false
        options.seed = seed
        options.precision = precision
        options.freezing = freezing
        options.bucketCapacity = bucketCapacity
        options.overlapsGradientReduction = overlapsGradientReduction
        let tuner = try FineTuner(model: model, options: options, communicator: communicator)
        var elapsed: [Double] = []
        var perStepCommunication: [CommunicationStatistics] = []
        _ = try tuner.train(on: examples, validation: EncodedExamples()) { event in
            if case .step(let report) = event {
                elapsed.append(report.elapsed)
                perStepCommunication.append(tuner.communication)
            }
        }
        let communication = summarize(
            perStepCommunication.dropFirst(warmupSteps), tuner: tuner)
        let perStep = zip(elapsed, [0] + elapsed.dropLast()).map { $0 - $1 }
        let timed = Array(perStep.dropFirst(warmupSteps))
        let sorted = timed.sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        let timedSeconds = timed.reduce(0, +)
        let mean = timed.isEmpty ? 0 : timedSeconds / Double(timed.count)
        let firstTimed = warmupSteps * batchSize
        let timedSequences = firstTimed..<(total * batchSize)
        let tokens = Double(timedSequences.reduce(0) { $0 + length($1) })
        let flops = flops(sequences: timedSequences)

        let clock = ContinuousClock()
        let evaluationStart = clock.now
        _ = try tuner.evaluate(examples)
        let evaluationSeconds = FineTuner.seconds(clock.now - evaluationStart)

        let peak = Self.measureGemmGflops(precision: precision)
        let gflops = timedSeconds > 0 ? flops / timedSeconds / 1e9 : 0
        let stepCount = Double(max(1, timed.count))
        return Result(
            stepSeconds: perStep, medianStepSeconds: median, meanStepSeconds: mean,
            tokensPerStep: tokens / stepCount,
            tokensPerSecond: timedSeconds > 0 ? tokens / timedSeconds : 0,
            flopsPerStep: flops / stepCount, gflops: gflops,
            evaluationSecondsPerExample: evaluationSeconds / Double(max(1, examples.count)),
            peakGemmGflops: peak, peakFraction: peak > 0 ? gflops / peak : 0,
            peakMemoryBytes: Self.peakResidentBytes(), communication: communication)
    }

    /// The timed steps' all-reduce figures of a data-parallel run; nil for one process.
    func summarize(_ steps: ArraySlice<CommunicationStatistics>, tuner: FineTuner)
        -> Communication?
    {
        guard tuner.isDataParallel, let last = steps.last else { return nil }
        let count = Double(steps.count)
        return Communication(
            ranks: communicator.size, bytesPerStep: last.bytesPerStep,
            seconds: steps.reduce(0) { $0 + $1.lastSeconds } / count,
            waitSeconds: steps.reduce(0) { $0 + $1.lastWaitSeconds } / count,
            bucketSeconds: steps.reduce(0) { $0 + $1.lastBucketSeconds } / count,
            buckets: tuner.gradientReduction?.plan.buckets.count ?? 0)
    }

    /// FLOPs of training steps over the sequences numbered `sequences`.
    public func flops(sequences: Range<Int>) -> Double {
        let c = configuration
        let h = Double(c.hiddenSize)
        let projections = 3 * h * h
        let pastAttention = h * h + 2 * h * Double(c.intermediateSize)
        let layers = Double(c.numHiddenLayers)
        var flops = 0.0
        for index in sequences {
            let length = Double(length(index))
            // Every layer's Q/K/V on every token; the rest of the last layer and the pooler
            // on the [CLS] row alone.
            let rowsPastAttention = layers > 0 ? (layers - 1) * length + 1 : 0
            flops += 6 * (layers * projections * length + pastAttention * rowsPastAttention + h * h)
            flops += 12 * length * length * h * layers
        }
        return flops
    }

    /// The time of the tutorial's run on CoLA projected from `result`: per epoch, its
    /// training steps (``CoLALengths/trainingCount`` sentences in batches of `batchSize`) at
    /// the mean step time and the validation part (856 sentences) in eval mode; then
    /// out_of_domain_dev and in_domain_dev (1,043 sentences). Meaningful for a result
    /// measured with CoLA's lengths.
    public func projectedCoLASeconds(epochs: Int, result: Result) -> Double {
        let batches = (CoLALengths.trainingCount + batchSize - 1) / batchSize
        let validation = CoLALengths.sentenceCount - CoLALengths.trainingCount
        let perEpoch =
            Double(batches) * result.meanStepSeconds
            + Double(validation) * result.evaluationSecondsPerExample
        return Double(epochs) * perEpoch
            + Double(CoLALengths.heldOutCount) * result.evaluationSecondsPerExample
    }

    /// The best rate of a 2048 × 2048 × 2048 GEMM in `precision` on `Kernels.threadCount`
    /// threads with the current backend (``Gemm/peakGflops(size:precision:)``).
    public static func measureGemmGflops(precision: Precision = .float32) -> Double {
        Gemm.peakGflops(size: 2048, precision: precision)
    }

    /// Peak resident memory of this process in bytes.
    public static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #else
            getrusage(RUSAGE_SELF, &usage)
            return Int(usage.ru_maxrss)  // bytes on macOS
        #endif
    }
}
