// swift-bert — Checkpoints tests: a Hub (or a mirror) that redirects, lies in headers, or drips.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

final class HubHostileServerTests: XCTestCase {
    private var root: URL!
    private var cacheRoot: URL { root.appendingPathComponent("hub") }

    override func setUpWithError() throws {
        root = try TestPaths.temporaryDirectory()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    private func resolver(
        _ endpoint: URL, token: String? = nil, lowSpeedWindow: TimeInterval = 30
    ) -> ModelResolver {
        ModelResolver(
            settings: HubSettings(
                cache: HubCache(root: cacheRoot), offline: false,
                downloader: HubDownloader(
                    endpoint: endpoint, token: token, idleTimeout: 3, transferLimit: 8,
                    attempts: 1, lowSpeedBytes: 100, lowSpeedWindow: lowSpeedWindow)))
    }

    /// Every path under `root` (the test's folder, which holds the cache), links included.
    private func allPaths() -> Set<String> {
        let manager = FileManager.default
        let base = root.standardizedFileURL.path
        var paths: Set<String> = []
        var stack = [base]
        while let folder = stack.popLast() {
            for name in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] {
                let path = folder + "/" + name
                paths.insert(String(path.dropFirst(base.count)))
                var isDirectory: ObjCBool = false
                if (try? manager.destinationOfSymbolicLink(atPath: path)) == nil,
                    manager.fileExists(atPath: path, isDirectory: &isDirectory),
                    isDirectory.boolValue
                {
                    stack.append(path)
                }
            }
        }
        return paths
    }

