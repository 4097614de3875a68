// swift-bert — Checkpoints: the module's error type.

/// An error reading or writing a checkpoint file: a safetensors file, a JSON file, or the
/// atomic replacement of either.
///
/// Every case names the file, and where one is involved the tensor, with the expected and
/// actual values, so that the one-line ``description`` is enough to find the problem.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened, inspected or mapped; `reason` is the system's message.
    case cannotOpen(file: String, reason: String)
    /// The file is shorter than the 8-byte header length that starts every safetensors file.
    case fileTooSmall(file: String, size: Int)
    /// The header length is larger than the 100 MB that the reference implementation allows.
    case headerTooLarge(file: String, headerLength: UInt64, limit: Int)
    /// The header length points past the end of the file.
    case headerLongerThanFile(file: String, headerLength: UInt64, fileSize: Int)
    /// The header is not UTF-8, not JSON, or not a JSON object; `reason` says which and where.
    case invalidHeader(file: String, reason: String)
    /// A tensor's entry in the header lacks a field or has a field of the wrong form.
    case invalidTensorEntry(file: String, tensor: String, field: String, reason: String)
    /// A tensor's `dtype` is not one this reader knows.
    case unknownDType(file: String, tensor: String, dtype: String)
    /// A tensor's byte length is not its element count times its dtype's size.
    case sizeMismatch(
        file: String, tensor: String, dtype: String, shape: [Int], expectedBytes: Int,
        actualBytes: Int)
    /// A tensor's `data_offsets` end before they begin.
    case invalidOffsets(file: String, tensor: String, begin: Int, end: Int)
    /// Two tensors claim some of the same bytes of the data section.
    case overlappingTensors(
        file: String, tensor: String, begin: Int, previous: String, previousEnd: Int)
    /// Bytes of the data section between two tensors belong to no tensor.
    case gapBeforeTensor(file: String, tensor: String, begin: Int, expectedBegin: Int)
    /// A tensor reaches past the end of the file: the file is truncated or its offsets are wrong.
    case dataOutOfBounds(file: String, tensor: String, end: Int, dataSize: Int)
    /// The data section is longer than the tensors in the header account for.
    case trailingBytes(file: String, expectedDataSize: Int, actualDataSize: Int)
    /// No tensor of this name is in the file.
    case tensorNotFound(file: String, tensor: String)
    /// A typed read asked for a kind of value that this tensor's dtype does not hold.
    case dtypeMismatch(file: String, tensor: String, dtype: String, expected: String)
    /// A destination buffer does not have the tensor's element count.
    case elementCountMismatch(file: String, tensor: String, expected: Int, actual: Int)
    /// An unsigned 64-bit element does not fit in `Int`.
    case valueOutOfRange(file: String, tensor: String, index: Int, value: String)
    /// A tensor handed to ``SafeTensorsWriter`` is not valid (duplicate or reserved name,
    /// negative dimension, or an element count that does not match its shape).
    case invalidTensor(tensor: String, reason: String)
    /// A JSON document is not valid JSON; `offset` is the byte where parsing stopped.
    case invalidJSON(file: String, offset: Int, reason: String)
    /// A system call failed while writing or replacing a file.
    case writeFailed(file: String, operation: String, reason: String)
    /// A model argument is neither an existing folder nor a valid Hub repository id.
    case invalidRepositoryID(repository: String, reason: String)
    /// `HF_HUB_OFFLINE` is set and a file the model needs is not in the HF cache.
    case notInCache(repository: String, revision: String, file: String, cache: String)
    /// The Hub (or a server it redirected to) answered with an HTTP error status.
    case httpStatus(repository: String, file: String, url: String, status: Int)
    /// A Hub response lacks a header that the cache layout needs.
    case missingHeader(repository: String, file: String, url: String, status: Int, header: String)
    /// The connection failed or timed out; `status` is the last HTTP status seen (0 if none).
    case downloadFailed(repository: String, file: String, url: String, status: Int, reason: String)
    /// A Hub response header that becomes a cache path (`X-Repo-Commit`, `ETag`) has a value
    /// of the wrong form; nothing was written.
    case invalidHubHeader(
        repository: String, file: String, url: String, header: String, value: String,
        expected: String)
    /// A revision (`--revision`, or a ref) that cannot name a branch, tag or commit safely.
    case invalidRevision(revision: String, reason: String)
    /// An environment variable holds a value of the wrong form.
    case invalidSetting(name: String, value: String, expected: String)
    /// A path built for the HF cache would lie outside it.
    case outsideCache(path: String, cache: String)
    /// A downloaded file's size or sha256 is not what the Hub announced; it was discarded.
    case downloadMismatch(
        repository: String, file: String, status: Int, field: String, expected: String,
        actual: String)

    /// A one-line message naming the file, the tensor and the expected and actual values.
    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            return "\(file): cannot open: \(reason)"
        case .fileTooSmall(let file, let size):
            return "\(file): not a safetensors file: \(size) bytes, expected at least 8"
        case .headerTooLarge(let file, let headerLength, let limit):
            return "\(file): header length \(headerLength) exceeds the limit of \(limit) bytes"
        case .headerLongerThanFile(let file, let headerLength, let fileSize):
            return "\(file): header length \(headerLength) + 8 exceeds the file size "
                + "\(fileSize) (truncated or not a safetensors file)"
        case .invalidHeader(let file, let reason):
            return "\(file): invalid safetensors header: \(reason)"
        case .invalidTensorEntry(let file, let tensor, let field, let reason):
            let subject = field.isEmpty ? "entry" : "field '\(field)'"
            return "\(file): tensor '\(tensor)': \(subject) \(reason)"
        case .unknownDType(let file, let tensor, let dtype):
            return "\(file): tensor '\(tensor)': unknown dtype '\(dtype)', expected one of "
                + SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
        case .sizeMismatch(let file, let tensor, let dtype, let shape, let expected, let actual):
            return "\(file): tensor '\(tensor)': shape \(shape) of \(dtype) needs \(expected) "
                + "bytes, data_offsets span \(actual)"
        case .invalidOffsets(let file, let tensor, let begin, let end):
            return "\(file): tensor '\(tensor)': data_offsets [\(begin), \(end)] end before "
                + "they begin"
        case .overlappingTensors(let file, let tensor, let begin, let previous, let previousEnd):
            return "\(file): tensor '\(tensor)' begins at byte \(begin), inside tensor "
                + "'\(previous)' which ends at byte \(previousEnd)"
        case .gapBeforeTensor(let file, let tensor, let begin, let expectedBegin):
            return "\(file): tensor '\(tensor)' begins at byte \(begin), expected "
                + "\(expectedBegin): bytes \(expectedBegin)..<\(begin) belong to no tensor"
        case .dataOutOfBounds(let file, let tensor, let end, let dataSize):
            return "\(file): tensor '\(tensor)' ends at byte \(end) of the data section, "
                + "which has only \(dataSize) bytes (file truncated?)"
        case .trailingBytes(let file, let expected, let actual):
            return "\(file): the tensors cover \(expected) bytes of data but the data section "
                + "has \(actual)"
        case .tensorNotFound(let file, let tensor):
            return "\(file): no tensor named '\(tensor)'"
        case .dtypeMismatch(let file, let tensor, let dtype, let expected):
            return "\(file): tensor '\(tensor)' has dtype \(dtype), expected \(expected)"
        case .elementCountMismatch(let file, let tensor, let expected, let actual):
            return "\(file): tensor '\(tensor)' has \(expected) elements, destination holds "
                + "\(actual)"
        case .valueOutOfRange(let file, let tensor, let index, let value):
            return "\(file): tensor '\(tensor)': element \(index) = \(value) does not fit in Int"
        case .invalidTensor(let tensor, let reason):
            return "tensor '\(tensor)': \(reason)"
        case .invalidJSON(let file, let offset, let reason):
            return "\(file): invalid JSON at byte \(offset): \(reason)"
        case .writeFailed(let file, let operation, let reason):
            return "\(file): \(operation) failed: \(reason)"
        case .invalidRepositoryID(let repository, let reason):
            return "\(repository): no such model folder, and not a Hub repository id: \(reason)"
        case .notInCache(let repository, let revision, let file, let cache):
            return "\(repository): \(file): not in the HF cache \(cache) (revision \(revision)) "
                + "and HF_HUB_OFFLINE is set"
        case .httpStatus(let repository, let file, let url, let status):
            return "\(repository): \(file): HTTP \(status) from \(url)"
        case .missingHeader(let repository, let file, let url, let status, let header):
            return "\(repository): \(file): HTTP \(status) from \(url) has no \(header) header"
        case .downloadFailed(let repository, let file, let url, let status, let reason):
            let seen = status == 0 ? "no HTTP status" : "HTTP \(status)"
            return "\(repository): \(file): download from \(url) failed (\(seen)): \(reason)"
        case .invalidHubHeader(let repository, let file, let url, let header, let value, let expected):
            return "\(repository): \(file): \(url) sent \(header) \(quoted(value)), expected "
                + "\(expected); refused"
        case .invalidRevision(let revision, let reason):
            return "revision \(quoted(revision)): \(reason)"
        case .invalidSetting(let name, let value, let expected):
            return "\(name)=\(quoted(value)): expected \(expected)"
        case .outsideCache(let path, let cache):
            return "\(path): outside the HF cache \(cache); refused"
        case .downloadMismatch(let repository, let file, let status, let field, let expected, let actual):
            return "\(repository): \(file): HTTP \(status) but downloaded \(field) is \(actual), "
                + "expected \(expected); discarded"
        }
    }
}

/// `value` in double quotes, at most 100 characters, control characters escaped: a one-line
/// rendering of an untrusted string.
func quoted(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars.prefix(100) {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + (value.unicodeScalars.count > 100 ? "…\"" : "\"")
}
