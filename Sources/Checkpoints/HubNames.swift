// swift-bert — Checkpoints: the rules for names that become paths in the HF cache.

import Foundation

/// Checks on every server-sent or user-given name before it becomes a path component in the
/// cache: the commit (`X-Repo-Commit`), the ETag (`X-Linked-Etag` / `ETag`) and revisions.
///
/// huggingface_hub trusts the Hub here; we do not, because `HF_ENDPOINT` may name any server
/// and a value holding `../` would write files and symlinks outside the cache.
public enum HubNames {
    /// Whether `value` is a full commit hash: 40 lowercase hex digits.
    public static func isCommit(_ value: String) -> Bool {
        value.utf8.count == 40 && value.utf8.allSatisfy(isLowercaseHexDigit)
    }

    /// Whether a normalized ETag can name a blob: 16 to 128 hex digits (the Hub sends a git
    /// sha1 of 40 for regular files, a sha256 of 64 for LFS files).
    public static func isBlobName(_ value: String) -> Bool {
        (16...128).contains(value.utf8.count) && value.utf8.allSatisfy(isHexDigit)
    }

    /// Why `revision` cannot name a branch, tag or commit, or `nil` when it can.
    ///
    /// The rules are git's `check-ref-format` (as the Hub applies them) narrowed to what is
    /// safe as a path under `refs/`: letters, digits, `-`, `_`, `.` and `/`; no empty, `.` or
    /// `..` component and none starting with `.`; no `..` anywhere; at most 256 bytes.
    /// `refs/pr/1` (a pull request) passes.
    public static func revisionProblem(_ revision: String) -> String? {
        if revision.isEmpty { return "empty" }
        if revision.utf8.count > 256 { return "longer than 256 bytes" }
        let allowed = revision.utf8.allSatisfy {
            isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_")
                || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "/")
        }
        if !allowed { return "only letters, digits, '-', '_', '.' and '/' are allowed" }
        if revision.contains("..") { return "'..' is not allowed" }
        for part in revision.split(separator: "/", omittingEmptySubsequences: false) {
            if part.isEmpty { return "empty path component" }
            if part.hasPrefix(".") { return "a component cannot start with '.'" }
            if part.hasSuffix(".lock") { return "a component cannot end with '.lock'" }
        }
        return nil
    }

    /// Throws unless `revision` passes ``revisionProblem(_:)``.
    /// - Throws: ``CheckpointError/invalidRevision(revision:reason:)``.
    public static func validateRevision(_ revision: String) throws {
        if let problem = revisionProblem(revision) {
            throw CheckpointError.invalidRevision(revision: revision, reason: problem)
        }
    }

    /// `url`, after checking that its standardized path lies strictly inside `root`.
    /// - Throws: ``CheckpointError/outsideCache(path:cache:)``.
    static func checkInside(_ url: URL, root: URL) throws -> URL {
        let base = root.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        guard path.hasPrefix(prefix), path.count > prefix.count else {
            throw CheckpointError.outsideCache(path: url.path, cache: root.path)
        }
        return url
    }

    private static func isLowercaseHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isLowercaseHexDigit(byte) || (byte >= 0x41 && byte <= 0x46)
    }

    private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
            || (byte >= 0x61 && byte <= 0x7A)
    }
}
