// swift-bert — the `bert` command.

import ArgumentParser
import Distributed
import Foundation
import Kernels

/// How the matrix products run: `--bf16`, `--gemm` and `--threads`, shared by train,
/// evaluate, predict and bench.
struct ComputeOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: """
            Mixed precision as torch.autocast(cpu, bfloat16): GEMM inputs in bf16, fp32 \
            accumulation, master weights, gradients and everything else (HF Trainer's --bf16). \
            Native on CPUs with AVX512_BF16 or AMX, emulated (slower) elsewhere.
            """)
    var bf16 = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The GEMM library: auto (chosen from CPU features), onednn or openblas; default: SWIFT_BERT_GEMM, else auto.",
            valueName: "auto|onednn|openblas"))
    var gemm: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: "Compute threads (default: every CPU this process may run on; under mpirun, this rank's share of the node's CPUs).")
    var threads: Int?

    var precision: Precision { bf16 ? .bfloat16 : .float32 }

    /// `--threads`, else under an MPI launcher the rank's share of its node
    /// (``LaunchEnvironment/defaultThreadsPerRank(available:online:)``: ranks on one node
    /// would otherwise each start a thread per core), else `Kernels.threadCount`'s default.
    func applyThreads() {
        let launch = LaunchEnvironment()
        if let threads {
            Kernels.threadCount = threads
        } else if launch.isUnderMPI {
            Kernels.threadCount = launch.defaultThreadsPerRank()
        }
    }

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be ≥ 1") }
        if let gemm, case .failure(let error) = Gemm.parseBackend(gemm, source: "--gemm") {
            throw ValidationError(error.description)
        }
        if gemm == nil, case .failure(let error) = Gemm.environmentBackend() {
            throw ValidationError(error.description)
        }
    }

    /// Sets the threads (``applyThreads()``) and the backend and, for an emulated `--bf16`,
    /// says so once on stderr.
    func apply() {
        applyThreads()
        if let gemm, case .success(let backend) = Gemm.parseBackend(gemm, source: "--gemm") {
            Gemm.backend = backend ?? GemmBackend.automatic.backend
        }
        if bf16 && !Gemm.backend.runsBFloat16Natively {
            FileHandle.standardError.write(
                Data(
                    "Note: --bf16 is emulated on this CPU/backend (\(Gemm.backend.summary(precision: .bfloat16))): same numerics, slower than fp32.\n"
                        .utf8))
        }
    }
}
