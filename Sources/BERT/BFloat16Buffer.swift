// swift-bert — the BERT model.

/// A fixed-size, 64-byte-aligned buffer of bf16 bits (`UInt16`) that owns its memory: the
/// bf16 copy of a model's parameters that mixed-precision GEMMs read.
public final class BFloat16Buffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<UInt16>

    public init(count: Int) {
        precondition(count >= 0, "BFloat16Buffer count must be ≥ 0")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<UInt16>.stride, alignment: 64)
        pointer = raw.bindMemory(to: UInt16.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
