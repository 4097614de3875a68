// swift-bert — Checkpoints: crash-safe replacement of a file.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files atomically: readers see the old file or the complete new one, never a part.
///
/// The bytes go to a hidden temporary file in the destination's folder, which is flushed to
/// disk (`fsync`; `F_FULLFSYNC` on Darwin), then renamed over the destination, and the folder
/// is flushed so the rename itself survives a crash. If anything fails — the writing closure
/// throws, the disk fills, the rename is refused — the temporary file is removed and an
/// existing destination is left as it was.
public enum AtomicFile {
    /// An open temporary file that ``AtomicFile/write(to:_:)`` hands to its closure.
    public struct Output {
        fileprivate let descriptor: Int32
        /// The destination's path, which errors report.
        public let path: String
        /// The number of bytes written so far.
        public private(set) var byteCount = 0

        /// Appends bytes to the file.
        /// - Throws: ``CheckpointError/writeFailed(file:operation:reason:)``.
        public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
            guard var address = bytes.baseAddress else { return }
            var remaining = bytes.count
            while remaining > 0 {
                // Linux writes at most 0x7ffff000 bytes per call; ask for less.
                let written = posixWrite(descriptor, address, min(remaining, 1 << 30))
                if written < 0 {
                    if errno == EINTR { continue }
                    throw CheckpointError.writeFailed(
                        file: path, operation: "write", reason: systemErrorMessage())
                }
                address += written
                remaining -= written
                byteCount += written
            }
        }

        /// Appends bytes to the file.
        /// - Throws: ``CheckpointError/writeFailed(file:operation:reason:)``.
        public mutating func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }
    }

    /// Replaces the file at `url` with what `body` writes, atomically.
    ///
    /// A new file gets mode 0644 less the umask; a replaced file keeps its mode.
    /// - Parameters:
    ///   - url: The destination, a file URL in an existing folder.
    ///   - body: Writes the new contents through the ``Output``.
    /// - Throws: ``CheckpointError/writeFailed(file:operation:reason:)`` naming the system
    ///   call that failed, or whatever `body` throws. The destination is then unchanged and no
    ///   temporary file remains, except after a failed fsync of the folder (operation
    ///   "fsync the folder"), when the new file is in place but may not survive a crash.
    public static func write(to url: URL, _ body: (inout Output) throws -> Void) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        let (descriptor, temporaryPath) = try createTemporaryFile(beside: url)
        var isOpen = true
        var isRenamed = false
        defer {
            if isOpen { close(descriptor) }
            if !isRenamed { unlink(temporaryPath) }
        }
        func fail(_ operation: String) -> CheckpointError {
            .writeFailed(file: path, operation: operation, reason: systemErrorMessage())
        }
        var existing = stat()
        if stat(path, &existing) == 0, (existing.st_mode & S_IFMT) == S_IFREG {
            guard fchmod(descriptor, existing.st_mode & 0o7777) == 0 else { throw fail("fchmod") }
        }
        var output = Output(descriptor: descriptor, path: path)
        try body(&output)
        guard flushToDisk(descriptor) else { throw fail("fsync") }
        isOpen = false
        guard close(descriptor) == 0 else { throw fail("close") }
        guard rename(temporaryPath, path) == 0 else { throw fail("rename") }
        isRenamed = true
        try syncFolder(folder, destination: path)
    }

    /// Replaces the file at `url` with `data`, atomically; see ``write(to:_:)``.
    public static func write(_ data: Data, to url: URL) throws {
        try write(to: url) { output in
            try data.withUnsafeBytes { try output.write($0) }
        }
    }

    /// Opens a new, uniquely named file in the destination's folder.
    private static func createTemporaryFile(beside url: URL) throws -> (Int32, String) {
        let folder = url.deletingLastPathComponent().path
        let name = url.lastPathComponent
        for _ in 0..<16 {
            // The name only has to be unique; it needs no reproducible randomness.
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let temporaryPath = folder + "/." + name + ".tmp-" + suffix
            let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 { return (descriptor, temporaryPath) }
            if errno != EEXIST {
                throw CheckpointError.writeFailed(
                    file: url.path, operation: "create a temporary file in \(folder)",
                    reason: systemErrorMessage())
            }
        }
        throw CheckpointError.writeFailed(
            file: url.path, operation: "create a temporary file in \(folder)",
            reason: "16 names were taken")
    }

    private static func flushToDisk(_ descriptor: Int32) -> Bool {
        #if canImport(Darwin)
            // fsync on Darwin only reaches the drive's cache; F_FULLFSYNC reaches the medium.
            if fcntl(descriptor, F_FULLFSYNC) == 0 { return true }
        #endif
        while fsync(descriptor) != 0 {
            if errno != EINTR { return false }
        }
        return true
    }

    /// Flushes the folder's entry list so that the rename survives a crash.
    private static func syncFolder(_ folder: String, destination: String) throws {
        let descriptor = open(folder, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw CheckpointError.writeFailed(
                file: destination, operation: "open the folder to fsync it",
                reason: systemErrorMessage())
        }
        defer { close(descriptor) }
        // Some file systems cannot fsync a folder (EINVAL); the rename is done either way.
        if !flushToDisk(descriptor) && errno != EINVAL && errno != ENOTSUP {
            throw CheckpointError.writeFailed(
                file: destination, operation: "fsync the folder", reason: systemErrorMessage())
        }
    }
}

/// `write(2)`, which `Output.write` would otherwise shadow.
@inline(__always)
private func posixWrite(
    _ descriptor: Int32, _ address: UnsafeRawPointer, _ count: Int
) -> Int {
    write(descriptor, address, count)
}
