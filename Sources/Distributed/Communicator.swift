// swift-bert — Distributed: data-parallel communication over MPI.

import Foundation
import _MPI

/// The processes of a data-parallel job and the collective operations between them.
///
/// PyTorch DDP's process group, over MPI: every rank holds the whole model, computes the
/// gradient of its share of each global batch, and sums the gradients of all ranks with an
/// all-reduce (`allreduceSum(_:order:)`, or in buckets that overlap the backward pass with
/// ``BucketedAllreduce``) before an identical update everywhere. Rank 0 alone writes
/// outputs; ``gather(_:to:)`` brings it the other ranks' evaluation results,
/// ``broadcast(_:from:)`` sends its data to them.
///
/// ``detect(environment:)`` picks the implementation: Open MPI, opened at run time with
/// `dlopen` (never linked, so `bert` without `mpirun` needs no MPI installed), when an MPI
/// launcher started the process; a single process otherwise, where every operation leaves
/// its buffers as they are and ``size`` is 1.
///
/// Collectives must be called by every rank in the same order with matching arguments (MPI's
/// rule: equal counts for an all-reduce, the same root). Calls must not overlap: use one
/// communicator from one thread at a time (`MPI_THREAD_SERIALIZED`). A failing MPI call
/// throws ``DistributedError/callFailed(function:rank:size:code:message:)`` (the
/// communicator runs with `MPI_ERRORS_RETURN`); a rank that exits or crashes makes `mpirun`
/// end the whole job, so no rank waits forever for it.
public final class Communicator: @unchecked Sendable {
    /// This process's rank, `0..<size`.
    public let rank: Int
    /// The number of processes in the job.
    public let size: Int
    /// Whether MPI runs the job (`false` for the single-process communicator, though an
    /// `mpirun -np 1` job also has ``size`` 1).
    public let usesMPI: Bool

