// swift-bert — numeric kernels.
//
// Sentence embeddings: one vector per packed sequence, and their L2 normalization.

/// Pools each packed sequence's rows into one vector, as sentence-transformers' `Pooling`
/// module does over a padded batch with an attention mask (a packed batch has only real
/// tokens, so the mask is every row of the sequence).
///
/// Forward only: embeddings are computed for inference, never trained through here.
public enum SequencePooling {
    /// How a sequence's rows become one vector (sentence-transformers' `pooling_mode`).
    public enum Mode: String, CaseIterable, Sendable {
        /// `pooling_mode_mean_tokens`: the mean of the real tokens' rows
        /// (`sum(x · mask) / clamp(sum(mask), min=1e-9)`).
        case mean
        /// `pooling_mode_cls_token`: the first row ([CLS]).
        case cls
        /// `pooling_mode_max_tokens`: each feature's maximum over the real tokens
        /// (`x.masked_fill(mask == 0, -inf).max(dim=1)`).
        case max
    }

    /// Pools every sequence of a packed batch.
    ///
    /// Mean sums in Double (torch sums float32 in its own order; Double is within rounding of
    /// either) and divides by the length; an empty sequence gives zeros for `mean` (the sum
    /// over no rows divided by the clamp 1e-9) and `-infinity` for `max`, as torch would,
    /// and is not allowed for `cls`.
    /// - Parameters:
    ///   - output: `[batch, hidden]`, overwritten.
    ///   - input: `[tokens, hidden]`, the packed last hidden state.
    ///   - sequenceOffsets: `[batch + 1]`; sequence `s` is rows `offsets[s]..<offsets[s+1]`.
    ///   - batch: Sequences.
    ///   - hidden: Features per row.
    ///   - mode: The pooling.
    /// - Complexity: O(tokens·hidden).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        sequenceOffsets: UnsafePointer<Int32>, batch: Int, hidden: Int, mode: Mode
    ) {
        precondition(batch >= 0 && hidden > 0, "SequencePooling: batch \(batch) hidden \(hidden)")
        var sums = [Double](repeating: 0, count: hidden)
        for s in 0..<batch {
            let start = Int(sequenceOffsets[s])
            let end = Int(sequenceOffsets[s + 1])
            precondition(start <= end, "SequencePooling: offsets decrease at sequence \(s)")
            let y = output + s * hidden
            switch mode {
            case .cls:
                precondition(end > start, "SequencePooling: cls of the empty sequence \(s)")
                y.update(from: input + start * hidden, count: hidden)
            case .max:
                y.update(repeating: -.infinity, count: hidden)
                for t in start..<end {
                    let x = input + t * hidden
                    for i in 0..<hidden where x[i] > y[i] || x[i].isNaN { y[i] = x[i] }
                }
            case .mean:
                sums.withUnsafeMutableBufferPointer { sum in
                    for i in 0..<hidden { sum[i] = 0 }
                    for t in start..<end {
                        let x = input + t * hidden
                        for i in 0..<hidden { sum[i] += Double(x[i]) }
                    }
                    let count = Swift.max(Double(end - start), 1e-9)
                    for i in 0..<hidden { y[i] = Float(sum[i] / count) }
                }
            }
        }
    }
}

/// `torch.nn.functional.normalize(x, p=2, dim=-1, eps=1e-12)` over rows, in place:
/// `x / max(‖x‖₂, eps)`, as sentence-transformers' `Normalize` module.
public enum L2Normalize {
    /// Divides each row by its Euclidean norm (accumulated in Double), or by `epsilon` when
    /// the norm is smaller.
    /// - Parameters:
    ///   - rows: `[count, width]`, normalized in place.
    ///   - count: Rows.
    ///   - width: Features per row.
    ///   - epsilon: The smallest divisor (torch's default 1e-12).
    /// - Complexity: O(count·width).
    public static func forward(
        rows: UnsafeMutablePointer<Float>, count: Int, width: Int, epsilon: Double = 1e-12
    ) {
        precondition(count >= 0 && width > 0, "L2Normalize: count \(count) width \(width)")
        for r in 0..<count {
            let x = rows + r * width
            var squares = 0.0
            for i in 0..<width { squares += Double(x[i]) * Double(x[i]) }
            let divisor = Swift.max(squares.squareRoot(), epsilon)
            for i in 0..<width { x[i] = Float(Double(x[i]) / divisor) }
        }
    }
}
