// swift-bert — Checkpoints: HTTP requests to the Hugging Face Hub, as huggingface_hub makes them.

import Crypto
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// What a HEAD on `{endpoint}/{repo}/resolve/{revision}/{file}` says about a file.
public struct HubFileMetadata: Equatable, Sendable {
    /// `X-Repo-Commit`: the commit that the revision resolved to.
    public var commit: String
    /// `X-Linked-Etag` (LFS files: the sha256) or `ETag`, without `W/` and quotes.
    public var etag: String
    /// `X-Linked-Size` or `Content-Length`, if given.
    public var size: Int?
    /// The HTTP status of the answer the headers came from (200, or 302 for LFS files).
    public var status: Int
}

/// HEAD and resumable GET requests against the Hub, on URLSession (FoundationNetworking on
/// Linux), synchronous, every wait bounded.
///
/// Like `huggingface_hub.file_download`: the HEAD does not follow a redirect to another host
/// (the Hub's 302 to its CDN carries `X-Linked-Etag` and `X-Linked-Size`), but follows those
/// to the same scheme, host and port (a renamed repository, a mirror); the GET follows
/// redirects, dropping the token when one leaves the origin (requests' `rebuild_auth`), asks
/// for `Accept-Encoding: identity`, and resumes an interrupted transfer with
/// `Range: bytes={have}-`.
public struct HubDownloader: Sendable {
    /// `$HF_ENDPOINT`, default `https://huggingface.co`.
    public var endpoint: URL
    /// Sent as `Authorization: Bearer {token}`.
    public var token: String?
    /// Seconds without any bytes before a request fails (URLSession's request timeout).
    public var idleTimeout: TimeInterval
    /// Seconds that one request may take in all; bounds every wait.
    public var transferLimit: TimeInterval
    /// GET attempts per file: each after a dropped connection resumes where the last stopped.
    public var attempts: Int
    /// A body that brings fewer than ``lowSpeedBytes`` in any ``lowSpeedWindow`` seconds is
    /// cut (and resumed by the next attempt), as curl's `CURLOPT_LOW_SPEED_LIMIT`/`_TIME`: a
    /// server that drips a byte every few seconds never trips the idle timeout.
    public var lowSpeedBytes: Int
    /// The window of the low-speed check, in seconds.
    public var lowSpeedWindow: TimeInterval

    /// huggingface_hub's `HF_HUB_DOWNLOAD_TIMEOUT` default: 10 s without a byte.
    public static let defaultIdleTimeout: TimeInterval = 10

    /// A downloader for `endpoint`.
    public init(
        endpoint: URL, token: String? = nil, idleTimeout: TimeInterval = defaultIdleTimeout,
        transferLimit: TimeInterval = 6 * 3600, attempts: Int = 5, lowSpeedBytes: Int = 1024,
        lowSpeedWindow: TimeInterval = 30
    ) {
        self.endpoint = endpoint
        self.token = token
        self.idleTimeout = idleTimeout
        self.transferLimit = transferLimit
        self.attempts = max(1, attempts)
        self.lowSpeedBytes = lowSpeedBytes
        self.lowSpeedWindow = lowSpeedWindow
    }

    /// `{endpoint}/{repo}/resolve/{revision}/{file}`, the revision percent-encoded whole.
    public func resolveURL(_ repository: String, revision: String, file: String) -> URL {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encodedRevision =
            revision.addingPercentEncoding(withAllowedCharacters: allowed) ?? revision
        var pathAllowed = allowed
        pathAllowed.insert("/")
        let encodedFile = file.addingPercentEncoding(withAllowedCharacters: pathAllowed) ?? file
        let base = endpoint.absoluteString.hasSuffix("/")
            ? String(endpoint.absoluteString.dropLast()) : endpoint.absoluteString
        // Force-unwrap-free: every component is percent-encoded, so the string parses.
        return URL(string: "\(base)/\(repository)/resolve/\(encodedRevision)/\(encodedFile)")
            ?? endpoint
    }

