// swift-bert — implementation detail: reading untrusted files without hanging or over-reading.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole file only when it is a regular file of bounded size.
///
/// `Data(contentsOf:)` blocks forever on a FIFO, reads `/dev/zero` until memory runs out, and
/// reports a directory as "error 256"; every module that reads a user's file goes through here
/// instead and maps ``Failure`` to its own error type. The file is opened with `O_NONBLOCK`
/// (so opening a FIFO returns at once) and checked with `fstat` on the open descriptor, so a
/// file swapped between check and read is still caught.
public enum RegularFile {
    /// Why a file was not read; `reason` is one line without the path.
    public struct Failure: Error, Sendable, Equatable {
        public let path: String
        public let reason: String
        /// Whether the file does not exist (some callers have their own message for that).
        public let isMissing: Bool
    }

    /// What kind of file `mode` describes, for messages ("a directory", "a FIFO (named pipe)").
    public static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "not a regular file"
        }
    }

    /// Opens `url` for reading and checks that it is a regular file of at most `limit` bytes.
    /// - Returns: The open descriptor (the caller closes it) and the file's size.
    /// - Throws: ``Failure``.
    public static func open(_ url: URL, limit: Int) throws(Failure) -> (descriptor: Int32, size: Int) {
        let path = url.path
        let descriptor = systemOpen(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            throw Failure(
                path: path, reason: code == ENOENT ? "no such file" : String(cString: strerror(code)),
                isMissing: code == ENOENT)
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let message = String(cString: strerror(errno))
            close(descriptor)
            throw Failure(path: path, reason: message, isMissing: false)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw Failure(
                path: path, reason: "is \(kind(status.st_mode)), not a regular file",
                isMissing: false)
        }
        let size = Int(status.st_size)
        guard size <= limit else {
            close(descriptor)
            throw Failure(
                path: path, reason: "\(size) bytes, more than the \(limit) this file may have",
                isMissing: false)
        }
        return (descriptor, size)
    }

    /// The contents of `url`, a regular file of at most `limit` bytes.
    /// - Throws: ``Failure``.
    public static func read(_ url: URL, limit: Int) throws(Failure) -> Data {
        let (descriptor, size) = try open(url, limit: limit)
        defer { close(descriptor) }
        var data = Data(count: size)
        var filled = 0
        var failure: Int32 = 0
        data.withUnsafeMutableBytes { buffer in
            while filled < size, let base = buffer.baseAddress {
                let count = systemRead(descriptor, base + filled, size - filled)
                if count < 0 && errno == EINTR { continue }
                if count < 0 { failure = errno }
                if count <= 0 { break }
                filled += count
            }
        }
        guard failure == 0 else {
            throw Failure(path: url.path, reason: String(cString: strerror(failure)), isMissing: false)
        }
        // A file that shrank while being read: keep what it holds now.
        if filled < size { data.removeSubrange(filled..<size) }
        return data
    }
}

// The enum's own `open` and `read` shadow the system calls inside it.
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
