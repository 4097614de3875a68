// swift-bert — Checkpoints: a model argument (folder or Hub id) → a local model folder.

import Foundation

/// What ``ModelResolver`` reports while it works (library code never prints).
public enum HubProgress: Sendable {
    /// A file is about to be downloaded; `size` is what the Hub announced.
    case downloading(repository: String, file: String, size: Int?)
    /// Bytes of the file so far (called often; throttle before printing).
    case received(repository: String, file: String, bytes: Int, size: Int?)
    /// The file is complete and linked into the snapshot.
    case downloaded(repository: String, file: String)
}

/// The Hub settings that huggingface_hub reads from the environment.
public struct HubSettings: Sendable {
    /// The cache folder (``HubCache/defaultRoot(environment:)``).
    public var cache: HubCache
    /// `$HF_HUB_OFFLINE` is 1/ON/YES/TRUE: never touch the network.
    public var offline: Bool
    /// Endpoint, token and timeouts.
    public var downloader: HubDownloader

    /// Explicit settings.
    public init(cache: HubCache, offline: Bool, downloader: HubDownloader) {
        self.cache = cache
        self.offline = offline
        self.downloader = downloader
    }

    /// `HF_HUB_CACHE`/`HF_HOME`, `HF_HUB_OFFLINE`, `HF_ENDPOINT` and `HF_TOKEN` (else the
    /// file `$HF_TOKEN_PATH`, else `$HF_HOME/token`), as huggingface_hub reads them.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let truthy: Set<String> = ["1", "ON", "YES", "TRUE"]
        let endpointText = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "https://huggingface.co"
        var token = environment["HF_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if token == nil {
            let path = environment["HF_TOKEN_PATH"].flatMap { $0.isEmpty ? nil : $0 }
                ?? HubCache.huggingFaceHome(environment: environment)
                .appendingPathComponent("token").path
            token = FileManager.default.contents(atPath: path).map {
                String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }.flatMap { $0.isEmpty ? nil : $0 }
        }
        self.init(
            cache: HubCache(root: HubCache.defaultRoot(environment: environment)),
            offline: truthy.contains((environment["HF_HUB_OFFLINE"] ?? "").uppercased()),
            downloader: HubDownloader(
                endpoint: URL(string: endpointText) ?? URL(fileURLWithPath: "/"), token: token,
                idleTimeout: (try? Self.downloadTimeout(environment))
                    ?? HubDownloader.defaultIdleTimeout))
    }

    /// `$HF_HUB_DOWNLOAD_TIMEOUT`: seconds without a byte before a request fails (default 10,
    /// as huggingface_hub's); `nil` when unset.
    /// - Throws: ``CheckpointError/invalidSetting(name:value:expected:)`` for a value that is
    ///   not a positive number of seconds.
    public static func downloadTimeout(_ environment: [String: String]) throws -> TimeInterval? {
        guard let text = environment["HF_HUB_DOWNLOAD_TIMEOUT"], !text.isEmpty else { return nil }
        guard let value = Double(text), value.isFinite, value > 0, value <= 86400 else {
            throw CheckpointError.invalidSetting(
                name: "HF_HUB_DOWNLOAD_TIMEOUT", value: text,
                expected: "a number of seconds in (0, 86400]")
        }
        return value
    }

    /// Checks the environment variables that configure the Hub client.
    /// - Throws: ``CheckpointError/invalidSetting(name:value:expected:)``.
    public static func validate(environment: [String: String]) throws {
        _ = try downloadTimeout(environment)
        if let endpoint = environment["HF_ENDPOINT"], !endpoint.isEmpty {
            let url = URL(string: endpoint)
            guard let url, ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                url.host?.isEmpty == false
            else {
                throw CheckpointError.invalidSetting(
                    name: "HF_ENDPOINT", value: endpoint, expected: "an http or https URL")
            }
        }
    }
}

/// Turns a model argument into a folder of HF files: a local folder as it is, or a Hub
/// repository id through the HF cache, downloading only what the cache lacks.
///
/// The cache comes first: when `refs/{revision}` names a snapshot that already holds the
/// model's files, no request is made (huggingface_hub would HEAD to look for a newer commit;
/// we reuse what is there, so a machine that ran transformers once works offline).
public struct ModelResolver: Sendable {
    /// The files a model folder needs; the tokenizer is `tokenizer.json` or `vocab.txt`.
    public static let requiredFiles = ["config.json", "model.safetensors"]
    /// The tokenizer files, of which at least one must exist.
    public static let tokenizerFiles = ["tokenizer.json", "vocab.txt"]
    /// Fetched when present; a 404 is fine.
    public static let optionalFiles = ["tokenizer_config.json", "special_tokens_map.json"]

