// swift-bert — Checkpoints tests: resolving models from a cache laid out as huggingface_hub does.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

final class HubCacheTests: XCTestCase {
    /// Builds `models--org--tiny-bert` exactly as huggingface_hub would have after
    /// `from_pretrained`: refs/main, blobs named by ETag, relative snapshot symlinks.
    static func writeCache(
        _ repository: HubFixtureRepository, root: URL, files: [String]? = nil
    ) throws -> URL {
        let cache = HubCache(root: root)
        let folder = cache.repositoryFolder(repository.repository)
        let snapshot = folder.appendingPathComponent("snapshots/\(repository.commit)")
        let manager = FileManager.default
        try manager.createDirectory(
            at: folder.appendingPathComponent("refs"), withIntermediateDirectories: true)
        try manager.createDirectory(
            at: folder.appendingPathComponent("blobs"), withIntermediateDirectories: true)
        try manager.createDirectory(at: snapshot, withIntermediateDirectories: true)
        try Data(repository.commit.utf8).write(to: folder.appendingPathComponent("refs/main"))
        for name in files ?? Array(repository.files.keys) {
            let etag = repository.etag(name)
            try Data(repository.files[name] ?? []).write(
                to: folder.appendingPathComponent("blobs/\(etag)"))
            try manager.createSymbolicLink(
                atPath: snapshot.appendingPathComponent(name).path,
                withDestinationPath: "../../blobs/\(etag)")
        }
        return snapshot
    }

    /// Settings pointing at a port where nothing listens, so any request would fail.
    static func settings(root: URL, offline: Bool, endpoint: URL? = nil) -> HubSettings {
        HubSettings(
            cache: HubCache(root: root), offline: offline,
            downloader: HubDownloader(
                endpoint: endpoint ?? URL(string: "http://127.0.0.1:9")!, idleTimeout: 2,
                transferLimit: 5, attempts: 1))
    }

    func testCacheWrittenByHuggingFaceHubResolvesOfflineWithNoServer() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let repository = try HubFixtureRepository.tinyBERT()
        let snapshot = try Self.writeCache(repository, root: root)
        for offline in [true, false] {
            let resolver = ModelResolver(settings: Self.settings(root: root, offline: offline))
            let folder = try resolver.resolve("org/tiny-bert")
            XCTAssertEqual(folder.path, snapshot.path, "offline \(offline)")
            let config = try Data(contentsOf: folder.appendingPathComponent("config.json"))
            XCTAssertEqual(Array(config), repository.files["config.json"], "offline \(offline)")
            // A revision that is a commit hash is used directly, with no ref.
            XCTAssertEqual(
                try resolver.resolve("org/tiny-bert", revision: repository.commit).path,
                snapshot.path)
        }
    }

    func testOfflineMissingRevisionOrFileIsAnErrorNamingRepositoryAndFile() throws {
        let root = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let repository = try HubFixtureRepository.tinyBERT()
        _ = try Self.writeCache(repository, root: root, files: ["config.json", "tokenizer.json"])
        let resolver = ModelResolver(settings: Self.settings(root: root, offline: true))
        let cases: [(String, String, String)] = [
            ("org/tiny-bert", "main", "model.safetensors"),
            ("org/tiny-bert", "v2", "refs/v2"),
            ("org/absent", "main", "refs/main"),
        ]
        for (model, revision, file) in cases {
            XCTAssertThrowsError(try resolver.resolve(model, revision: revision)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("\(model): \(file): not in the HF cache"), message)
                XCTAssertTrue(message.contains("HF_HUB_OFFLINE"), message)
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }

    func testLocalFolderWinsAndMalformedIdsAreRejected() throws {
        let folder = TestPaths.fixture("tiny-bert")
        let resolver = ModelResolver(
            settings: Self.settings(root: folder, offline: true))
        XCTAssertEqual(try resolver.resolve(folder.path).path, folder.path)
        for bad in ["a/b/c", "org--x/y", "-bad", "a..b", "sp ace", ""] {
            XCTAssertThrowsError(try ModelResolver.validateRepositoryID(bad), bad)
        }
        for good in ["bert-base-uncased", "google-bert/bert-base-uncased", "a_b.c/D-1"] {
            XCTAssertNoThrow(try ModelResolver.validateRepositoryID(good), good)
        }
    }

    func testCacheFolderFollowsHuggingFaceHubEnvironmentVariables() {
        let cases: [([String: String], String)] = [
            (["HF_HUB_CACHE": "/a/hub", "HF_HOME": "/b"], "/a/hub"),
            (["HF_HOME": "/b"], "/b/hub"),
            (["XDG_CACHE_HOME": "/c"], "/c/huggingface/hub"),
        ]
        for (environment, expected) in cases {
            XCTAssertEqual(HubCache.defaultRoot(environment: environment).path, expected, "\(environment)")
        }
        XCTAssertTrue(HubCache.defaultRoot(environment: [:]).path.hasSuffix("/.cache/huggingface/hub"))
        let settings = HubSettings(environment: [
            "HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://mirror:8080", "HF_TOKEN": "hf_x",
        ])
        XCTAssertTrue(settings.offline)
        XCTAssertEqual(settings.downloader.endpoint.absoluteString, "http://mirror:8080")
        XCTAssertEqual(settings.downloader.token, "hf_x")
        XCTAssertEqual(
            settings.downloader.resolveURL("org/x", revision: "refs/pr/1", file: "config.json")
                .absoluteString, "http://mirror:8080/org/x/resolve/refs%2Fpr%2F1/config.json")
        XCTAssertEqual(HubDownloader.normalizedETag("W/\"abc\""), "abc")
    }
}