    /// HEADs a file and reads the headers that the cache layout needs.
    /// - Throws: ``CheckpointError/httpStatus(repository:file:url:status:)`` (404 included),
    ///   ``CheckpointError/missingHeader(repository:file:url:status:header:)``,
    ///   ``CheckpointError/downloadFailed(repository:file:url:status:reason:)``.
    public func metadata(_ repository: String, revision: String, file: String) throws
        -> HubFileMetadata
    {
        var url = resolveURL(repository, revision: revision, file: file)
        for _ in 0..<5 {
            let response = try transfer(
                request(url, method: "HEAD"), followRedirects: false, repository: repository,
                file: file, sink: nil)
            let status = response.statusCode
            if (300..<400).contains(status), let location = header(response, "Location"),
                let next = URL(string: location, relativeTo: url)?.absoluteURL,
                Origin(next) == Origin(url)
            {
                url = next
                continue
            }
            guard (200..<400).contains(status) else {
                throw CheckpointError.httpStatus(
                    repository: repository, file: file, url: url.absoluteString, status: status)
            }
            func required(_ name: String) throws -> String {
                guard let value = header(response, name), !value.isEmpty else {
                    throw CheckpointError.missingHeader(
                        repository: repository, file: file, url: url.absoluteString,
                        status: status, header: name)
                }
                return value
            }
            func refuse(_ name: String, _ value: String, _ expected: String) -> CheckpointError {
                .invalidHubHeader(
                    repository: repository, file: file, url: url.absoluteString, header: name,
                    value: value, expected: expected)
            }
            // Both values become path components in the cache: check them before any use.
            let commit = try required("X-Repo-Commit")
            guard HubNames.isCommit(commit) else {
                throw refuse("X-Repo-Commit", commit, "a commit hash of 40 lowercase hex digits")
            }
            let etagHeader = header(response, "X-Linked-Etag") != nil ? "X-Linked-Etag" : "ETag"
            let rawETag = try required(etagHeader)
            let etag = Self.normalizedETag(rawETag)
            guard HubNames.isBlobName(etag) else {
                throw refuse(etagHeader, rawETag, "16 to 128 hex digits (a sha1 or sha256)")
            }
            let sizeHeader = header(response, "X-Linked-Size") != nil
                ? "X-Linked-Size" : "Content-Length"
            var size: Int?
            if let text = header(response, sizeHeader) {
                guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 0
                else { throw refuse(sizeHeader, text, "a byte count") }
                size = value
            }
            return HubFileMetadata(commit: commit, etag: etag, size: size, status: status)
        }
        throw CheckpointError.downloadFailed(
            repository: repository, file: file, url: url.absoluteString, status: 0,
            reason: "more than 5 relative redirects")
    }

