// swift-bert — Datasets: reading a dataset's files from a zip archive or a folder.

import Crypto
import Foundation
import ZIPFoundation

/// The files of one dataset, read from a zip archive held in memory or from a folder.
///
/// Both give a file's bytes by its path relative to the dataset's root (`raw/…` for CoLA)
/// and the name to use for it in errors: `archive.zip:entry/path` inside an archive, the
/// file's own path in a folder.
struct DatasetFiles {
    private enum Storage {
        case archive(Archive, path: String)
        case folder(URL)
    }

    private let storage: Storage
    /// The prefix of the root folder inside an archive (`cola_public/`), if it has one.
    private let preferredArchiveRoot: String

    /// The zip archive or folder itself, for messages.
    var origin: String {
        switch storage {
        case .archive(_, let path): return path
        case .folder(let url): return url.path
        }
    }

    /// Opens a zip archive, reading it whole into memory.
    ///
    /// - Parameters:
    ///   - url: The archive's location.
    ///   - expectedSHA256: The archive's published digest in hex, or `nil` to skip the check.
    ///   - preferredRoot: The folder inside the archive that holds the dataset's files, tried
    ///     before any other folder (e.g. `cola_public/`).
    /// - Throws: ``DatasetError/fileNotFound(file:)``,
    ///   ``DatasetError/unreadableFile(file:reason:)``,
    ///   ``DatasetError/checksumMismatch(file:expected:actual:)`` or
    ///   ``DatasetError/corruptArchive(file:reason:)``.
    init(archive url: URL, expectedSHA256: String?, preferredRoot: String) throws {
        let path = url.path
        let data = try DatasetError.readFile(url)
        if let expected = expectedSHA256 {
            let actual = Self.sha256Hex(of: data)
            guard actual == expected.lowercased() else {
                throw DatasetError.checksumMismatch(
                    file: path, expected: expected.lowercased(), actual: actual)
            }
        }
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read)
        } catch {
            throw DatasetError.corruptArchive(file: path, reason: String(describing: error))
        }
        storage = .archive(archive, path: path)
        preferredArchiveRoot = preferredRoot
    }

    /// Uses a folder as the dataset's root.
    init(folder url: URL) {
        storage = .folder(url)
        preferredArchiveRoot = ""
    }

    /// The bytes of the file at `relativePath` under the dataset's root, and its name for
    /// error messages.
    ///
    /// Inside an archive the entry `preferredRoot + relativePath` is used when present;
    /// otherwise the one entry equal to `relativePath` or ending in `/relativePath`.
    /// - Throws: ``DatasetError/missingEntry(archive:entry:)``,
    ///   ``DatasetError/ambiguousEntry(archive:entry:candidates:)``,
    ///   ``DatasetError/corruptArchive(file:reason:)`` (bad CRC or compressed data),
    ///   ``DatasetError/fileNotFound(file:)`` or ``DatasetError/unreadableFile(file:reason:)``.
    func read(_ relativePath: String) throws -> (data: Data, name: String) {
        switch storage {
        case .archive(let archive, let archivePath):
            let entry = try Self.entry(
                relativePath, in: archive, archivePath: archivePath,
                preferredRoot: preferredArchiveRoot)
            let name = "\(archivePath):\(entry.path)"
            var data = Data()
            data.reserveCapacity(Int(clamping: entry.uncompressedSize))
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry, consumer: { data.append($0) })
            } catch {
                throw DatasetError.corruptArchive(file: name, reason: String(describing: error))
            }
            // Extracting to a consumer returns the CRC-32 but, unlike extracting to a file,
            // does not compare it with the entry's.
            guard checksum == entry.checksum else {
                let reason =
                    "CRC-32 mismatch: expected \(hex(entry.checksum)), got \(hex(checksum))"
                throw DatasetError.corruptArchive(file: name, reason: reason)
            }
            guard UInt64(data.count) == entry.uncompressedSize else {
                let reason =
                    "size mismatch: expected \(entry.uncompressedSize) bytes, got \(data.count)"
                throw DatasetError.corruptArchive(file: name, reason: reason)
            }
            return (data, name)
        case .folder(let root):
            let url = root.appendingPathComponent(relativePath)
            return (try DatasetError.readFile(url), url.path)
        }
    }

    private static func entry(
        _ relativePath: String, in archive: Archive, archivePath: String, preferredRoot: String
    ) throws -> Entry {
        if let exact = archive[preferredRoot + relativePath], exact.type == .file {
            return exact
        }
        let candidates = archive.filter { entry in
            entry.type == .file
                && (entry.path == relativePath || entry.path.hasSuffix("/" + relativePath))
        }
        guard let first = candidates.first else {
            throw DatasetError.missingEntry(
                archive: archivePath, entry: preferredRoot + relativePath)
        }
        guard candidates.count == 1 else {
            throw DatasetError.ambiguousEntry(
                archive: archivePath, entry: relativePath, candidates: candidates.map(\.path))
        }
        return first
    }

    private func hex(_ value: CRC32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    /// The SHA-256 digest of `data` in lower-case hex.
    static func sha256Hex(of data: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: data) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
