// swift-bert — Distributed: data-parallel communication over MPI.

/// Which ranges of a flat gradient buffer form each all-reduce bucket, and when each bucket
/// is ready: PyTorch DDP's bucket assignment (`bucket_cap_mb`, 25 MiB by default).
///
/// The backward pass finishes the gradient in *segments* (the head, then each encoder layer
/// from last to first, then the embeddings), given here in the order they become ready.
/// Consecutive segments that are adjacent in the buffer join one bucket while it stays within
/// `capacity` elements, so that every bucket is one contiguous range (one MPI message); a
/// segment longer than `capacity` is cut into pieces of at most `capacity` elements. With
/// the model's ``ParameterTable`` layout (embeddings, layers 0 … L−1, then the head) the
/// backward order walks the buffer from its end to its start, and every bucket is a run of
/// whole layers. The plan depends only on its inputs, so every rank makes the same one.
public struct GradientBuckets: Sendable, Equatable {
    /// DDP's default bucket size, 25 MiB, in `Float` elements.
    public static let defaultCapacity = 25 * 1024 * 1024 / MemoryLayout<Float>.stride

    /// The buckets, in the order they become ready (the order to start them).
    public let buckets: [Range<Int>]
    /// For each segment, the buckets completed once it is ready (indices into ``buckets``;
    /// empty while its bucket still waits for later segments).
    public let completed: [Range<Int>]

    /// Plans buckets of at most `capacity` elements over `segments`, given in ready order.
    ///
    /// - Precondition: `capacity ≥ 1`; segments are non-empty and do not overlap.
    public init(segments: [Range<Int>], capacity: Int = defaultCapacity) {
        precondition(capacity >= 1, "GradientBuckets: capacity \(capacity) < 1")
        // Each bucket with the last segment it needs; appended in the order they complete.
        var planned: [(range: Range<Int>, last: Int)] = []
        var open: (range: Range<Int>, last: Int)?
        for (index, segment) in segments.enumerated() {
            precondition(!segment.isEmpty, "GradientBuckets: segment \(index) is empty")
            var rest = segment
            if let bucket = open {
                precondition(
                    !bucket.range.overlaps(segment), "GradientBuckets: segment \(index) overlaps")
                let fits = bucket.range.count + segment.count <= capacity
                if fits && segment.upperBound == bucket.range.lowerBound {
                    open = (segment.lowerBound..<bucket.range.upperBound, index)
                    continue
                } else if fits && segment.lowerBound == bucket.range.upperBound {
                    open = (bucket.range.lowerBound..<segment.upperBound, index)
                    continue
                }
                planned.append(bucket)
                open = nil
            }
            // Cut a long segment from its top down, the direction the backward pass walks;
            // the bottom piece stays open for the next segment to join.
            while rest.count > capacity {
                planned.append(((rest.upperBound - capacity)..<rest.upperBound, index))
                rest = rest.lowerBound..<(rest.upperBound - capacity)
            }
            open = (rest, index)
        }
        if let bucket = open { planned.append(bucket) }
        buckets = planned.map(\.range)
        var completed = [Range<Int>](repeating: 0..<0, count: segments.count)
        var next = 0
        for index in segments.indices {
            let first = next
            while next < planned.count && planned[next].last == index { next += 1 }
            completed[index] = first..<next
        }
        self.completed = completed
    }
}