    /// Downloads `url` into `partial`, appending to what it already holds, then checks the size
    /// (and the sha256 when `etag` is one).
    ///
    /// A dropped connection is retried up to ``attempts`` times, each resuming with a Range
    /// request. A file of the wrong size or digest is deleted, so the next try starts over.
    /// - Parameter progress: Called with (bytes so far, expected size) as data arrives.
    /// - Throws: ``CheckpointError`` naming the repository, the file and the HTTP status.
    public func download(
        _ repository: String, file: String, from url: URL, to partial: URL,
        metadata: HubFileMetadata, progress: (@Sendable (Int, Int?) -> Void)? = nil
    ) throws {
        let manager = FileManager.default
        if !manager.fileExists(atPath: partial.path) {
            guard manager.createFile(atPath: partial.path, contents: nil) else {
                throw CheckpointError.writeFailed(
                    file: partial.path, operation: "create", reason: "cannot create file")
            }
        }
        let expected = metadata.size
        var lastStatus = 0
        var attempt = 0
        while true {
            attempt += 1
            var have = Self.fileSize(partial)
            if let expected, have > expected {
                try? manager.removeItem(at: partial)
                _ = manager.createFile(atPath: partial.path, contents: nil)
                have = 0
            }
            if let expected, have == expected, have > 0 { break }
            var request = request(url, method: "GET")
            if have > 0 { request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range") }
            let sink = try FileSink(url: partial, progress: progress, expected: expected)
            do {
                let response = try transfer(
                    request, followRedirects: true, repository: repository, file: file,
                    sink: sink)
                lastStatus = response.statusCode
                try sink.close()
                guard lastStatus == 200 || lastStatus == 206 else {
                    throw CheckpointError.httpStatus(
                        repository: repository, file: file, url: url.absoluteString,
                        status: lastStatus)
                }
                break
            } catch CheckpointError.downloadFailed(_, _, _, let status, let reason) {
                try? sink.close()
                lastStatus = status
                if attempt >= attempts {
                    throw CheckpointError.downloadFailed(
                        repository: repository, file: file, url: url.absoluteString,
                        status: status, reason: "\(reason) (after \(attempt) attempts)")
                }
            }
        }
        let actual = Self.fileSize(partial)
        if let expected, actual != expected {
            try? manager.removeItem(at: partial)
            throw CheckpointError.downloadMismatch(
                repository: repository, file: file, status: lastStatus, field: "size",
                expected: "\(expected) bytes", actual: "\(actual) bytes")
        }
        if HubCache.isSHA256(metadata.etag) {
            let digest = try SHA256Digest.hex(ofFile: partial)
            if digest != metadata.etag {
                try? manager.removeItem(at: partial)
                throw CheckpointError.downloadMismatch(
                    repository: repository, file: file, status: lastStatus, field: "sha256",
                    expected: metadata.etag, actual: digest)
            }
        }
    }

    /// Strips a weak-validator `W/` prefix and the quotes from an ETag.
    public static func normalizedETag(_ etag: String) -> String {
        var value = etag.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("W/") { value.removeFirst(2) }
        return value.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    // MARK: - Requests

    private func request(_ url: URL, method: String) -> URLRequest {
        var request = URLRequest(url: url, timeoutInterval: idleTimeout)
        request.httpMethod = method
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("swift-bert; hf_hub/compatible", forHTTPHeaderField: "User-Agent")
        if let token, !token.isEmpty {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        return request
    }

    private func header(_ response: HTTPURLResponse, _ name: String) -> String? {
        response.value(forHTTPHeaderField: name)
    }

    /// Runs one request to completion (or ``transferLimit``), streaming the body into `sink`.
    private func transfer(
        _ request: URLRequest, followRedirects: Bool, repository: String, file: String,
        sink: FileSink?
    ) throws -> HTTPURLResponse {
        let delegate = TransferDelegate(followRedirects: followRedirects, sink: sink)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.timeoutIntervalForResource = transferLimit
        configuration.httpMaximumConnectionsPerHost = 1
        let session = URLSession(
            configuration: configuration, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        task.resume()
        let url = request.url?.absoluteString ?? ""
        if let reason = wait(for: delegate) {
            task.cancel()
            _ = delegate.done.wait(timeout: .now() + 5)
            throw CheckpointError.downloadFailed(
                repository: repository, file: file, url: url,
                status: delegate.response?.statusCode ?? 0, reason: reason)
        }
        if let failure = delegate.failure {
            throw failure
        }
        if let error = delegate.error {
            throw CheckpointError.downloadFailed(
                repository: repository, file: file, url: url,
                status: delegate.response?.statusCode ?? 0, reason: error.localizedDescription)
        }
        guard let response = delegate.response else {
            throw CheckpointError.downloadFailed(
                repository: repository, file: file, url: url, status: 0,
                reason: "no HTTP response")
        }
        return response
    }

    /// Waits for the task to finish; returns why it must be cut instead (the overall limit, or
    /// a body slower than ``lowSpeedBytes`` per ``lowSpeedWindow``).
    private func wait(for delegate: TransferDelegate) -> String? {
        let start = Date()
        var windowStart = start
        var windowBytes = 0
        while delegate.done.wait(timeout: .now() + 0.2) == .timedOut {
            let now = Date()
            if now.timeIntervalSince(start) >= transferLimit {
                return "not finished within \(Self.seconds(transferLimit))"
            }
            let received = delegate.received
            if delegate.response == nil {
                windowStart = now
                windowBytes = received
            } else if now.timeIntervalSince(windowStart) >= lowSpeedWindow {
                if received - windowBytes < lowSpeedBytes {
                    return "stalled: \(received - windowBytes) bytes in the last "
                        + "\(Self.seconds(lowSpeedWindow)), fewer than \(lowSpeedBytes)"
                }
                windowStart = now
                windowBytes = received
            }
        }
        return nil
    }

    private static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    static func fileSize(_ url: URL) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes?[.size] as? NSNumber)?.intValue ?? 0
    }
}

/// Appends a response body to a file as it arrives.
final class FileSink: @unchecked Sendable {
    private let handle: FileHandle
    private let url: URL
    private let progress: (@Sendable (Int, Int?) -> Void)?
    private let expected: Int?
    private var written: Int
    private var isOpen = true

    init(url: URL, progress: (@Sendable (Int, Int?) -> Void)?, expected: Int?) throws {
        do {
            handle = try FileHandle(forWritingTo: url)
            written = Int(try handle.seekToEnd())
        } catch {
            throw CheckpointError.writeFailed(
                file: url.path, operation: "open", reason: error.localizedDescription)
        }
        self.url = url
        self.progress = progress
        self.expected = expected
    }

    /// A 200 answer to a Range request is the whole file: start over.
    func restart() throws {
        try handle.truncate(atOffset: 0)
        written = 0
    }

    func write(_ data: Data) throws {
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw CheckpointError.writeFailed(
                file: url.path, operation: "write", reason: error.localizedDescription)
        }
        written += data.count
        progress?(written, expected)
    }

    func close() throws {
        guard isOpen else { return }
        isOpen = false
        try handle.close()
    }
}

/// Collects one task's response, streams its body, and decides on redirects.
private final class TransferDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let followRedirects: Bool
    private let sink: FileSink?
    private let lock = NSLock()
    private var _response: HTTPURLResponse?
    private var _error: Error?
    private var _failure: CheckpointError?
    private var writesBody = false

