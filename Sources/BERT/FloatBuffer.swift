// swift-bert — the BERT model.

/// A fixed-size, 64-byte-aligned, zero-initialized Float buffer that owns its memory.
///
/// Parameters, gradients, optimizer moments and activations all live in these, so hot loops
/// get a raw pointer once and never touch reference-counted arrays.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "FloatBuffer count must be ≥ 0")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }

    /// The whole buffer.
    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// A copy of the elements in `range`.
    public func array(_ range: Range<Int>? = nil) -> [Float] {
        let range = range ?? 0..<count
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
        return Array(UnsafeBufferPointer(start: pointer + range.lowerBound, count: range.count))
    }
}
