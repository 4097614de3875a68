// swift-bert — Distributed: data-parallel communication over MPI.

/// A failure to start MPI or of one of its operations.
///
/// Every case reads as one line that names what failed and where (the MPI function, this
/// process's rank), so that the first line a failing rank prints under `mpirun` is enough to
/// find the cause.
public enum DistributedError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The environment says this process runs under an MPI launcher, but the MPI library
    /// cannot be opened or is not Open MPI 4.x (`reason` is the loader's message).
    case libraryUnavailable(library: String, launcher: String, reason: String)
    /// `MPI_Init_thread` granted less than `MPI_THREAD_SERIALIZED` (`provided`, 0 … 3).
    case insufficientThreadSupport(provided: Int)
    /// An MPI function returned `code`; `message` is `MPI_Error_string(code)`.
    case callFailed(function: String, rank: Int, size: Int, code: Int, message: String)
    /// A message would exceed MPI's `int` counts (`bytes` asked, `limit` allowed).
    case messageTooLarge(operation: String, rank: Int, bytes: Int, limit: Int)
    /// MPI was finalized (or aborted) in this process; no operation may follow.
    case finalized(operation: String)

    public var description: String {
        switch self {
        case .libraryUnavailable(let library, let launcher, let reason):
            return "running under an MPI launcher (\(launcher)) but \(library) cannot be "
                + "loaded: \(reason); install Open MPI 4 (Debian: openmpi-bin "
                + "libopenmpi-dev) or point SWIFT_BERT_MPI_LIBRARY at its libmpi"
        case .insufficientThreadSupport(let provided):
            return "MPI_Init_thread granted thread level \(provided), need "
                + "MPI_THREAD_SERIALIZED (2)"
        case .callFailed(let function, let rank, let size, let code, let message):
            return "\(function) failed on rank \(rank) of \(size): \(message) (error \(code))"
        case .messageTooLarge(let operation, let rank, let bytes, let limit):
            return "\(operation) on rank \(rank): \(bytes) bytes exceed MPI's limit of "
                + "\(limit) bytes per message"
        case .finalized(let operation):
            return "\(operation) after MPI was finalized"
        }
    }
}
