// swift-bert — numeric kernels.
//
// Global gradient-norm clipping: torch.nn.utils.clip_grad_norm_.

import _VectorKernels

/// Clipping by global L2 norm, as `torch.nn.utils.clip_grad_norm_(parameters, max_norm,
/// norm_type=2)` over all gradients at once.
///
/// PyTorch takes each tensor's norm in Float, then the norm of those norms. Over one flat
/// buffer this takes the sum of squares in Double instead: 64 parts with fixed boundaries,
/// each summed in a fixed order, added in part order. The result is the same bits for any
/// thread count and at least as accurate as PyTorch's, from which it differs by rounding.
/// Each part's sum is `swiftbert_sum_squares` (C, vectorized, one order of additions on
/// every instruction set).
public enum GradientClipping {
    /// The number of fixed parts the sum of squares is split into.
    static let parts = 64

    /// The L2 norm of `gradients`, `sqrt(Σ g²)`.
    /// - Parameters:
    ///   - gradients: `[count]`.
    ///   - count: Elements in each buffer.
    /// - Returns: The norm, rounded once from Double to Float.
    /// - Complexity: O(count).
    public static func globalNorm(gradients: UnsafePointer<Float>, count: Int) -> Float {
        precondition(count >= 0, "GradientClipping: negative count \(count)")
        let parts = Self.parts
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: parts) { sums in
            guard let partial = sums.baseAddress else { return 0 }
            let partsPerChunk = max(1, (Parallel.elementwiseGrain * 4) / max(1, count / parts))
            Parallel.forEachChunk(
                items: parts, minimumChunkSize: partsPerChunk,
                context: (partial, gradients, parts, count)
            ) { context, _, range in
                let (partial, gradients, parts, count) = context
                for part in range {
                    let bounds = Parallel.chunk(part, of: parts, items: count)
                    partial[part] = swiftbert_sum_squares(
                        gradients + bounds.lowerBound, bounds.count)
                }
            }
            var total = 0.0
            for part in 0..<parts { total += partial[part] }
            return Float(total.squareRoot())
        }
    }

    /// Scales `gradients` so that their global norm is at most `maxNorm`, as
    /// `clip_grad_norm_` does.
    ///
    /// `coefficient = maxNorm / (norm + 1e-6)` in Float; when it is below 1 (or NaN, which
    /// PyTorch's clamp propagates), every gradient is multiplied by it. A non-finite norm is
    /// not an error (PyTorch's default `error_if_nonfinite=False`).
    /// - Parameters:
    ///   - gradients: `[count]`, scaled in place.
    ///   - count: Elements in each buffer.
    ///   - maxNorm: The largest norm allowed (`max_norm`; the tutorial uses 1.0).
    /// - Returns: The norm before clipping, as PyTorch returns it.
    /// - Complexity: O(count).
    @discardableResult
    public static func clip(
        gradients: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float
    ) -> Float {
        let norm = globalNorm(gradients: gradients, count: count)
        let coefficient = scale(norm: norm, maxNorm: maxNorm)
        guard coefficient != 1 else { return norm }
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain,
            context: (gradients, coefficient)
        ) { context, _, range in
            let (gradients, coefficient) = context
            for i in range { gradients[i] *= coefficient }
        }
        return norm
    }

    /// The factor `clip` multiplies the gradients by: `maxNorm / (norm + 1e-6)` in Float,
    /// clamped to at most 1 (NaN stays NaN, as in PyTorch's `clamp(max=1.0)`).
    ///
    /// For a fused update: `AdamW.step(…, gradientScale:)` applies it as it reads each
    /// gradient, the same Float product `clip` would store, without a pass over the buffer.
    public static func scale(norm: Float, maxNorm: Float) -> Float {
        let coefficient = maxNorm / (norm + 1e-6)
        return coefficient < 1 || coefficient.isNaN ? coefficient : 1
    }

    /// Reference norm in Double, for tests.
    public static func referenceNorm(gradients: [Double]) -> Double {
        gradients.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}
