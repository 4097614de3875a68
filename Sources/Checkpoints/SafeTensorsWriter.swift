// swift-bert — Checkpoints: writing safetensors files as `safetensors.torch.save_file` does.

import Foundation

/// Collects tensors and writes them as one safetensors file, atomically.
///
/// The output is the file that `safetensors.torch.save_file(tensors, path, metadata)` writes
/// for the same tensors, byte for byte: tensors ordered by decreasing dtype alignment (I64
/// before F32), then by name; a compact JSON header with `__metadata__` first, padded with
/// spaces to a multiple of 8 bytes so that every tensor's data is 8-byte aligned. The file is
/// replaced through ``AtomicFile``, so a failure leaves an existing file untouched.
///
/// ```swift
/// var writer = SafeTensorsWriter()
/// try writer.add("classifier.weight", shape: [2, 384], floats: weights)
/// try writer.write(to: folder.appendingPathComponent("model.safetensors"))
/// ```
public struct SafeTensorsWriter {
    private enum Storage {
        case floats([Float])
        case borrowedFloats(UnsafeBufferPointer<Float>)
        case integers([Int])
    }

    private struct Entry {
        var name: String
        var shape: [Int]
        var dtype: SafeTensorsDType
        var storage: Storage
        var byteCount: Int
    }

    /// The `__metadata__` strings, omitted from the file when empty.
    ///
    /// transformers writes `["format": "pt"]` and `from_pretrained` checks for it.
    public var metadata: [String: String]
    private var entries: [Entry] = []
    private var names: Set<String> = []

    /// Creates an empty writer.
    /// - Parameter metadata: The `__metadata__` strings.
    public init(metadata: [String: String] = ["format": "pt"]) {
        self.metadata = metadata
    }

    /// Adds an F32 tensor whose values the writer keeps (arrays are copy-on-write, so this
    /// does not copy them).
    /// - Parameters:
    ///   - name: A unique name other than `__metadata__`.
    ///   - shape: The dimensions, outermost first; `[]` for a scalar.
    ///   - floats: The values in row-major order, as many as the shape holds.
    /// - Throws: ``CheckpointError/invalidTensor(tensor:reason:)``.
    public mutating func add(_ name: String, shape: [Int], floats: [Float]) throws {
        try append(name, shape: shape, dtype: .float32, count: floats.count, .floats(floats))
    }

    /// Adds an F32 tensor read from memory the caller owns, such as a slice of a model's
    /// flat parameter buffer, without copying it.
    ///
    /// The memory must stay valid and unchanged until ``write(to:)`` returns.
    /// - Parameters:
    ///   - name: A unique name other than `__metadata__`.
    ///   - shape: The dimensions, outermost first.
    ///   - floats: The values in row-major order, as many as the shape holds.
    /// - Throws: ``CheckpointError/invalidTensor(tensor:reason:)``.
    public mutating func add(
        _ name: String, shape: [Int], borrowingFloats floats: UnsafeBufferPointer<Float>
    ) throws {
        try append(
            name, shape: shape, dtype: .float32, count: floats.count, .borrowedFloats(floats))
    }

    /// Adds an I64 tensor (token ids, `position_ids`).
    /// - Parameters:
    ///   - name: A unique name other than `__metadata__`.
    ///   - shape: The dimensions, outermost first.
    ///   - integers: The values in row-major order, as many as the shape holds.
    /// - Throws: ``CheckpointError/invalidTensor(tensor:reason:)``.
    public mutating func add(_ name: String, shape: [Int], integers: [Int]) throws {
        try append(name, shape: shape, dtype: .int64, count: integers.count, .integers(integers))
    }

    /// The tensors' names in the order their data will have in the file.
    public var tensorNames: [String] { orderedEntries().map(\.name) }

