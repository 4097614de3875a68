// swift-bert — the `bert` command.

import ArgumentParser
import BERT
import Foundation
import Training

/// `bert bench`: the speed of full training steps with random weights.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training steps (forward, backward, clipping, AdamW) with random weights.",
        discussion: """
            Prints the median step time after warm-up, real tokens per second, achieved GFLOPS \
            (6 × non-embedding parameters × tokens, plus attention) and its fraction of a large \
            sgemm's rate measured in the same run, and the peak resident memory.
            """)

    @Option(name: .long, help: "bert-base-uncased, minilm, or a config.json file.")
    var config: String = "bert-base-uncased"

    @Option(name: .long, help: "Sequences per step.")
    var batchSize: Int = 32

    @Option(name: .long, help: "Tokens per sequence, [CLS] and [SEP] included.")
    var seqLength: Int = 64

    @Option(name: .long, help: "Timed steps after warm-up.")
    var steps: Int = 10

    @Option(name: .long, help: "Untimed warm-up steps.")
    var warmup: Int = 2

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
        if seqLength < 2 { throw ValidationError("--seq-length must be ≥ 2") }
        if steps < 1 { throw ValidationError("--steps must be ≥ 1") }
        if warmup < 0 { throw ValidationError("--warmup must be ≥ 0") }
    }

    func run() throws {
        let configuration: BertConfiguration
        switch config {
        case "bert-base-uncased": configuration = .bertBaseUncased
        case "minilm": configuration = .miniLM
        default: configuration = try BertConfiguration.load(from: URL(fileURLWithPath: config))
        }
        if seqLength > configuration.maxPositionEmbeddings {
            throw CLIError("--seq-length \(seqLength) exceeds max_position_embeddings \(configuration.maxPositionEmbeddings)")
        }
        let benchmark = TrainingBenchmark(
            configuration: configuration, batchSize: batchSize, lengths: [seqLength],
            steps: steps, warmupSteps: warmup)
        let r = try benchmark.run()
        if json {
            print(JSONText.object([
                ("config", JSONText.string(config)), ("batch_size", String(batchSize)),
                ("seq_length", String(seqLength)), ("steps", String(steps)),
                ("median_step_seconds", JSONText.number(r.medianStepSeconds)),
                ("tokens_per_second", JSONText.number(r.tokensPerSecond)),
                ("gflops", JSONText.number(r.gflops)),
                ("peak_gemm_gflops", JSONText.number(r.peakGemmGflops)),
                ("peak_fraction", JSONText.number(r.peakFraction)),
                ("peak_memory_bytes", String(r.peakMemoryBytes)),
            ]))
        } else {
            print("config \(config), batch \(batchSize) × \(seqLength) tokens, \(steps) steps after \(warmup) warm-up")
            print(String(format: "  median step:      %.3f s", r.medianStepSeconds))
            print(String(format: "  tokens/s:         %.0f", r.tokensPerSecond))
            print(String(format: "  achieved:         %.1f GFLOPS (%.0f %% of sgemm's %.1f GFLOPS)",
                r.gflops, 100 * r.peakFraction, r.peakGemmGflops))
            print(String(format: "  peak memory:      %.2f GiB", Double(r.peakMemoryBytes) / 1_073_741_824))
        }
    }
}
