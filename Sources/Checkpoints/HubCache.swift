// swift-bert — Checkpoints: the Hugging Face Hub cache, in huggingface_hub's layout.

import Foundation

/// The shared HF cache folder, laid out exactly as `huggingface_hub` lays it out.
///
/// ```
/// {root}/models--{org}--{name}/
///     refs/{revision}                 the commit hash that the branch or tag points to
///     blobs/{etag}                    file contents, named by ETag (LFS: the sha256)
///     blobs/{etag}.incomplete         a download in progress (resumed with a Range request)
///     snapshots/{commit}/{file}       relative symlink → ../../blobs/{etag}
///     .no_exist/{commit}/{file}       empty: the Hub answered 404 for this optional file
/// ```
///
/// So files that Python's `transformers` already downloaded are reused as they are, and files
/// downloaded here load in Python with `HF_HUB_OFFLINE=1`.
public struct HubCache: Sendable {
    /// The cache folder (`…/huggingface/hub`).
    public let root: URL

    /// A cache rooted at `root`.
    public init(root: URL) {
        self.root = root
    }

    /// huggingface_hub's cache folder: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else
    /// `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub`.
    public static func defaultRoot(environment: [String: String]) -> URL {
        if let cache = environment["HF_HUB_CACHE"], !cache.isEmpty {
            return URL(fileURLWithPath: expandingTilde(cache))
        }
        return huggingFaceHome(environment: environment).appendingPathComponent("hub")
    }

    /// `$HF_HOME`, else `$XDG_CACHE_HOME/huggingface`, else `~/.cache/huggingface`.
    public static func huggingFaceHome(environment: [String: String]) -> URL {
        if let home = environment["HF_HOME"], !home.isEmpty {
            return URL(fileURLWithPath: expandingTilde(home))
        }
        let xdg = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "~/.cache"
        return URL(fileURLWithPath: expandingTilde(xdg)).appendingPathComponent("huggingface")
    }

    /// `models--{org}--{name}` for `org/name`.
    public func repositoryFolder(_ repository: String) -> URL {
        root.appendingPathComponent(
            "models--" + repository.replacingOccurrences(of: "/", with: "--"))
    }

    /// The snapshot folder of one commit; what a model argument resolves to.
    public func snapshotFolder(_ repository: String, commit: String) -> URL {
        repositoryFolder(repository).appendingPathComponent("snapshots").appendingPathComponent(
            commit)
    }

    /// The blob named by a normalized ETag.
    public func blob(_ repository: String, etag: String) -> URL {
        repositoryFolder(repository).appendingPathComponent("blobs").appendingPathComponent(etag)
    }

