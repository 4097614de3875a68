// swift-bert — numeric kernels.
//
// Which library runs the matrix products, chosen at run time from what the CPU has.

import Foundation
import _CBLAS
import _OneDNN

/// The library behind ``Gemm``.
///
/// Chosen once per process by ``GemmBackend/automatic`` from CPU features (never from a list
/// of CPU models), or set by the caller (`bert --gemm`, `SWIFT_BERT_GEMM`). The choice is
/// deterministic on a machine, so the same run on the same machine gives the same bits.
public enum GemmBackend: String, Sendable, CaseIterable, Codable {
    /// oneDNN's matmul primitives (brgemm kernels: AVX2, AVX-512, AMX), fp32 and bf16.
    case oneDNN = "onednn"
    /// CBLAS `sgemm`: OpenBLAS on Linux, Accelerate on macOS; fp32 only (bf16 is emulated).
    case openBLAS = "openblas"

    /// Whether the backend can run on this machine.
    public var isAvailable: Bool {
        switch self {
        case .oneDNN: return swiftbert_onednn_available() != 0
        case .openBLAS: return true
        }
    }

    /// The backend this machine gets without an override, and why.
    ///
    /// The rule, measured on the two CPUs this project has met (Benchmarks/README.md):
    /// 1. oneDNN when its kernels reach AVX-512 here (fp32 brgemm 245–312 GFLOPS on 2 cores of
    ///    a Xeon with AMX, against 182 for OpenBLAS's best kernels, and the only bf16 path);
    /// 2. oneDNN when the CPU has AVX2 but OpenBLAS did not recognise it and runs generic
    ///    kernels (Debian's OpenBLAS 0.3.21 on that Xeon: "Prescott", SSE3, 30–51 GFLOPS);
    /// 3. otherwise OpenBLAS. On an AVX2 EPYC (Zen 3) its Zen kernels and oneDNN's AVX2
    ///    `gemm:jit` are within 25 % shape by shape (48–74 against 51–83 GFLOPS a core), but
    ///    oneDNN builds a primitive for every new token count, and a CoLA epoch took 72.4 s
    ///    with OpenBLAS against 81.0 s with oneDNN.
    public static var automatic: (backend: GemmBackend, reason: String) {
        let core = openBLASCoreName
        guard GemmBackend.oneDNN.isAvailable else {
            return (.openBLAS, "oneDNN is not available; OpenBLAS core \(core)")
        }
        let isa = swiftbert_onednn_isa()
        if isa & avx512CoreMask == avx512CoreMask {
            return (.oneDNN, "oneDNN reaches \(oneDNNISAName) on this CPU")
        }
        if cpuHasAVX2 && !openBLASHasVectorKernels {
            return (.oneDNN, "the CPU has AVX2 but OpenBLAS runs its generic \(core) kernels")
        }
        return (.openBLAS, "oneDNN tops out at \(oneDNNISAName); OpenBLAS runs \(core) kernels")
    }

    /// Whether the CPU has AVX2 (x86-64).
    public static var cpuHasAVX2: Bool { swiftbert_cpu_has_avx2() != 0 }

    /// The kernel family OpenBLAS picked at load time ("Accelerate" on macOS).
    public static var openBLASCoreName: String { String(cString: swiftbert_blas_core_name()) }

    /// Whether OpenBLAS runs kernels written for AVX2 or later (its Haswell, Zen, SkylakeX,
    /// Cooperlake and SapphireRapids kernel families), not one of its generic SSE ones.
    public static var openBLASHasVectorKernels: Bool {
        let vector = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids", "accelerate"]
        return vector.contains(openBLASCoreName.lowercased())
    }

    /// oneDNN's name for the instruction set its kernels use here (e.g. "avx512_core_amx").
    public static var oneDNNISAName: String {
        guard GemmBackend.oneDNN.isAvailable else { return "none" }
        let isa = swiftbert_onednn_isa()
        let names: [(UInt32, String)] = [
            (0x3E7, "avx512_core_amx"), (0xE7, "avx512_core_bf16"), (0x67, "avx512_core_vnni"),
            (0x27, "avx512_core"), (0x407, "avx2_vnni"), (0x7, "avx2"), (0x3, "avx"),
            (0x1, "sse41"),
        ]
        return names.first { isa & $0.0 == $0.0 }?.1 ?? "baseline"
    }