    private init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
    }

    /// A job of one process: rank 0 of 1; every collective leaves its buffers as they are.
    public static func singleProcess() -> Communicator {
        Communicator(rank: 0, size: 1, usesMPI: false)
    }

    /// MPI when an MPI launcher started this process (``LaunchEnvironment/isUnderMPI``), a
    /// single process otherwise.
    ///
    /// The MPI library is `$SWIFT_BERT_MPI_LIBRARY` when set, else Open MPI 4's
    /// ``defaultLibrary``. MPI is initialized once per process: later calls return the same
    /// communicator.
    ///
    /// - Throws: ``DistributedError/libraryUnavailable(library:launcher:reason:)`` when a
    ///   launcher is present but the library cannot be loaded, or an initialization error.
    public static func detect(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Communicator {
        guard let launcher = LaunchEnvironment(environment: environment).launcher else {
            return singleProcess()
        }
        return try mpi(
            library: environment["SWIFT_BERT_MPI_LIBRARY"] ?? defaultLibrary, launcher: launcher)
    }

    /// Open MPI 4's library name on this platform (`libmpi.so.40` on Linux).
    public static var defaultLibrary: String {
        #if os(macOS)
            return "libmpi.40.dylib"
        #else
            return "libmpi.so.40"
        #endif
    }

    /// Opens `library`, then `MPI_Init_thread(MPI_THREAD_SERIALIZED)` with
    /// `MPI_ERRORS_RETURN` on `MPI_COMM_WORLD`. Once per process; later calls return the
    /// first communicator. Unless the environment already sets it, it exports
    /// `OMPI_MCA_coll_libnbc_iallreduce_algorithm=1` first (ring for `MPI_Iallreduce`).
    ///
    /// - Parameter launcher: what showed the launcher, for the error message.
    public static func mpi(
        library: String = defaultLibrary, launcher: String = "explicit"
    ) throws -> Communicator {
        try MPIProcess.lock.withLock {
            if let existing = MPIProcess.world { return existing }
            var message = [CChar](repeating: 0, count: 1024)
            guard swiftbert_mpi_load(library, &message, message.count) == 0 else {
                throw DistributedError.libraryUnavailable(
                    library: library, launcher: launcher, reason: MPIProcess.string(message))
            }
            // Open MPI's non-blocking all-reduce (coll/libnbc) picks a binomial tree for the
            // gradient buckets unless told otherwise; its ring moves 25 MiB buckets 2.4×
            // faster here, over shared memory and TCP alike (Sources/Distributed/README.md).
            // A value the user set (environment, mpirun --mca) wins: overwrite = 0.
            setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", "1", 0)
            var rank: Int32 = 0
            var size: Int32 = 1
            var provided: Int32 = 0
            let status = swiftbert_mpi_init(&rank, &size, &provided)
            try MPIProcess.check(status, "MPI_Init_thread", rank: Int(rank), size: Int(size))
            guard provided >= 2 else {
                throw DistributedError.insufficientThreadSupport(provided: Int(provided))
            }
            let world = Communicator(rank: Int(rank), size: Int(size), usesMPI: true)
            MPIProcess.world = world
            return world
        }
    }

    /// Whether this rank writes outputs (rank 0).
    public var isWriter: Bool { rank == 0 }

    /// `MPI_Get_processor_name` (the host name), or this host's name outside MPI.
    public func processorName() throws -> String {
        guard usesMPI else { return ProcessInfo.processInfo.hostName }
        try checkActive("MPI_Get_processor_name")
        var name = [CChar](repeating: 0, count: 300)
        try check(swiftbert_mpi_processor_name(&name, name.count), "MPI_Get_processor_name")
        return MPIProcess.string(name)
    }

    /// `MPI_Barrier`: returns when every rank has called it.
    public func barrier() throws {
        guard usesMPI else { return }
        try checkActive("MPI_Barrier")
        try check(swiftbert_mpi_barrier(), "MPI_Barrier")
    }

    /// `MPI_Finalize`: the last MPI call of a successful run, on every rank.
    ///
    /// A rank that exits without it (an error, a crash) makes `mpirun` end the job with a
    /// failure, which is what an error should do; a run that succeeded must call it before
    /// exiting. Later operations throw ``DistributedError/finalized(operation:)``. A second
    /// call does nothing.
    public func finalize() throws {
        guard usesMPI else { return }
        try MPIProcess.lock.withLock {
            guard swiftbert_mpi_active() != 0 else { return }
            try check(swiftbert_mpi_finalize(), "MPI_Finalize")
        }
    }

    /// Ends the job: `MPI_Abort` (mpirun then kills every rank, and exits with `exitCode`),
    /// or `exit(exitCode)` for a single process. For a failure that only this rank sees
    /// while others may be waiting in a collective.
    public func abort(exitCode: Int32) -> Never {
        if usesMPI && swiftbert_mpi_active() != 0 { swiftbert_mpi_abort(exitCode) }
        exit(exitCode)
    }

    // MARK: - Errors

    func check(_ status: Int32, _ function: String) throws {
        try MPIProcess.check(status, function, rank: rank, size: size)
    }

    func checkActive(_ function: String) throws {
        guard swiftbert_mpi_active() != 0 else {
            throw DistributedError.finalized(operation: function)
        }
    }
}

/// The process-wide MPI state: MPI is initialized at most once per process.
enum MPIProcess {
    static let lock = NSLock()
    nonisolated(unsafe) static var world: Communicator?

    static func check(_ status: Int32, _ function: String, rank: Int, size: Int) throws {
        guard status != 0 else { return }
        var text = [CChar](repeating: 0, count: 300)
        swiftbert_mpi_error_string(status, &text, text.count)
        throw DistributedError.callFailed(
            function: function, rank: rank, size: size, code: Int(status), message: string(text))
    }

    static func string(_ characters: [CChar]) -> String {
        String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
