// swift-bert — Checkpoints: a read-only memory mapping of a whole file.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

import _RegularFile

/// A whole regular file mapped read-only into memory, unmapped when released.
///
/// The mapping is private and read-only, so the bytes never change under a reader unless
/// another process truncates the file, which (as with every mmap-based reader, including the
/// Rust safetensors crate) raises SIGBUS on access to the lost pages.
final class MappedFile {
    /// The first byte of the mapping; `nil` for an empty file, which cannot be mapped.
    private let base: UnsafeRawPointer?
    /// The file's size in bytes.
    let size: Int

    /// Maps the file at `path`.
    /// - Throws: ``CheckpointError/cannotOpen(file:reason:)`` with the system's message.
    init(path: String) throws {
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw CheckpointError.cannotOpen(file: path, reason: systemErrorMessage())
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CheckpointError.cannotOpen(file: path, reason: systemErrorMessage())
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw CheckpointError.cannotOpen(
                file: path, reason: "is \(RegularFile.kind(status.st_mode)), not a regular file")
        }
        size = Int(status.st_size)
        guard size > 0 else {
            base = nil
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw CheckpointError.cannotOpen(file: path, reason: "mmap: " + systemErrorMessage())
        }
        base = UnsafeRawPointer(address)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// The mapped bytes; valid while `self` is alive.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }
}

/// The system's message for an `errno` value, with the number: "No such file or directory
/// (errno 2)".
func systemErrorMessage(_ code: Int32 = errno) -> String {
    String(cString: strerror(code)) + " (errno \(code))"
}