    /// Whether bf16 products run natively (AVX512_BF16 or AMX through oneDNN) with this
    /// backend; otherwise ``Gemm`` emulates them (inputs rounded to bf16, fp32 product).
    public var runsBFloat16Natively: Bool {
        self == .oneDNN && isAvailable && swiftbert_onednn_has_bf16() != 0
    }

    /// What a product of `precision` runs on: backend, ISA or kernel family, and whether bf16
    /// is emulated; e.g. "onednn (avx512_core_amx), bf16 native".
    public func summary(precision: Precision) -> String {
        let detail =
            self == .oneDNN ? GemmBackend.oneDNNISAName : "core \(GemmBackend.openBLASCoreName)"
        let mode =
            precision == .float32
            ? "fp32" : runsBFloat16Natively ? "bf16 native" : "bf16 emulated (fp32 GEMMs)"
        return "\(rawValue) (\(detail)), \(mode)"
    }

    /// The implementation oneDNN picks for an `m × n × k` product with `precision` inputs
    /// (e.g. "brg:avx512_core_amx_bf16"), or OpenBLAS's kernel family: what tests check to
    /// know that no product falls back to generic kernels.
    public func kernelName(precision: Precision, m: Int, n: Int, k: Int) -> String {
        switch self {
        case .openBLAS:
            return GemmBackend.openBLASCoreName
        case .oneDNN:
            var buffer = [CChar](repeating: 0, count: 128)
            let type = precision == .bfloat16 && runsBFloat16Natively
                ? Int32(SWIFTBERT_ONEDNN_BF16) : Int32(SWIFTBERT_ONEDNN_F32)
            let status = swiftbert_onednn_implementation(type, m, n, k, &buffer, 128)
            guard status == 0 else { return "unavailable (status \(status))" }
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// Primitives oneDNN has created in this process (one per new product shape and thread).
    public static var oneDNNPrimitivesCreated: Int { swiftbert_onednn_primitives_created() }

    /// Products oneDNN has executed in this process.
    public static var oneDNNExecutions: Int { swiftbert_onednn_executions() }

    private static let avx512CoreMask: UInt32 = 0x27
}

/// The element type of a model's matrix products.
public enum Precision: String, Sendable, CaseIterable, Codable {
    /// Everything in fp32: the default and the parity reference.
    case float32 = "fp32"
    /// Mixed precision as `torch.autocast("cpu", dtype=torch.bfloat16)`: GEMM inputs in bf16,
    /// accumulation and outputs in fp32, everything else in fp32.
    case bfloat16 = "bf16"
}

extension Gemm {
    /// The backend every product of this process uses: `SWIFT_BERT_GEMM` (`onednn`,
    /// `openblas`; `auto` or unset for ``GemmBackend/automatic``), read once, unless set.
    ///
    /// Set it before starting work, from one thread, as ``Kernels/threadCount``.
    public static var backend: GemmBackend {
        get { BackendSetting.current }
        set {
            precondition(newValue.isAvailable, "Gemm: backend \(newValue.rawValue) is not available")
            BackendSetting.current = newValue
        }
    }

    /// `SWIFT_BERT_GEMM`'s backend, `nil` for `auto` or unset; an error text for another value.
    public static func environmentBackend() -> Result<GemmBackend?, GemmSettingError> {
        let value = ProcessInfo.processInfo.environment["SWIFT_BERT_GEMM"] ?? ""
        return parseBackend(value, source: "SWIFT_BERT_GEMM")
    }

    /// `auto` (nil), `onednn` or `openblas`, or an error naming `source` and the choices.
    public static func parseBackend(_ text: String, source: String) -> Result<
        GemmBackend?, GemmSettingError
    > {
        let value = text.lowercased()
        if value.isEmpty || value == "auto" { return .success(nil) }
        guard let backend = GemmBackend(rawValue: value) else {
            return .failure(GemmSettingError("\(source): '\(text)' is not auto, onednn or openblas"))
        }
        guard backend.isAvailable else {
            return .failure(GemmSettingError("\(source): \(value) is not available on this machine"))
        }
        return .success(backend)
    }
}

/// A backend setting that cannot be honoured: its text names the setting and the value.
public struct GemmSettingError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Storage for `Gemm.backend`.
enum BackendSetting {
    nonisolated(unsafe) static var current: GemmBackend = {
        if case .success(let backend?) = Gemm.environmentBackend() { return backend }
        return GemmBackend.automatic.backend
    }()
}