    init(followRedirects: Bool, sink: FileSink?) {
        self.followRedirects = followRedirects
        self.sink = sink
    }

    var response: HTTPURLResponse? { lock.withLock { _response } }
    var error: Error? { lock.withLock { _error } }
    var failure: CheckpointError? { lock.withLock { _failure } }
    /// Body bytes received so far (written or not).
    var received: Int { lock.withLock { _received } }
    private var _received = 0

    /// Follows a redirect (or declines it for a HEAD), dropping `Authorization` when the new
    /// URL's scheme, host or port differs from the previous one's or the first request's, as
    /// requests' `Session.rebuild_auth` does: the Hub's 302 to its CDN must not carry the
    /// token.
    func urlSession(
        _ session: URLSession, task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        guard followRedirects else { return completionHandler(nil) }
        var next = request
        let target = request.url.map(Origin.init)
        let previous = response.url.map(Origin.init)
        let first = task.originalRequest?.url.map(Origin.init)
        if target == nil || target != previous || target != first {
            next.setValue(nil, forHTTPHeaderField: "Authorization")
        }
        completionHandler(next)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let http = response as? HTTPURLResponse
        let status = http?.statusCode ?? 0
        lock.withLock {
            _response = http
            writesBody = status == 200 || status == 206
        }
        if status == 200, let sink, dataTask.originalRequest?.value(forHTTPHeaderField: "Range") != nil {
            do { try sink.restart() } catch { record(error) }
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.withLock { _received += data.count }
        guard let sink, lock.withLock({ writesBody }) else { return }
        do {
            try sink.write(data)
        } catch {
            record(error)
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.withLock {
            if _failure == nil { _error = error }
            // A redirect we declined: corelibs reports the 3xx through the task's response.
            if _response == nil, let http = task.response as? HTTPURLResponse { _response = http }
        }
        done.signal()
    }

    private func record(_ error: Error) {
        lock.withLock {
            _failure = (error as? CheckpointError)
                ?? .writeFailed(file: "", operation: "write", reason: error.localizedDescription)
        }
    }
}

/// A URL's scheme, host and port (the default port of the scheme when none is given), the
/// triple whose change makes requests' `should_strip_auth` drop the credentials.
struct Origin: Equatable {
    var scheme: String
    var host: String
    var port: Int

    init(_ url: URL) {
        scheme = (url.scheme ?? "").lowercased()
        host = (url.host ?? "").lowercased()
        port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
    }
}

/// The sha256 of a file, read in 1 MiB chunks.
enum SHA256Digest {
    static func hex(ofFile url: URL) throws -> String {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw CheckpointError.cannotOpen(file: url.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data?
            do {
                chunk = try handle.read(upToCount: 1 << 20)
            } catch {
                throw CheckpointError.cannotOpen(
                    file: url.path, reason: error.localizedDescription)
            }
            guard let chunk, !chunk.isEmpty else { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
