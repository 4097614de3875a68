// swift-bert — Distributed: data-parallel communication over MPI.

extension Communicator {
    /// Collects every rank's `values`, of any counts, on rank `root`, in rank order
    /// (`MPI_Gatherv` of their bytes, ``gather(_:to:)-([UInt8],_)``): for sharded evaluation,
    /// each rank's logits rows to rank 0.
    ///
    /// Every rank must call it. The values arrive bit for bit (NaN payloads included).
    /// - Returns: On `root`, the `size` arrays in rank order; on other ranks, `[]`.
    /// - Throws: ``DistributedError/messageTooLarge(operation:rank:bytes:limit:)`` on every
    ///   rank alike when the total exceeds 2³¹ − 1 bytes, or
    ///   ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func gather(_ values: [Float], to root: Int = 0) throws -> [[Float]] {
        try gatherElements(values, to: root)
    }

    /// Collects every rank's `values` on rank `root`, in rank order, as the `Float` overload
    /// does: for loss sums and counts.
    ///
    /// - Returns: On `root`, the `size` arrays in rank order; on other ranks, `[]`.
    /// - Throws: ``DistributedError/messageTooLarge(operation:rank:bytes:limit:)``, or
    ///   ``DistributedError/callFailed(function:rank:size:code:message:)``.
    public func gather(_ values: [Double], to root: Int = 0) throws -> [[Double]] {
        try gatherElements(values, to: root)
    }

    private func gatherElements<T: ReducibleElement>(_ values: [T], to root: Int) throws -> [[T]] {
        guard usesMPI else { return [values] }
        let bytes = values.withUnsafeBytes { Array($0) }
        let parts = try gather(bytes, to: root)
        let stride = MemoryLayout<T>.stride
        return parts.map { part in
            // Every rank sends whole elements of one type: a remainder is our own bug.
            precondition(
                part.count % stride == 0, "gather: \(part.count) bytes are not whole \(T.self)s")
            return [T](unsafeUninitializedCapacity: part.count / stride) { buffer, count in
                part.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
                }
                count = part.count / stride
            }
        }
    }
}
