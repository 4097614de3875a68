// swift-bert — Checkpoints: writing float32 arrays as NumPy `.npy` files.

import Foundation

/// Writes a float32 array as a NumPy `.npy` file (format version 1.0), atomically.
///
/// The file is what `numpy.save(path, array.astype("<f4"))` writes for a C-ordered array: the
/// magic `\x93NUMPY`, version 1.0, a little-endian 2-byte header length, then the header
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (n, d), }` padded with spaces and ended
/// by `\n` so that the data starts at a multiple of 64 bytes, then the values, little-endian.
/// `numpy.load` reads it back without `allow_pickle`.
public enum NumPyWriter {
    /// The header bytes (magic, version, length, dictionary) for a float32 array of `shape`.
    /// - Precondition: every dimension is ≥ 0 and the header fits version 1.0 (65,535 bytes).
    public static func header(shape: [Int]) -> [UInt8] {
        precondition(shape.allSatisfy { $0 >= 0 }, "NumPyWriter: negative dimension in \(shape)")
        let dimensions =
            shape.count == 1
            ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dictionary = Array(
            "{'descr': '<f4', 'fortran_order': False, 'shape': \(dimensions), }".utf8)
        let prefix = 10  // magic (6) + version (2) + header length (2)
        let total = prefix + dictionary.count + 1
        dictionary += repeatElement(UInt8(ascii: " "), count: (64 - total % 64) % 64)
        dictionary.append(UInt8(ascii: "\n"))
        precondition(dictionary.count <= Int(UInt16.max), "NumPyWriter: header too long")
        let length = UInt16(dictionary.count)
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
            + dictionary
    }

    /// Writes `values` (row-major, as many as `shape` holds) to `url`, replacing it
    /// atomically.
    /// - Throws: ``CheckpointError/invalidTensor(tensor:reason:)`` when the count and shape
    ///   disagree; ``CheckpointError/writeFailed(file:operation:reason:)`` (the destination
    ///   is then unchanged).
    public static func write(_ values: UnsafeBufferPointer<Float>, shape: [Int], to url: URL)
        throws
    {
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), count == values.count else {
            throw CheckpointError.invalidTensor(
                tensor: url.lastPathComponent,
                reason: "shape \(shape) holds \(count) elements, the data has \(values.count)")
        }
        try AtomicFile.write(to: url) { output in
            try output.write(header(shape: shape))
            #if _endian(little)
                try output.write(UnsafeRawBufferPointer(values))
            #else
                try output.write(values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
            #endif
        }
    }
}