    func testTokenIsDroppedWhenARedirectGoesToAnotherPort() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        // The CDN: a second loopback server on another port, same host name.
        let cdn = try HubTestServer { repository.respond($0, $1) }
        defer { cdn.stop() }
        let hub = try HubTestServer { request, server in
            var response = repository.respond(request, server)
            if request.method == "GET" {
                // Every GET (LFS or not) is sent on to the CDN, as a mirror might.
                let sha = HubFixtureRepository.sha256(
                    repository.files[String(request.path.split(separator: "/").last ?? "")]
                        ?? [])
                response = .init(
                    status: 302,
                    headers: [("Location", "http://127.0.0.1:\(cdn.port)/cdn/\(sha)")])
            }
            return response
        }
        defer { hub.stop() }
        let folder = try resolver(hub.baseURL, token: "hf_secret").resolve("org/tiny-bert")
        XCTAssertEqual(
            Array(try Data(contentsOf: folder.appendingPathComponent("config.json"))),
            repository.files["config.json"])
        XCTAssertFalse(hub.requests.isEmpty)
        XCTAssertTrue(hub.requests.allSatisfy { $0.headers["authorization"] == "Bearer hf_secret" })
        let cdnRequests = cdn.requests
        XCTAssertEqual(cdnRequests.filter { $0.method == "GET" }.count, 4, "\(cdnRequests)")
        for request in cdnRequests {
            XCTAssertNil(request.headers["authorization"], request.path)
        }
    }

    func testTokenIsKeptOnARedirectToTheSameHostAndPort() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        let server = try HubTestServer { request, server in
            if request.method == "GET", request.path.hasSuffix("/config.json") {
                return .init(
                    status: 307,
                    headers: [("Location", "/org/tiny-bert/resolve/\(repository.commit)/moved")])
            }
            if request.path.hasSuffix("/moved") {
                return .init(status: 200, body: repository.files["config.json"] ?? [])
            }
            return repository.respond(request, server)
        }
        defer { server.stop() }
        _ = try resolver(server.baseURL, token: "hf_secret").resolve("org/tiny-bert")
        let moved = server.requests.filter { $0.path.hasSuffix("/moved") }
        XCTAssertEqual(moved.count, 1)
        XCTAssertEqual(moved.first?.headers["authorization"], "Bearer hf_secret")
    }

    func testHostileCommitOrETagIsRefusedNamingTheHeaderAndNothingIsWritten() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        let cases: [(header: String, value: String)] = [
            ("X-Repo-Commit", "../../../../escaped"),
            ("X-Repo-Commit", String(repeating: "a", count: 39) + "/"),
            ("X-Repo-Commit", String(repeating: "A", count: 40)),
            ("ETag", "\"../../../../escaped\""),
            ("ETag", "\"" + String(repeating: "0", count: 40) + "/../../x\""),
            ("X-Linked-Etag", "\"../../../escaped\""),
            ("X-Linked-Size", "-5"),
        ]
        for (header, value) in cases {
            let label = "\(header): \(value)"
            let server = try HubTestServer { request, server in
                var response = repository.respond(request, server)
                if header == "X-Linked-Etag" || header == "X-Linked-Size" {
                    response.headers += [("X-Linked-Size", "10"), ("X-Linked-Etag", "\"\(String(repeating: "a", count: 64))\"")]
                }
                response.headers = response.headers.filter { $0.0 != header } + [(header, value)]
                return response
            }
            defer { server.stop() }
            XCTAssertThrowsError(try resolver(server.baseURL).resolve("org/tiny-bert"), label) {
                let message = "\($0)"
                XCTAssertTrue(message.contains("sent \(header) "), "\(label): \(message)")
                XCTAssertTrue(message.contains("org/tiny-bert: config.json:"), message)
                XCTAssertFalse(message.contains("\n"), message)
            }
            XCTAssertEqual(allPaths(), [], label)
        }
    }

    func testRevisionThatCouldLeaveTheCacheIsRefusedBeforeAnyRequest() throws {
        let server = try HubTestServer { _, _ in .init(status: 500) }
        defer { server.stop() }
        for revision in ["../../x", "main/../../x", "/etc", "a//b", ".hidden", "a\nb", "", "x.lock"] {
            XCTAssertThrowsError(
                try resolver(server.baseURL).resolve("org/tiny-bert", revision: revision),
                revision
            ) {
                XCTAssertTrue("\($0)".hasPrefix("revision \""), "\($0)")
                XCTAssertFalse("\($0)".contains("\n"), "\($0)")
            }
        }
        XCTAssertEqual(server.requests.count, 0)
        XCTAssertEqual(allPaths(), [])
        for revision in ["main", "v1.0", "refs/pr/1", "release_2-x"] {
            XCTAssertNil(HubNames.revisionProblem(revision), revision)
        }
    }

    func testRefFileHoldingAPathIsNotFollowed() throws {
        let cache = HubCache(root: cacheRoot)
        let refs = cache.repositoryFolder("org/tiny-bert").appendingPathComponent("refs")
        try FileManager.default.createDirectory(at: refs, withIntermediateDirectories: true)
        try Data("../../../../tmp".utf8).write(to: refs.appendingPathComponent("main"))
        XCTAssertNil(cache.commit("org/tiny-bert", revision: "main"))
    }

    func testDrippingServerIsCutByTheLowSpeedRule() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        let server = try HubTestServer { request, server in
            var response = repository.respond(request, server)
            if request.method == "GET" { response.drip = 0.3 }
            return response
        }
        defer { server.stop() }
        let start = Date()
        XCTAssertThrowsError(
            try resolver(server.baseURL, lowSpeedWindow: 1.5).resolve("org/tiny-bert")
        ) {
            let message = "\($0)"
            XCTAssertTrue(message.contains("org/tiny-bert: config.json: download from"), message)
            XCTAssertTrue(message.contains("stalled:"), message)
            XCTAssertTrue(message.contains("fewer than 100"), message)
            XCTAssertFalse(message.contains("\n"), message)
        }
        // The idle timeout (3 s) never fires, as a byte comes every 0.3 s: the rule did it.
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testDownloadTimeoutComesFromTheEnvironmentAndIsChecked() throws {
        XCTAssertEqual(
            HubSettings(environment: ["HF_HUB_DOWNLOAD_TIMEOUT": "2.5"]).downloader.idleTimeout,
            2.5)
        XCTAssertEqual(
            HubSettings(environment: [:]).downloader.idleTimeout, HubDownloader.defaultIdleTimeout)
        for value in ["abc", "0", "-1", "nan", "1e9"] {
            XCTAssertThrowsError(
                try HubSettings.validate(environment: ["HF_HUB_DOWNLOAD_TIMEOUT": value]), value
            ) {
                XCTAssertTrue("\($0)".hasPrefix("HF_HUB_DOWNLOAD_TIMEOUT=\"\(value)\""), "\($0)")
            }
        }
        XCTAssertThrowsError(try HubSettings.validate(environment: ["HF_ENDPOINT": "ftp://x"]))
        XCTAssertNoThrow(try HubSettings.validate(environment: ["HF_ENDPOINT": "http://127.0.0.1:1"]))
    }
}
