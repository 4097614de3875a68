// swift-bert — Distributed: data-parallel communication over MPI.

import Foundation

/// What the environment says about how this process was started: under an MPI launcher
/// (`mpirun`, `srun`, …) or on its own, and how many ranks share its node.
///
/// Read from the variables that launchers export to every process: Open MPI's `mpirun` sets
/// `OMPI_COMM_WORLD_SIZE`, `OMPI_COMM_WORLD_RANK` and `OMPI_COMM_WORLD_LOCAL_SIZE`; PMIx
/// launchers (Open MPI, `prterun`, `srun --mpi=pmix`) set `PMIX_RANK`; PMI-1/2 launchers
/// (Slurm, MPICH's hydra) set `PMI_SIZE` and `PMI_RANK`. Nothing here starts MPI.
public struct LaunchEnvironment: Sendable, Equatable {
    /// The variable that shows an MPI launcher, with its value (`"OMPI_COMM_WORLD_SIZE=2"`);
    /// `nil` when the process runs on its own.
    public let launcher: String?
    /// The job's number of processes, when the launcher exports it.
    public let worldSize: Int?
    /// This process's rank in the job, when the launcher exports it.
    public let worldRank: Int?
    /// The number of the job's processes on this node (`OMPI_COMM_WORLD_LOCAL_SIZE`, or
    /// MPICH's `MPI_LOCALNRANKS`), when the launcher exports it.
    public let localSize: Int?

    /// Reads `environment` (the process's own by default).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        func integer(_ name: String) -> Int? { environment[name].flatMap { Int($0) } }
        let markers = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"]
        launcher = markers.first { environment[$0] != nil }.map { "\($0)=\(environment[$0] ?? "")" }
        worldSize = integer("OMPI_COMM_WORLD_SIZE") ?? integer("PMI_SIZE")
        worldRank = integer("OMPI_COMM_WORLD_RANK") ?? integer("PMIX_RANK") ?? integer("PMI_RANK")
        localSize = integer("OMPI_COMM_WORLD_LOCAL_SIZE") ?? integer("MPI_LOCALNRANKS")
    }

    /// Whether the process was started by an MPI launcher.
    public var isUnderMPI: Bool { launcher != nil }

    /// The compute threads a rank should use by default: its share of the node's cores.
    ///
    /// `max(1, min(available, online / localRanks))`, where `available` is the number of
    /// CPUs this process may run on (its affinity mask: `mpirun` binds each rank to a core
    /// when it starts at most 2 ranks, to a socket otherwise), `online` the node's CPUs and
    /// `localRanks` ``localSize`` (1 when unknown). So a rank bound to one core gets one
    /// thread, and unbound ranks (`mpirun --bind-to none`) split the node evenly instead of
    /// each starting a thread per core, which would oversubscribe the node `localRanks`
    /// times. Outside MPI this is `available`, `Kernels.threadCount`'s own default.
    ///
    /// - Parameters:
    ///   - available: CPUs this process may run on (`ProcessInfo.activeProcessorCount`, which
    ///     reads the affinity mask on Linux).
    ///   - online: CPUs of the node (`ProcessInfo.processorCount`).
    public func defaultThreadsPerRank(
        available: Int = ProcessInfo.processInfo.activeProcessorCount,
        online: Int = ProcessInfo.processInfo.processorCount
    ) -> Int {
        let ranks = max(1, localSize ?? 1)
        return max(1, min(available, max(online, available) / ranks))
    }
}
