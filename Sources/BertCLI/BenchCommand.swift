// swift-bert — the `bert` command.

import ArgumentParser
import BERT
import Distributed
import Foundation
import Kernels
import Training

/// `bert bench`: the speed of full training steps with random weights.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training steps (forward, backward, clipping, AdamW) with random weights.",
        discussion: """
            Prints the median step time after warm-up, real tokens per second, achieved GFLOPS \
            (6 × non-embedding parameters × tokens, plus attention) and its fraction of a large \
            sgemm's rate measured in the same run, and the peak resident memory. Under mpirun the \
            ranks share each batch, as bert train does, and rank 0 also prints the gradient \
            all-reduce per step: bytes, seconds in MPI, and the part of them spent waiting after \
            the backward pass against the buckets' time from first launch to sum.
            """)

    @Option(name: .long, help: "bert-base-uncased, minilm, or a config.json file.")
    var config: String = "bert-base-uncased"

    @Option(name: .long, parsing: .unconditional, help: "Sequences per step.")
    var batchSize: Int = 32

    @Option(name: .long, parsing: .unconditional, help: "Tokens per sequence, [CLS] and [SEP] included.")
    var seqLength: Int = 64

    @Option(
        name: .long,
        help: ArgumentHelp(
            "fixed (every sequence --seq-length tokens) or cola (CoLA's real lengths, packed).",
            valueName: "fixed|cola"))
    var lengths: String = "fixed"

    @Option(name: .long, parsing: .unconditional, help: "With --lengths cola: the epochs of the projected tutorial run.")
    var epochs: Int = 4

    @Option(name: .long, parsing: .unconditional, help: "Timed steps after warm-up.")
    var steps: Int = 10

    @Option(name: .long, parsing: .unconditional, help: "Untimed warm-up steps.")
    var warmup: Int = 2

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    @OptionGroup(title: "Compute") var compute: ComputeOptions

    @OptionGroup(title: "Data parallel (mpirun)") var dataParallel: DataParallelOptions

    @Flag(name: .long, help: "Train only the head, the encoder frozen.")
    var freezeEncoder = false

    @Option(name: .long, parsing: .unconditional, help: "Freeze the embeddings and the first N layers.")
    var freezeLayers: Int?

    @Flag(name: .long, help: .hidden)
    var printColaLengths = false

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
        if seqLength < 2 { throw ValidationError("--seq-length must be ≥ 2") }
        if steps < 1 { throw ValidationError("--steps must be ≥ 1") }
        if warmup < 0 { throw ValidationError("--warmup must be ≥ 0") }
        if lengths != "fixed" && lengths != "cola" {
            throw ValidationError("--lengths must be fixed or cola, not '\(lengths)'")
        }
        if epochs < 1 { throw ValidationError("--epochs must be ≥ 1") }
        if freezeEncoder && freezeLayers != nil {
            throw ValidationError("--freeze-encoder and --freeze-layers: give one of them")
        }
        if let freezeLayers, freezeLayers < 0 { throw ValidationError("--freeze-layers must be ≥ 0") }
    }

    func run() throws {
        let communicator = try Communicator.detect()
        do {
            try run(on: communicator)
        } catch {
            throw TrainCommand.rankError(error, communicator)
        }
        // Only a successful run finalizes: Open MPI's MPI_Finalize waits for every rank.
        try communicator.finalize()
    }

    /// The benchmark on this rank of `communicator`; rank 0 alone prints.
    func run(on communicator: Communicator) throws {
        if printColaLengths {
            // For Benchmarks/train_speed.py: PyTorch runs the same batches.
            print(CoLALengths.shuffledLengths(seed: 42).map { String(max(2, $0)) }.joined(separator: " "))
            return
        }
        let configuration: BertConfiguration
        switch config {
        case "bert-base-uncased": configuration = .bertBaseUncased
        case "minilm": configuration = .miniLM
        default: configuration = try BertConfiguration.load(from: URL(fileURLWithPath: config))
        }
        if seqLength > configuration.maxPositionEmbeddings {
            throw CLIError("--seq-length \(seqLength) exceeds max_position_embeddings \(configuration.maxPositionEmbeddings)")
        }
        let cola = lengths == "cola"
        let longestCoLA = CoLALengths.histogram.map(\.length).max() ?? 0
        if cola && longestCoLA > configuration.maxPositionEmbeddings {
            throw CLIError("--lengths cola needs \(longestCoLA) positions; max_position_embeddings is \(configuration.maxPositionEmbeddings)")
        }
        compute.apply()
        var benchmark = TrainingBenchmark(
            configuration: configuration, batchSize: batchSize,
            lengths: cola ? CoLALengths.shuffledLengths(seed: 42) : [seqLength],
            steps: steps, warmupSteps: warmup, precision: compute.precision)
        benchmark.freezing = freezeEncoder ? .encoder : freezeLayers.map { .layers($0) } ?? .none
        benchmark.communicator = communicator
        benchmark.bucketCapacity = dataParallel.bucketCapacity
        benchmark.overlapsGradientReduction = dataParallel.overlapAllreduce
        let backend = Gemm.backend
        let r = try benchmark.run()
        guard communicator.isWriter else { return }
        let projected = cola ? benchmark.projectedCoLASeconds(epochs: epochs, result: r) : nil
        if json {
            var fields = [
                ("config", JSONText.string(config)), ("batch_size", String(batchSize)),
                ("lengths", JSONText.string(lengths)),
                ("seq_length", cola ? "null" : String(seqLength)), ("steps", String(steps)),
                ("median_step_seconds", JSONText.number(r.medianStepSeconds)),
                ("mean_step_seconds", JSONText.number(r.meanStepSeconds)),
                ("tokens_per_step", JSONText.number(r.tokensPerStep)),
                ("tokens_per_second", JSONText.number(r.tokensPerSecond)),
                ("gflops", JSONText.number(r.gflops)),
                ("peak_gemm_gflops", JSONText.number(r.peakGemmGflops)),
                ("peak_fraction", JSONText.number(r.peakFraction)),
                ("evaluation_seconds_per_example", JSONText.number(r.evaluationSecondsPerExample)),
                ("peak_memory_bytes", String(r.peakMemoryBytes)),
                ("threads", String(Kernels.threadCount)),
                ("gemm_backend", JSONText.string(backend.rawValue)),
                ("gemm_isa", JSONText.string(backend == .oneDNN ? GemmBackend.oneDNNISAName : GemmBackend.openBLASCoreName)),
                ("precision", JSONText.string(compute.precision.rawValue)),
                ("bf16_native", compute.bf16 ? String(backend.runsBFloat16Natively) : "null"),
                ("gemm", JSONText.string(backend.summary(precision: compute.precision))),
                ("onednn_primitives_created", String(GemmBackend.oneDNNPrimitivesCreated)),
            ]
            if let projected {
                fields.append(("cola_epochs", String(epochs)))
                fields.append(("projected_cola_seconds", JSONText.number(projected)))
            }
            if let c = r.communication {
                fields += [
                    ("ranks", String(c.ranks)), ("allreduce_bytes_per_step", String(c.bytesPerStep)),
                    ("allreduce_buckets", String(c.buckets)),
                    ("allreduce_overlap", String(dataParallel.overlapAllreduce)),
                    ("allreduce_seconds", JSONText.number(c.seconds)),
                    ("allreduce_wait_seconds", JSONText.number(c.waitSeconds)),
                    ("allreduce_bucket_seconds", JSONText.number(c.bucketSeconds)),
                ]
            }
            print(JSONText.object(fields))
        } else {
            let shape = cola ? "CoLA's lengths (mean \(String(format: "%.1f", r.tokensPerStep / Double(batchSize))) tokens)" : "\(seqLength) tokens"
            print("config \(config), batch \(batchSize) × \(shape), \(steps) steps after \(warmup) warm-up, \(Kernels.threadCount) threads")
            print("  gemm:             \(backend.summary(precision: compute.precision))")
            print(String(format: "  median step:      %.3f s (mean %.3f s)", r.medianStepSeconds, r.meanStepSeconds))
            print(String(format: "  tokens/s:         %.0f", r.tokensPerSecond))
            print(String(format: "  achieved:         %.1f GFLOPS (%.0f %% of a 2048³ %@ GEMM's %.1f GFLOPS)",
                r.gflops, 100 * r.peakFraction, compute.precision.rawValue, r.peakGemmGflops))
            print(String(format: "  peak memory:      %.2f GiB", Double(r.peakMemoryBytes) / 1_073_741_824))
            if backend == .oneDNN {
                print("  oneDNN:           \(GemmBackend.oneDNNPrimitivesCreated) primitives created (one per new shape and thread)")
            }
            if let c = r.communication {
                let overlap = dataParallel.overlapAllreduce ? "overlapped" : "after backward"
                print(String(format: "  all-reduce:       %d ranks, %.1f MB of gradients per step in %d buckets (%@)",
                    c.ranks, Double(c.bytesPerStep) / 1_000_000, c.buckets, overlap))
                print(String(format: "  in MPI:           %.1f ms per step, %.1f ms of it waiting after backward; buckets %.1f ms from first launch to sum",
                    c.seconds * 1000, c.waitSeconds * 1000, c.bucketSeconds * 1000))
            }
            if let projected {
                print(String(format: "  CoLA, %d epochs:   %.0f s projected (training steps at the mean step, validation and test in eval mode)", epochs, projected))
            }
        }
    }
}
