// swift-bert — Checkpoints: a memory-mapped, validated safetensors file.

import Foundation

/// A safetensors file, memory-mapped and validated, with typed reads of its tensors.
///
/// The format: an 8-byte little-endian header length `N`, `N` bytes of a JSON object mapping
/// each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to
/// the data section) plus an optional `"__metadata__"` object of strings, then the data
/// section. Opening validates what the Rust `safetensors` crate validates: the header length
/// (at most 100 MB, inside the file), the JSON, every dtype and shape, and that the tensors'
/// byte ranges, sorted, tile the data section exactly — no overlap, no hole, nothing past the
/// end and nothing left over. Every error names the file and, where one is involved, the
/// tensor.
///
/// Opening maps the file and reads only the header; tensor data is paged in as it is read.
/// The mapping lives as long as this object.
///
/// ```swift
/// let file = try SafeTensorsFile(contentsOf: url)
/// let weight = try file.floats("embeddings.word_embeddings.weight")
/// ```
public final class SafeTensorsFile: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init, and the mapping is read-only.

    /// A tensor's entry in the header.
    public struct TensorInfo: Sendable, Hashable {
        /// The tensor's name (its key in the header).
        public let name: String
        /// The element type.
        public let dtype: SafeTensorsDType
        /// The dimensions, outermost first (row-major, as PyTorch's contiguous layout).
        public let shape: [Int]
        /// The tensor's bytes, relative to the start of the data section.
        public let dataOffsets: Range<Int>

        /// The number of elements: the product of ``shape`` (1 for a scalar).
        public var elementCount: Int { shape.reduce(1, *) }
        /// The number of bytes: ``elementCount`` × the dtype's size.
        public var byteCount: Int { dataOffsets.count }
    }

    /// The largest header the reference implementation accepts.
    public static let maximumHeaderLength = 100_000_000

    /// Where the file is.
    public let url: URL
    /// The header's length in bytes, without the 8-byte length prefix.
    public let headerLength: Int
    /// The `__metadata__` strings (empty when the header has none).
    public let metadata: [String: String]
    /// Every tensor, in the order of their data in the file.
    public let tensors: [TensorInfo]

    private let indexByName: [String: Int]
    private let mapping: MappedFile

    /// The tensors' names, in the order of their data in the file.
    public var tensorNames: [String] { tensors.map(\.name) }
    /// The byte offset of the data section in the file: `8 + headerLength`.
    public var dataStart: Int { 8 + headerLength }

    /// Maps and validates the safetensors file at `url`.
    ///
    /// - Parameter url: A file URL.
    /// - Throws: ``CheckpointError`` naming the file and tensor: the file cannot be opened, is
    ///   shorter than 8 bytes, has a header longer than 100 MB or than the file, a header that
    ///   is not a JSON object, an entry with an unknown dtype or malformed fields, a shape whose
    ///   size does not match its byte range, or byte ranges that overlap, leave holes, run past
    ///   the end of the file or do not reach it.
    /// - Complexity: O(header length + tensors × log tensors); no tensor data is read.
    public init(contentsOf url: URL) throws {
        let path = url.path
        let mapping = try MappedFile(path: path)
        let bytes = mapping.bytes
        guard bytes.count >= 8 else {
            throw CheckpointError.fileTooSmall(file: path, size: bytes.count)
        }
        let declaredLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        guard declaredLength <= UInt64(Self.maximumHeaderLength) else {
            throw CheckpointError.headerTooLarge(
                file: path, headerLength: declaredLength, limit: Self.maximumHeaderLength)
        }
        let headerLength = Int(declaredLength)
        guard 8 + headerLength <= bytes.count else {
            throw CheckpointError.headerLongerThanFile(
                file: path, headerLength: declaredLength, fileSize: bytes.count)
        }
        let header = try SafeTensorsHeader(
            bytes: UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerLength)]),
            dataSize: bytes.count - 8 - headerLength, file: path)
        self.url = url
        self.mapping = mapping
        self.headerLength = headerLength
        self.metadata = header.metadata
        self.tensors = header.tensors
        var index: [String: Int] = [:]
        for (position, tensor) in header.tensors.enumerated() { index[tensor.name] = position }
        self.indexByName = index
    }

    /// The entry of the tensor called `name`, or `nil` when there is none.
    public subscript(name: String) -> TensorInfo? {
        indexByName[name].map { tensors[$0] }
    }

    /// The entry of the tensor called `name`.
    /// - Throws: ``CheckpointError/tensorNotFound(file:tensor:)``.
    public func info(_ name: String) throws -> TensorInfo {
        guard let tensor = self[name] else {
            throw CheckpointError.tensorNotFound(file: url.path, tensor: name)
        }
        return tensor
    }

    /// Calls `body` with the raw little-endian bytes of the tensor called `name`, straight from
    /// the mapping (no copy).
    ///
    /// The bytes are only 8-byte aligned when the writer aligned them (files written by
    /// `safetensors` and by ``SafeTensorsWriter`` are); read them with `loadUnaligned`.
    /// - Parameters:
    ///   - name: The tensor's name.
    ///   - body: A closure that must not let the pointer escape.
    /// - Returns: What `body` returns.
    /// - Throws: ``CheckpointError/tensorNotFound(file:tensor:)``, or what `body` throws.
    public func withUnsafeBytes<Result>(
        of name: String, _ body: (UnsafeRawBufferPointer) throws -> Result
    ) throws -> Result {
        let tensor = try info(name)
        return try withExtendedLifetime(mapping) {
            let start = dataStart + tensor.dataOffsets.lowerBound
            let end = dataStart + tensor.dataOffsets.upperBound
            return try body(UnsafeRawBufferPointer(rebasing: mapping.bytes[start..<end]))
        }
    }
}

