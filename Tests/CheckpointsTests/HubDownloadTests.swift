// swift-bert — Checkpoints tests: downloading into the HF cache from a local Hub-like server.

import Checkpoints
import Foundation
import XCTest
import _TestSupport

final class HubDownloadTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = try TestPaths.temporaryDirectory()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    private func resolver(_ server: HubTestServer, token: String? = nil, attempts: Int = 3)
        -> ModelResolver
    {
        ModelResolver(
            settings: HubSettings(
                cache: HubCache(root: root), offline: false,
                downloader: HubDownloader(
                    endpoint: server.baseURL, token: token, idleTimeout: 3, transferLimit: 8,
                    attempts: attempts)))
    }

    private func assertOneLine(
        _ error: Error, contains parts: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        let message = "\(error)"
        for part in parts {
            XCTAssertTrue(message.contains(part), "'\(part)' not in: \(message)", file: file, line: line)
        }
        XCTAssertFalse(message.contains("\n"), message, file: file, line: line)
    }

    func testDownloadFillsTheCacheExactlyAsHuggingFaceHubLaysItOut() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        let server = try HubTestServer { repository.respond($0, $1) }
        defer { server.stop() }
        let folder = try resolver(server, token: "hf_secret").resolve("org/tiny-bert")

        let cache = HubCache(root: root)
        let repoFolder = cache.repositoryFolder("org/tiny-bert")
        XCTAssertEqual(repoFolder.lastPathComponent, "models--org--tiny-bert")
        XCTAssertEqual(folder.path, repoFolder.path + "/snapshots/\(repository.commit)")
        XCTAssertEqual(
            try String(contentsOf: repoFolder.appendingPathComponent("refs/main"), encoding: .utf8),
            repository.commit)
        let manager = FileManager.default
        for (name, bytes) in repository.files {
            let link = folder.appendingPathComponent(name).path
            XCTAssertEqual(
                try manager.destinationOfSymbolicLink(atPath: link),
                "../../blobs/\(repository.etag(name))", name)
            XCTAssertEqual(Array(try Data(contentsOf: folder.appendingPathComponent(name))), bytes)
        }
        let blobs = try manager.contentsOfDirectory(
            atPath: repoFolder.appendingPathComponent("blobs").path)
        XCTAssertEqual(Set(blobs), Set(repository.files.keys.map(repository.etag)))
        // 404s for optional files are remembered as huggingface_hub does.
        for name in ["vocab.txt", "special_tokens_map.json"] {
            XCTAssertTrue(cache.isKnownMissing("org/tiny-bert", commit: repository.commit, name: name))
        }
        // The first request asks for the branch; the rest pin the commit it resolved to.
        let requests = server.requests
        XCTAssertEqual(requests.first?.method, "HEAD")
        XCTAssertEqual(requests.first?.path, "/org/tiny-bert/resolve/main/config.json")
        XCTAssertTrue(
            requests.dropFirst().filter { !$0.path.hasPrefix("/cdn/") }.allSatisfy {
                $0.path.contains("/resolve/\(repository.commit)/")
            })
        // The token goes to the endpoint's host only, never to the CDN host ("localhost").
        let toHub = requests.filter { !$0.path.hasPrefix("/cdn/") }
        XCTAssertTrue(toHub.allSatisfy { $0.headers["authorization"] == "Bearer hf_secret" })
        XCTAssertTrue(
            requests.filter { $0.path.hasPrefix("/cdn/") }.allSatisfy {
                $0.headers["authorization"] == nil
            })
        // The LFS file was fetched from the CDN location that the 302 gave.
        XCTAssertTrue(requests.contains { $0.method == "GET" && $0.path.hasPrefix("/cdn/") })

        // Everything is cached now: the server may go away.
        let count = requests.count
        XCTAssertEqual(try resolver(server).resolve("org/tiny-bert").path, folder.path)
        XCTAssertEqual(server.requests.count, count)
    }

    func testMissingOptionalFileIsFineButMissingRequiredFileNamesRepoFileAndStatus() throws {
        var repository = try HubFixtureRepository.tinyBERT()
        repository.files["model.safetensors"] = nil
        let server = try HubTestServer { [repository] in repository.respond($0, $1) }
        defer { server.stop() }
        XCTAssertThrowsError(try resolver(server).resolve("org/tiny-bert")) { error in
            assertOneLine(error, contains: ["org/tiny-bert: model.safetensors: HTTP 404 from http://"])
        }
        XCTAssertThrowsError(try resolver(server).resolve("org/other")) { error in
            assertOneLine(error, contains: ["org/other: config.json: HTTP 404"])
        }
    }

    func testServerErrorIsOneLineNamingRepoFileAndStatus() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        let server = try HubTestServer { request, server in
            request.path.hasSuffix("/tokenizer.json")
                ? .init(status: 500) : repository.respond(request, server)
        }
        defer { server.stop() }
        XCTAssertThrowsError(try resolver(server).resolve("org/tiny-bert")) { error in
            assertOneLine(error, contains: ["org/tiny-bert: tokenizer.json: HTTP 500 from http://"])
        }
    }

    func testConnectionCutMidFileIsResumedWithARangeRequest() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        let model = try XCTUnwrap(repository.files["model.safetensors"])
        let server = try HubTestServer { request, server in
            var response = repository.respond(request, server)
            let cdnGets = server.requests.filter { $0.path.hasPrefix("/cdn/") }.count
            if request.path.hasPrefix("/cdn/"), cdnGets == 1 {
                response.cutAfter = model.count / 3
            }
            return response
        }
        defer { server.stop() }
        let folder = try resolver(server).resolve("org/tiny-bert")
        XCTAssertEqual(
            Array(try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))), model)
        let ranges = server.requests.filter { $0.path.hasPrefix("/cdn/") }.map {
            $0.headers["range"] ?? "none"
        }
        XCTAssertEqual(ranges, ["none", "bytes=\(model.count / 3)-"])
    }

    func testLeftoverIncompleteBlobIsResumedNotRestarted() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        let model = try XCTUnwrap(repository.files["model.safetensors"])
        let blobs = HubCache(root: root).repositoryFolder("org/tiny-bert")
            .appendingPathComponent("blobs")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        try Data(model.prefix(1000)).write(
            to: blobs.appendingPathComponent(repository.etag("model.safetensors") + ".incomplete"))
        let server = try HubTestServer { repository.respond($0, $1) }
        defer { server.stop() }
        let folder = try resolver(server).resolve("org/tiny-bert")
        XCTAssertEqual(
            Array(try Data(contentsOf: folder.appendingPathComponent("model.safetensors"))), model)
        XCTAssertEqual(
            server.requests.filter { $0.path.hasPrefix("/cdn/") }.map { $0.headers["range"] },
            ["bytes=1000-"])
    }

    func testWrongSizeOrDigestIsAnErrorAndTheBlobIsNeverCompleted() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        let model = try XCTUnwrap(repository.files["model.safetensors"])
        for corruption in ["short", "flipped"] {
            let server = try HubTestServer { request, server in
                var response = repository.respond(request, server)
                if request.path.hasPrefix("/cdn/") {
                    if corruption == "short" {
                        response.body.removeLast(10)
                    } else {
                        response.body[100] ^= 0xff
                    }
                }
                return response
            }
            defer { server.stop() }
            XCTAssertThrowsError(try resolver(server).resolve("org/tiny-bert"), corruption) {
                error in
                let field = corruption == "short" ? "size" : "sha256"
                assertOneLine(
                    error,
                    contains: ["org/tiny-bert: model.safetensors: HTTP 200 but downloaded \(field)"])
            }
            let cache = HubCache(root: root)
            let blob = cache.blob("org/tiny-bert", etag: repository.etag("model.safetensors"))
            let manager = FileManager.default
            XCTAssertFalse(manager.fileExists(atPath: blob.path), corruption)
            XCTAssertFalse(manager.fileExists(atPath: blob.path + ".incomplete"), corruption)
            XCTAssertNil(
                cache.file("org/tiny-bert", commit: repository.commit, name: "model.safetensors"))
            XCTAssertEqual(model.count, repository.files["model.safetensors"]?.count)
        }
    }

    func testOfflineNeverTouchesTheNetwork() throws {
        let repository = try HubFixtureRepository.tinyBERT()
        let server = try HubTestServer { repository.respond($0, $1) }
        defer { server.stop() }
        var settings = resolver(server).settings
        settings.offline = true
        XCTAssertThrowsError(try ModelResolver(settings: settings).resolve("org/tiny-bert"))
        XCTAssertEqual(server.requests.count, 0)
    }

    func testSilentServerTimesOutWithinTheBound() throws {
        let server = try HubTestServer { _, _ in .init(status: 200, delay: 6) }
        defer { server.stop() }
        let start = Date()
        XCTAssertThrowsError(try resolver(server, attempts: 1).resolve("org/tiny-bert")) { error in
            assertOneLine(error, contains: ["org/tiny-bert: config.json: download from http://"])
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 9)
    }
}
