// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-bert",
    platforms: [.macOS(.v14)],
    products: [
        .library(
            name: "SwiftBERT",
            targets: [
                "Tokenization", "Kernels", "Checkpoints", "BERT", "Datasets", "Training",
                "Distributed",
            ]),
        .executable(name: "bert", targets: ["BertCLI"]),
        .executable(name: "bert-mpi-selftest", targets: ["MPISelfTest"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        // MARK: - Public modules

        .target(name: "Randomness", exclude: ["README.md"]),
        .target(
            name: "Tokenization", dependencies: ["_RegularFile", "_JSONKeys"],
            exclude: ["README.md"]),
        .target(
            name: "Kernels",
            dependencies: ["_CBLAS", "_OneDNN", "_VectorKernels", "_ThreadPool", "Randomness"],
            exclude: ["README.md"],
            linkerSettings: [
                .linkedLibrary("openblas", .when(platforms: [.linux])),
                .linkedFramework("Accelerate", .when(platforms: [.macOS])),
            ]),
        .target(
            name: "Checkpoints",
            dependencies: ["_RegularFile", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"]),
        .target(
            name: "BERT",
            dependencies: ["Kernels", "Checkpoints", "Tokenization", "Randomness", "_RegularFile"],
            exclude: ["README.md"]),
        .target(
            name: "Datasets",
            dependencies: [
                "BERT", "Checkpoints", "Tokenization", "Randomness", "_RegularFile", "_JSONKeys",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"]),
        .target(
            name: "Training",
            dependencies: [
                "BERT", "Datasets", "Distributed", "Kernels", "Randomness", "_RegularFile",
            ],
            exclude: ["README.md"]),
        // Data parallelism over MPI; Open MPI is opened at run time, never linked.
        .target(name: "Distributed", dependencies: ["_MPI"], exclude: ["README.md"]),

        // MARK: - Implementation details (not API)

        .systemLibrary(
            name: "_CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "pkg-config"])]),
        // oneDNN (Debian's libdnnl-dev) behind a BLAS-like call; compiles to an unavailable
        // backend where its header is missing (macOS).
        .target(
            name: "_OneDNN",
            linkerSettings: [
                .linkedLibrary("dnnl", .when(platforms: [.linux])),
                .linkedLibrary("gomp", .when(platforms: [.linux])),
            ]),
        // Open MPI 4 through dlopen/dlsym (no mpi.h or libmpi needed to build).
        .target(
            name: "_MPI", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(name: "_VectorKernels"),
        .target(name: "_ThreadPool"),
        .target(name: "_RegularFile"),
        .target(name: "_JSONKeys"),
        .target(name: "_AllocationCounter", dependencies: ["_ThreadPool"]),
        .target(name: "_TestSupport", dependencies: ["Randomness"]),

        // MARK: - Executables

        .executableTarget(
            name: "BertCLI",
            dependencies: [
                "Tokenization", "BERT", "Checkpoints", "Datasets", "Training", "Kernels",
                "Distributed", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // `mpirun -np N bert-mpi-selftest`: every Distributed operation, checked on each rank.
        .executableTarget(name: "MPISelfTest", dependencies: ["Distributed", "Randomness"]),

        // MARK: - Tests

        .testTarget(name: "RandomnessTests", dependencies: ["Randomness"]),
        .testTarget(
            name: "TokenizationTests", dependencies: ["Tokenization", "_TestSupport", "_JSONKeys"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "_TestSupport"]),
        .testTarget(
            name: "CheckpointsTests",
            dependencies: [
                "Checkpoints", "_TestSupport", .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .testTarget(name: "BERTTests", dependencies: ["BERT", "Checkpoints", "_TestSupport"]),
        .testTarget(
            name: "DatasetsTests",
            dependencies: [
                "Datasets", "BERT", "Checkpoints", "Randomness", "_TestSupport",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        .testTarget(
            name: "TrainingTests",
            dependencies: [
                "Training", "BERT", "Checkpoints", "Datasets", "Kernels", "Randomness",
                "Tokenization", "_TestSupport", "_AllocationCounter",
            ]),
        .testTarget(name: "CLITests", dependencies: ["Checkpoints", "Datasets", "_TestSupport"]),
        .testTarget(
            name: "DistributedTests", dependencies: ["Distributed", "Randomness", "_TestSupport"]),
    ]
)