// MARK: - Header validation

/// The parsed and validated header of a safetensors file.
struct SafeTensorsHeader {
    var metadata: [String: String] = [:]
    /// The tensors sorted by their byte ranges.
    var tensors: [SafeTensorsFile.TensorInfo] = []

    /// Parses `bytes` (the header JSON) and checks its tensors against a data section of
    /// `dataSize` bytes.
    init(bytes: UnsafeRawBufferPointer, dataSize: Int, file: String) throws {
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes, file: file)
        } catch CheckpointError.invalidJSON(_, let offset, let reason) {
            throw CheckpointError.invalidHeader(
                file: file, reason: "not valid JSON at byte \(offset + 8) of the file: \(reason)")
        }
        guard case .object(let object) = json else {
            throw CheckpointError.invalidHeader(
                file: file, reason: "expected a JSON object, found \(json.kindName)")
        }
        for (key, value) in object {
            if key == "__metadata__" {
                metadata = try Self.parseMetadata(value, file: file)
            } else {
                tensors.append(try Self.parseTensor(key, value, file: file))
            }
        }
        tensors.sort {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound, $0.name)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound, $1.name)
        }
        try Self.checkTiling(tensors, dataSize: dataSize, file: file)
    }

    private static func parseMetadata(_ value: JSONValue, file: String) throws -> [String: String] {
        if value == .null { return [:] }
        guard case .object(let object) = value else {
            throw CheckpointError.invalidHeader(
                file: file, reason: "'__metadata__' must be an object, found \(value.kindName)")
        }
        var metadata: [String: String] = [:]
        for (key, entry) in object {
            guard case .string(let string) = entry else {
                throw CheckpointError.invalidHeader(
                    file: file,
                    reason: "'__metadata__' value for key '\(key)' must be a string, found "
                        + entry.kindName)
            }
            metadata[key] = string
        }
        return metadata
    }

    private static func parseTensor(
        _ name: String, _ value: JSONValue, file: String
    ) throws -> SafeTensorsFile.TensorInfo {
        func invalid(_ field: String, _ reason: String) -> CheckpointError {
            .invalidTensorEntry(file: file, tensor: name, field: field, reason: reason)
        }
        guard case .object(let entry) = value else {
            throw invalid("", "must be an object, found \(value.kindName)")
        }
        guard let dtypeValue = entry["dtype"] else { throw invalid("dtype", "is missing") }
        guard case .string(let dtypeName) = dtypeValue else {
            throw invalid("dtype", "must be a string, found \(dtypeValue.kindName)")
        }
        guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
            throw CheckpointError.unknownDType(file: file, tensor: name, dtype: dtypeName)
        }
        let shape = try naturalNumbers(entry["shape"], field: "shape", invalid: invalid)
        let offsets = try naturalNumbers(
            entry["data_offsets"], field: "data_offsets", invalid: invalid)
        guard offsets.count == 2 else {
            throw invalid(
                "data_offsets", "must hold 2 numbers [begin, end], found \(offsets.count)")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else {
            throw CheckpointError.invalidOffsets(file: file, tensor: name, begin: begin, end: end)
        }
        var byteCount = dtype.byteSize
        for dimension in shape {
            let (product, overflow) = byteCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw invalid("shape", "\(shape) overflows the byte count") }
            byteCount = product
        }
        guard byteCount == end - begin else {
            throw CheckpointError.sizeMismatch(
                file: file, tensor: name, dtype: dtypeName, shape: shape,
                expectedBytes: byteCount, actualBytes: end - begin)
        }
        return SafeTensorsFile.TensorInfo(
            name: name, dtype: dtype, shape: shape, dataOffsets: begin..<end)
    }

    /// The field as an array of integers ≥ 0.
    private static func naturalNumbers(
        _ value: JSONValue?, field: String, invalid: (String, String) -> CheckpointError
    ) throws -> [Int] {
        guard let value else { throw invalid(field, "is missing") }
        guard case .array(let elements) = value else {
            throw invalid(field, "must be an array of integers, found \(value.kindName)")
        }
        return try elements.map { element in
            guard let number = element.intValue, number >= 0 else {
                throw invalid(
                    field,
                    "must hold integers ≥ 0, found \(element.serialized()) (\(element.kindName))")
            }
            return number
        }
    }

    /// Checks that the sorted byte ranges cover `0..<dataSize` exactly, once.
    private static func checkTiling(
        _ tensors: [SafeTensorsFile.TensorInfo], dataSize: Int, file: String
    ) throws {
        var expectedBegin = 0
        var previous: SafeTensorsFile.TensorInfo?
        for tensor in tensors {
            let range = tensor.dataOffsets
            if range.lowerBound < expectedBegin, let previous {
                throw CheckpointError.overlappingTensors(
                    file: file, tensor: tensor.name, begin: range.lowerBound,
                    previous: previous.name, previousEnd: previous.dataOffsets.upperBound)
            }
            if range.lowerBound > expectedBegin {
                throw CheckpointError.gapBeforeTensor(
                    file: file, tensor: tensor.name, begin: range.lowerBound,
                    expectedBegin: expectedBegin)
            }
            if range.upperBound > dataSize {
                throw CheckpointError.dataOutOfBounds(
                    file: file, tensor: tensor.name, end: range.upperBound, dataSize: dataSize)
            }
            expectedBegin = range.upperBound
            previous = tensor
        }
        if expectedBegin != dataSize {
            throw CheckpointError.trailingBytes(
                file: file, expectedDataSize: expectedBegin, actualDataSize: dataSize)
        }
    }
}
