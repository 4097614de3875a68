// swift-bert — Checkpoints tests: a loopback HTTP/1.1 server that answers as the Hub does.

import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A minimal blocking HTTP/1.1 server on 127.0.0.1, one connection at a time, on its own
/// thread. Every read has a 5 s timeout and every answer closes the connection, so no test
/// can hang on it.
final class HubTestServer: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        /// Header names in lower case.
        var headers: [String: String]
    }

    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8] = []
        /// Send only this many body bytes, then close: a connection cut mid-file.
        var cutAfter: Int?
        /// Delay before answering, to test timeouts.
        var delay: TimeInterval = 0
        /// Send the body one byte at a time with this pause between bytes: a dripping server.
        var drip: TimeInterval?
    }

    typealias Handler = @Sendable (Request, HubTestServer) -> Response

    private(set) var port: UInt16 = 0
    private let listener: Int32
    private let handler: Handler
    private let lock = NSLock()
    private var _requests: [Request] = []
    private var stopped = false

    var requests: [Request] { lock.withLock { _requests } }
    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    init(handler: @escaping Handler) throws {
        self.handler = handler
        #if canImport(Glibc)
            listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            listener = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard listener >= 0 else { throw POSIXError(.EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 16) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(listener, $0, &length)
            }
        }
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting; a connection being answered finishes on its own.
    func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !lock.withLock({ stopped }) {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(
                connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(
                connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ connection: Int32) {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        // At most 64 KiB of request head; each read times out after 5 s.
        while received.count < 65536 {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, 4096, 0) }
            if count <= 0 { return }
            received += buffer[0..<count]
            if received.count >= 4, received.suffix(from: max(0, received.count - count - 3))
                .windows(terminator) { break }
        }
        let head = String(decoding: received, as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let requestLine = lines[0].split(separator: " ")
        guard requestLine.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] =
                line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(
            method: String(requestLine[0]), path: String(requestLine[1]), headers: headers)
        lock.withLock { _requests.append(request) }
        let response = handler(request, self)
        if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
        var text = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        var hasLength = false
        for (name, value) in response.headers {
            text += "\(name): \(value)\r\n"
            if name.lowercased() == "content-length" { hasLength = true }
        }
        if !hasLength { text += "Content-Length: \(response.body.count)\r\n" }
        text += "Connection: close\r\n\r\n"
        var bytes = Array(text.utf8)
        var body: [UInt8] = []
        if request.method != "HEAD" {
            body = Array(response.body.prefix(response.cutAfter ?? response.body.count))
        }
        if response.drip == nil { bytes += body }
        guard sendAll(bytes, connection) else { return }
        if let drip = response.drip {
            for byte in body {
                Thread.sleep(forTimeInterval: drip)
                guard !lock.withLock({ stopped }), sendAll([byte], connection) else { return }
            }
        }
        if response.cutAfter != nil { shutdown(connection, Int32(SHUT_RDWR)) }
    }

    private func sendAll(_ bytes: [UInt8], _ connection: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 206: return "Partial Content"
        case 302: return "Found"
        case 307: return "Temporary Redirect"
        case 404: return "Not Found"
        case 416: return "Range Not Satisfiable"
        default: return status >= 500 ? "Server Error" : "Status"
        }
    }
}

extension ArraySlice where Element == UInt8 {
    fileprivate func windows(_ needle: [UInt8]) -> Bool {
        guard count >= needle.count else { return false }
        var index = startIndex
        while index + needle.count <= endIndex {
            if Array(self[index..<(index + needle.count)]) == needle { return true }
            index += 1
        }
        return false
    }
}

/// A Hub repository served by ``HubTestServer``: the Hub's resolve endpoint (HEAD and GET;
/// LFS files answer 302 to a CDN path with `X-Linked-Etag` = sha256 and `X-Linked-Size`) and
/// a CDN that honours `Range: bytes=N-` with 206.
struct HubFixtureRepository: Sendable {
    var repository: String
    var commit: String
    var files: [String: [UInt8]]
    var lfs: Set<String> = ["model.safetensors"]

    /// The tiny-bert fixture folder's files.
    static func tinyBERT(repository: String = "org/tiny-bert") throws -> HubFixtureRepository {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/tiny-bert")
        var files: [String: [UInt8]] = [:]
        for name in ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"] {
            files[name] = Array(try Data(contentsOf: folder.appendingPathComponent(name)))
        }
        return HubFixtureRepository(
            repository: repository, commit: String(repeating: "ab12", count: 10), files: files)
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// A git-blob-like 40-hex ETag for a regular file.
    static func gitETag(_ bytes: [UInt8]) -> String { String(sha256(bytes).prefix(40)) }

    /// The name a file's blob gets in the cache.
    func etag(_ name: String) -> String {
        let bytes = files[name] ?? []
        return lfs.contains(name) ? Self.sha256(bytes) : Self.gitETag(bytes)
    }

    /// Answers as the Hub and its CDN do.
    func respond(_ request: HubTestServer.Request, _ server: HubTestServer) -> HubTestServer.Response {
        let path = request.path.split(separator: "?")[0]
        if path.hasPrefix("/cdn/") {
            let sha = String(path.dropFirst(5))
            guard let (_, bytes) = files.first(where: { Self.sha256($0.value) == sha }) else {
                return .init(status: 404)
            }
            return Self.ranged(bytes, request)
        }
        let prefix = "/\(repository)/resolve/"
        guard path.hasPrefix(prefix) else {
            return .init(status: 404, headers: [("X-Error-Code", "RepoNotFound")])
        }
        let rest = path.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/") else { return .init(status: 404) }
        let revision = String(rest[..<slash]).removingPercentEncoding ?? ""
        let name = String(rest[rest.index(after: slash)...])
        guard revision == "main" || revision == commit else {
            return .init(status: 404, headers: [("X-Error-Code", "RevisionNotFound")])
        }
        guard let bytes = files[name] else {
            return .init(
                status: 404, headers: [("X-Error-Code", "EntryNotFound"), ("X-Repo-Commit", commit)])
        }
        if lfs.contains(name) {
            let sha = Self.sha256(bytes)
            return .init(
                status: 302,
                headers: [
                    // Another host name, as the Hub's CDN is: the HEAD must not follow it.
                    ("Location", "http://localhost:\(server.port)/cdn/" + sha),
                    ("X-Repo-Commit", commit), ("X-Linked-Etag", "\"\(sha)\""),
                    ("X-Linked-Size", "\(bytes.count)"), ("ETag", "W/\"redirect-etag\""),
                ])
        }
        var response = Self.ranged(bytes, request)
        response.headers += [("X-Repo-Commit", commit), ("ETag", "\"\(Self.gitETag(bytes))\"")]
        return response
    }

    static func ranged(_ bytes: [UInt8], _ request: HubTestServer.Request) -> HubTestServer.Response {
        if let range = request.headers["range"], range.hasPrefix("bytes="),
            let start = Int(range.dropFirst(6).split(separator: "-")[0])
        {
            guard start < bytes.count else { return .init(status: 416) }
            return .init(
                status: 206,
                headers: [("Content-Range", "bytes \(start)-\(bytes.count - 1)/\(bytes.count)")],
                body: Array(bytes[start...]))
        }
        return .init(status: 200, body: bytes)
    }
}
