// swift-bert — training.

import BERT
import Datasets
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
        public var stepSeconds: [Double]
        public var medianStepSeconds: Double
        /// Real (unpadded) tokens per step.
        public var tokensPerStep: Int
        public var tokensPerSecond: Double
        /// Model FLOPs per step: 6 × non-embedding parameters × tokens, plus attention's
        /// 12 × L² × hidden per sequence and layer (QKᵀ and PV, forward and backward).
        public var flopsPerStep: Double
        public var gflops: Double
        /// A large single-precision GEMM's rate on this machine, measured in the same run.
        public var peakGemmGflops: Double
        public var peakFraction: Double
        /// Peak resident memory of the process (getrusage's ru_maxrss).
        public var peakMemoryBytes: Int
    }

    public var configuration: BertConfiguration
    public var batchSize: Int
    /// Every sequence's length (special tokens included), cycled over the batches.
    public var lengths: [Int]
    public var steps: Int
    public var warmupSteps: Int
    public var seed: UInt64

    public init(
        configuration: BertConfiguration, batchSize: Int, lengths: [Int], steps: Int,
        warmupSteps: Int = 2, seed: UInt64 = 42
    ) {
        self.configuration = configuration
        self.batchSize = batchSize
        self.lengths = lengths
        self.steps = steps
        self.warmupSteps = warmupSteps
        self.seed = seed
    }

    /// Runs the benchmark.
    public func run() throws -> Result {
        var generator = SeededGenerator(seed: seed, stream: 0x62_65_6E_63_68)  // "bench"
        let model = BertForSequenceClassification(configuration: configuration)
        model.initialize(model.table.entries.map(\.name), generator: &generator)
        let total = steps + warmupSteps
        var examples = EncodedExamples()
        let vocab = configuration.vocabSize
        for index in 0..<(total * batchSize) {
            let length = max(2, lengths[index % lengths.count])
            var ids: [Int32] = [101]
            for _ in 0..<(length - 2) { ids.append(Int32(1000 + generator.nextIndex(below: vocab - 1000))) }
            ids.append(102)
            examples.append(inputIDs: ids, label: Int32(generator.nextIndex(below: configuration.numLabels)))
        }
        var options = FineTuningOptions()
        options.epochs = 1
        options.batchSize = batchSize
        options.shuffle = false
        options.seed = seed
        let tuner = try FineTuner(model: model, options: options)
        var elapsed: [Double] = []
        _ = try tuner.train(on: examples, validation: EncodedExamples()) { event in
            if case .step(let report) = event { elapsed.append(report.elapsed) }
        }
        let perStep = zip(elapsed, [0] + elapsed.dropLast()).map { $0 - $1 }
        let measured = Array(perStep.dropFirst(warmupSteps)).sorted()
        let median = measured.isEmpty ? 0 : measured[measured.count / 2]
        let tokensPerStep = (0..<batchSize).reduce(0) { $0 + max(2, lengths[$1 % lengths.count]) }
        let flops = flopsPerStep()
        let peak = Self.measureGemmGflops()
        let gflops = median > 0 ? flops / median / 1e9 : 0
        return Result(
            stepSeconds: perStep, medianStepSeconds: median, tokensPerStep: tokensPerStep,
            tokensPerSecond: median > 0 ? Double(tokensPerStep) / median : 0,
            flopsPerStep: flops, gflops: gflops, peakGemmGflops: peak,
            peakFraction: peak > 0 ? gflops / peak : 0, peakMemoryBytes: Self.peakResidentBytes())
    }

    /// FLOPs of one training step on a batch of the first `batchSize` lengths.
    public func flopsPerStep() -> Double {
        let c = configuration
        let h = Double(c.hiddenSize)
        let perLayer = 4 * h * h + 2 * h * Double(c.intermediateSize)
        let nonEmbedding = Double(c.numHiddenLayers) * perLayer + h * h
        var flops = 0.0
        for index in 0..<batchSize {
            let length = Double(max(2, lengths[index % lengths.count]))
            flops += 6 * nonEmbedding * length
            flops += 12 * length * length * h * Double(c.numHiddenLayers)
        }
        return flops
    }

    /// The rate of a 2048 × 2048 × 2048 `cblas_sgemm` on all of `Kernels.threadCount`, best
    /// of three.
    public static func measureGemmGflops() -> Double {
        let n = 2048
        let a = FloatBuffer(count: n * n)
        let b = FloatBuffer(count: n * n)
        let c = FloatBuffer(count: n * n)
        for index in 0..<(n * n) {
            a.pointer[index] = Float(index % 7) * 0.1
            b.pointer[index] = Float(index % 5) * 0.1
        }
        var best = Double.infinity
        let clock = ContinuousClock()
        for _ in 0..<3 {
            let start = clock.now
            Gemm.multiply(c.pointer, a.pointer, b.pointer, m: n, n: n, k: n)
            let duration = clock.now - start
            let seconds =
                Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            best = min(best, seconds)
        }
        return 2 * Double(n * n * n) / best / 1e9
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