    /// The commit that `revision` names in the cache: the revision itself when it is a commit
    /// hash, else the contents of `refs/{revision}`; `nil` when the cache has no such ref.
    ///
    /// A revision that ``HubNames/revisionProblem(_:)`` refuses, and a ref file that holds
    /// anything but a commit hash (or is not a small regular file), count as no ref.
    public func commit(_ repository: String, revision: String) -> String? {
        if Self.isCommitHash(revision) { return revision }
        guard HubNames.revisionProblem(revision) == nil else { return nil }
        let ref = repositoryFolder(repository).appendingPathComponent("refs")
            .appendingPathComponent(revision)
        guard (try? HubNames.checkInside(ref, root: root)) != nil,
            let attributes = try? FileManager.default.attributesOfItem(atPath: ref.path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            ((attributes[.size] as? NSNumber)?.intValue ?? 0) <= 1024,
            let data = FileManager.default.contents(atPath: ref.path)
        else { return nil }
        let commit = String(decoding: data, as: UTF8.self).trimmingCharacters(
            in: .whitespacesAndNewlines)
        return HubNames.isCommit(commit) ? commit : nil
    }

    /// The cached file (its symlink resolves to an existing blob), or `nil`.
    public func file(_ repository: String, commit: String, name: String) -> URL? {
        let url = snapshotFolder(repository, commit: commit).appendingPathComponent(name)
        // fileExists follows symlinks: a link to a missing blob counts as missing.
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Whether the Hub answered 404 for this file at this commit (`.no_exist`).
    public func isKnownMissing(_ repository: String, commit: String, name: String) -> Bool {
        let marker = repositoryFolder(repository).appendingPathComponent(".no_exist")
            .appendingPathComponent(commit).appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: marker.path)
    }

    /// Writes `refs/{revision}` = `commit` (nothing for a revision that is the commit itself).
    /// - Throws: ``CheckpointError/writeFailed(file:operation:reason:)``.
    /// - Throws: ``CheckpointError/invalidRevision(revision:reason:)`` for a revision or commit
    ///   that cannot be a path safely, ``CheckpointError/outsideCache(path:cache:)``.
    public func writeReference(_ repository: String, revision: String, commit: String) throws {
        guard revision != commit else { return }
        try HubNames.validateRevision(revision)
        guard HubNames.isCommit(commit) else {
            throw CheckpointError.invalidRevision(
                revision: commit, reason: "not a commit hash of 40 lowercase hex digits")
        }
        let ref = try HubNames.checkInside(
            repositoryFolder(repository).appendingPathComponent("refs")
                .appendingPathComponent(revision), root: root)
        if self.commit(repository, revision: revision) == commit { return }
        try perform("write", ref) {
            try FileManager.default.createDirectory(
                at: ref.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(commit.utf8).write(to: ref, options: .atomic)
        }
    }

    /// Points `snapshots/{commit}/{name}` at `blobs/{etag}` with a relative symlink.
    /// - Throws: ``CheckpointError/writeFailed(file:operation:reason:)``.
    public func linkSnapshotFile(
        _ repository: String, commit: String, name: String, etag: String
    ) throws {
        guard HubNames.isCommit(commit), HubNames.isBlobName(etag) else {
            throw CheckpointError.outsideCache(
                path: snapshotFolder(repository, commit: commit).path + "/" + name
                    + " -> blobs/" + etag, cache: root.path)
        }
        let link = try HubNames.checkInside(
            snapshotFolder(repository, commit: commit).appendingPathComponent(name), root: root)
        // huggingface_hub uses os.path.relpath(blob, link's folder): one "../" per level.
        let depth = 2 + name.split(separator: "/").count - 1
        let target = String(repeating: "../", count: depth) + "blobs/" + etag
        try perform("symlink", link) {
            let manager = FileManager.default
            try manager.createDirectory(
                at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
            if (try? manager.destinationOfSymbolicLink(atPath: link.path)) != nil
                || manager.fileExists(atPath: link.path)
            {
                try manager.removeItem(at: link)
            }
            try manager.createSymbolicLink(atPath: link.path, withDestinationPath: target)
        }
    }

    /// Records a 404 for an optional file, as huggingface_hub does (`.no_exist/{commit}/{name}`).
    /// - Throws: ``CheckpointError/writeFailed(file:operation:reason:)``.
    public func markMissing(_ repository: String, commit: String, name: String) throws {
        guard HubNames.isCommit(commit) else {
            throw CheckpointError.invalidRevision(
                revision: commit, reason: "not a commit hash of 40 lowercase hex digits")
        }
        let marker = try HubNames.checkInside(
            repositoryFolder(repository).appendingPathComponent(".no_exist")
                .appendingPathComponent(commit).appendingPathComponent(name), root: root)
        try perform("write", marker) {
            try FileManager.default.createDirectory(
                at: marker.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: marker)
        }
    }

    /// Whether `revision` is a full 40-hex-digit commit hash (used directly, never a ref).
    public static func isCommitHash(_ revision: String) -> Bool {
        HubNames.isCommit(revision)
    }

    /// Whether `etag` is a 64-hex-digit sha256, as the Hub gives for LFS files.
    public static func isSHA256(_ etag: String) -> Bool {
        etag.utf8.count == 64 && etag.utf8.allSatisfy(Self.isLowercaseHexDigit)
    }

    private static func isLowercaseHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    private static func expandingTilde(_ path: String) -> String {
        NSString(string: path).expandingTildeInPath
    }

    private func perform(_ operation: String, _ url: URL, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch {
            throw CheckpointError.writeFailed(
                file: url.path, operation: operation, reason: error.localizedDescription)
        }
    }
}