    /// Writes the file, replacing `url` atomically.
    /// - Throws: ``CheckpointError/writeFailed(file:operation:reason:)``; the destination is
    ///   then unchanged.
    /// - Complexity: O(total bytes); F32 data is written straight from its storage.
    public func write(to url: URL) throws {
        let ordered = orderedEntries()
        let header = Self.header(for: ordered, metadata: metadata)
        try AtomicFile.write(to: url) { output in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try output.write($0) }
            try output.write(header)
            for entry in ordered {
                switch entry.storage {
                case .floats(let values):
                    try values.withUnsafeBufferPointer { try Self.write($0, to: &output) }
                case .borrowedFloats(let values):
                    try Self.write(values, to: &output)
                case .integers(let values):
                    try values.withUnsafeBufferPointer { try Self.write($0, to: &output) }
                }
            }
        }
    }

    // MARK: - Implementation

    private mutating func append(
        _ name: String, shape: [Int], dtype: SafeTensorsDType, count: Int, _ storage: Storage
    ) throws {
        guard name != "__metadata__" else {
            throw CheckpointError.invalidTensor(tensor: name, reason: "the name is reserved")
        }
        guard !names.contains(name) else {
            throw CheckpointError.invalidTensor(tensor: name, reason: "added twice")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw CheckpointError.invalidTensor(
                tensor: name, reason: "shape \(shape) has a negative dimension")
        }
        let elementCount = shape.reduce(1, *)
        guard elementCount == count else {
            throw CheckpointError.invalidTensor(
                tensor: name,
                reason: "shape \(shape) holds \(elementCount) elements, the data has \(count)")
        }
        names.insert(name)
        entries.append(
            Entry(
                name: name, shape: shape, dtype: dtype, storage: storage,
                byteCount: count * dtype.byteSize))
    }

    /// Entries in file order: decreasing alignment rank, then name by code points (UTF-8
    /// bytes), as the Rust crate's `prepare` sorts them.
    private func orderedEntries() -> [Entry] {
        entries.sorted { left, right in
            if left.dtype != right.dtype {
                return left.dtype.alignmentRank > right.dtype.alignmentRank
            }
            return left.name.utf8.lexicographicallyPrecedes(right.name.utf8)
        }
    }

    /// The header JSON as serde_json writes it, padded with spaces to a multiple of 8.
    private static func header(for entries: [Entry], metadata: [String: String]) -> [UInt8] {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                .map { JSONValue.quoted($0.key) + ":" + JSONValue.quoted($0.value) }
            fields.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for entry in entries {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            let end = offset + entry.byteCount
            fields.append(
                JSONValue.quoted(entry.name) + ":{\"dtype\":\"\(entry.dtype.rawValue)\","
                    + "\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var bytes = Array(("{" + fields.joined(separator: ",") + "}").utf8)
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - bytes.count % 8) % 8))
        return bytes
    }

    private static func write(
        _ values: UnsafeBufferPointer<Float>, to output: inout AtomicFile.Output
    )
        throws
    {
        #if _endian(little)
            try output.write(UnsafeRawBufferPointer(values))
        #else
            try writeConverted(values, to: &output) { $0.bitPattern.littleEndian }
        #endif
    }

    private static func write(
        _ values: UnsafeBufferPointer<Int>, to output: inout AtomicFile.Output
    )
        throws
    {
        try writeConverted(values, to: &output) { Int64($0).littleEndian }
    }

    /// Converts `values` in chunks of 8192 into a scratch buffer and writes each chunk.
    private static func writeConverted<Source, Target>(
        _ values: UnsafeBufferPointer<Source>, to output: inout AtomicFile.Output,
        _ convert: (Source) -> Target
    ) throws {
        let chunk = 8192
        var scratch: [Target] = []
        scratch.reserveCapacity(min(chunk, values.count))
        var start = 0
        while start < values.count {
            let end = min(start + chunk, values.count)
            scratch.removeAll(keepingCapacity: true)
            for index in start..<end { scratch.append(convert(values[index])) }
            try scratch.withUnsafeBytes { try output.write($0) }
            start = end
        }
    }
}