    /// Cache, network and offline settings.
    public var settings: HubSettings
    /// Receives download progress.
    public var progress: (@Sendable (HubProgress) -> Void)?

    /// A resolver with these settings.
    public init(
        settings: HubSettings = HubSettings(), progress: (@Sendable (HubProgress) -> Void)? = nil
    ) {
        self.settings = settings
        self.progress = progress
    }

    /// The folder for a model argument: `model` itself if it is a folder, else the snapshot of
    /// Hub repository `model` at `revision`.
    /// - Throws: ``CheckpointError`` naming the model, the file and the HTTP status.
    public func resolve(_ model: String, revision: String = "main") throws -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            return URL(fileURLWithPath: model)
        }
        try Self.validateRepositoryID(model)
        return try snapshot(model, revision: revision)
    }

    /// The snapshot folder of `repository` at `revision`, downloading what the cache lacks.
    ///
    /// - Parameter includeOptional: Also fetch the optional files when the required ones are
    ///   cached (`bert download`); otherwise a complete cached snapshot makes no request.
    /// - Throws: ``CheckpointError``.
    public func snapshot(
        _ repository: String, revision: String = "main", includeOptional: Bool = false
    ) throws -> URL {
        try Self.validateRepositoryID(repository)
        try HubNames.validateRevision(revision)
        let cache = settings.cache
        if let commit = cache.commit(repository, revision: revision) {
            let missing = missingFiles(repository, commit: commit, includeOptional: includeOptional)
            if missing.isEmpty || (settings.offline && isComplete(repository, commit: commit)) {
                return cache.snapshotFolder(repository, commit: commit)
            }
            if settings.offline {
                throw CheckpointError.notInCache(
                    repository: repository, revision: revision, file: missing[0],
                    cache: cache.root.path)
            }
        } else if settings.offline {
            throw CheckpointError.notInCache(
                repository: repository, revision: revision, file: "refs/\(revision)",
                cache: cache.root.path)
        }
        return try download(repository, revision: revision)
    }

    /// Whether a repository id is well-formed (`name` or `org/name`), as huggingface_hub's
    /// `validate_repo_id` checks it: letters, digits, `-`, `_`, `.`; no `--` or `..`; at most
    /// 96 characters; not starting or ending with `-` or `.`.
    /// - Throws: ``CheckpointError/invalidRepositoryID(repository:reason:)``.
    public static func validateRepositoryID(_ id: String) throws {
        func fail(_ reason: String) -> CheckpointError {
            .invalidRepositoryID(repository: id, reason: reason)
        }
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw fail("more than one '/'") }
        guard id.count <= 96 else { throw fail("longer than 96 characters") }
        for part in parts {
            guard !part.isEmpty else { throw fail("empty name") }
            let allowed = part.unicodeScalars.allSatisfy {
                ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || "-_.".unicodeScalars
                    .contains($0)
            }
            guard allowed else { throw fail("only letters, digits, '-', '_' and '.' are allowed") }
            guard !part.hasPrefix("-"), !part.hasPrefix("."), !part.hasSuffix("-"),
                !part.hasSuffix(".")
            else { throw fail("'-' and '.' cannot start or end a name") }
        }
        guard !id.contains("--"), !id.contains("..") else { throw fail("'--' and '..' are not allowed") }
    }

    // MARK: - Cache checks

    private func isComplete(_ repository: String, commit: String) -> Bool {
        missingFiles(repository, commit: commit, includeOptional: false).isEmpty
    }

    /// Required files (and optional ones when asked) that are neither cached nor known 404s.
    private func missingFiles(_ repository: String, commit: String, includeOptional: Bool)
        -> [String]
    {
        let cache = settings.cache
        var missing = Self.requiredFiles.filter {
            cache.file(repository, commit: commit, name: $0) == nil
        }
        if !Self.tokenizerFiles.contains(where: {
            cache.file(repository, commit: commit, name: $0) != nil
        }) {
            missing.append(Self.tokenizerFiles.joined(separator: " or "))
        }
        if includeOptional {
            missing += (Self.tokenizerFiles + Self.optionalFiles).filter {
                cache.file(repository, commit: commit, name: $0) == nil
                    && !cache.isKnownMissing(repository, commit: commit, name: $0)
            }
        }
        return missing
    }

    // MARK: - Downloading

    /// Fetches every file the model needs at `revision` into the cache; the first answer pins
    /// the commit, and later requests ask for that commit, so the snapshot is consistent.
    private func download(_ repository: String, revision: String) throws -> URL {
        var commit: String?
        let first = try fetch(repository, revision: revision, commit: &commit, file: "config.json")
        guard first, let pinned = commit else {
            throw CheckpointError.httpStatus(
                repository: repository, file: "config.json",
                url: settings.downloader.resolveURL(
                    repository, revision: revision, file: "config.json"
                ).absoluteString, status: 404)
        }
        var tokenizerError: CheckpointError?
        var haveTokenizer = false
        for name in Self.tokenizerFiles {
            do {
                if try fetch(repository, revision: revision, commit: &commit, file: name) {
                    haveTokenizer = true
                }
            } catch let error as CheckpointError {
                tokenizerError = error
            }
        }
        if !haveTokenizer {
            throw tokenizerError
                ?? CheckpointError.httpStatus(
                    repository: repository, file: Self.tokenizerFiles.joined(separator: " or "),
                    url: settings.downloader.resolveURL(
                        repository, revision: pinned, file: "vocab.txt"
                    ).absoluteString, status: 404)
        }
        for name in Self.optionalFiles {
            _ = try fetch(repository, revision: revision, commit: &commit, file: name)
        }
        for name in Self.requiredFiles.dropFirst() {
            if try !fetch(repository, revision: revision, commit: &commit, file: name) {
                throw CheckpointError.httpStatus(
                    repository: repository, file: name,
                    url: settings.downloader.resolveURL(repository, revision: pinned, file: name)
                        .absoluteString, status: 404)
            }
        }
        return settings.cache.snapshotFolder(repository, commit: pinned)
    }

    /// Brings one file into the snapshot; `false` when the Hub says 404 (recorded in
    /// `.no_exist`). Other HTTP errors throw.
    private func fetch(
        _ repository: String, revision: String, commit: inout String?, file: String
    ) throws -> Bool {
        let cache = settings.cache
        let downloader = settings.downloader
        if let commit {
            if cache.file(repository, commit: commit, name: file) != nil { return true }
            if cache.isKnownMissing(repository, commit: commit, name: file) { return false }
        }
        let metadata: HubFileMetadata
        do {
            metadata = try downloader.metadata(
                repository, revision: commit ?? revision, file: file)
        } catch CheckpointError.httpStatus(_, _, _, 404) where commit != nil {
            if let commit { try cache.markMissing(repository, commit: commit, name: file) }
            return false
        }
        if commit == nil {
            commit = metadata.commit
            try cache.writeReference(repository, revision: revision, commit: metadata.commit)
        }
        let pinned = commit ?? metadata.commit
        if cache.file(repository, commit: pinned, name: file) != nil { return true }
        let blob = try HubNames.checkInside(
            cache.blob(repository, etag: metadata.etag), root: cache.root)
        if !FileManager.default.fileExists(atPath: blob.path) {
            try createFolder(blob.deletingLastPathComponent())
            let partial = blob.appendingPathExtension("incomplete")
            progress?(.downloading(repository: repository, file: file, size: metadata.size))
            var onBytes: (@Sendable (Int, Int?) -> Void)?
            if let report = progress {
                onBytes = { @Sendable bytes, size in
                    report(.received(repository: repository, file: file, bytes: bytes, size: size))
                }
            }
            try downloader.download(
                repository, file: file,
                from: downloader.resolveURL(repository, revision: pinned, file: file),
                to: partial, metadata: metadata, progress: onBytes)
            do {
                try FileManager.default.moveItem(at: partial, to: blob)
            } catch {
                throw CheckpointError.writeFailed(
                    file: blob.path, operation: "rename", reason: error.localizedDescription)
            }
            progress?(.downloaded(repository: repository, file: file))
        }
        try cache.linkSnapshotFile(repository, commit: pinned, name: file, etag: metadata.etag)
        return true
    }

    private func createFolder(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.writeFailed(
                file: url.path, operation: "mkdir", reason: error.localizedDescription)
        }
    }
}
