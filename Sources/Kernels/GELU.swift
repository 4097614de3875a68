// swift-bert — numeric kernels.
//
// Exact GELU: torch.nn.functional.gelu(approximate='none').

import _VectorKernels

/// The Gaussian error linear unit with the exact erf, as
/// `torch.nn.functional.gelu(x, approximate='none')` (HF's `hidden_act = "gelu"`).
///
/// `gelu(x) = x·½·(1 + erf(x/√2))`, evaluated in Float in PyTorch's order. `erf` is PyTorch's
/// own vectorized CPU approximation (Abramowitz–Stegun 7.1.26, absolute error below 1.5e-7),
/// so results follow PyTorch's float32 kernel more closely than an exact erf would; against
/// the exact function the error is below about `1e-7·|x|`. `exp` is a vectorizable polynomial
/// (PyTorch uses SLEEF's), within 2 units in the last place. The loops are C
/// (`swiftbert_gelu_forward`/`_backward`, with 1/√2 and PyTorch's 1/√(2π) =
/// `M_2_SQRTPI * M_SQRT1_2 * 0.5`), vectorized for the CPU at hand.
public enum GELU {
    /// Computes `output = gelu(input)` elementwise.
    /// - Parameters:
    ///   - output: `[count]`, overwritten; may be `input` itself.
    ///   - input: `[count]`.
    ///   - count: Elements in each buffer.
    ///   - outputBFloat16: `[count]`, overwritten with `output` rounded to bf16 as it is made
    ///     (the next bf16 product's operand, ``Linear``'s `inputBFloat16`), or `nil`. With a
    ///     `nil` `output`, only this is written (a bf16 pass whose products read nothing else).
    /// - Complexity: O(count).
    public static func forward(
        output: UnsafeMutablePointer<Float>?, input: UnsafePointer<Float>, count: Int,
        outputBFloat16: UnsafeMutablePointer<UInt16>? = nil
    ) {
        precondition(count >= 0, "GELU: negative count \(count)")
        precondition(output != nil || outputBFloat16 != nil, "GELU: no output")
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain / 8,
            context: (output, outputBFloat16, input)
        ) { context, _, range in
            let (output, bits, input) = context
            swiftbert_gelu_forward(output, bits, input, range.lowerBound, range.upperBound)
        }
    }

    /// Backward of `forward`; ACCUMULATES (`+=`) into `dInput`.
    ///
    /// `dInput += dOutput·(Φ(x) + x·φ(x))` with `Φ(x) = ½(1 + erf(x/√2))` and
    /// `φ(x) = exp(−x²/2)/√(2π)`, as PyTorch's `GeluBackward` (approximate='none').
    /// - Parameters:
    ///   - dInput: `[count]`, accumulated into.
    ///   - dOutput: `[count]`.
    ///   - input: `[count]`, the forward input.
    ///   - count: Elements in each buffer.
    /// - Complexity: O(count).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
        input: UnsafePointer<Float>, count: Int, accumulate: Bool = true
    ) {
        precondition(count >= 0, "GELU: negative count \(count)")
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain / 8,
            context: (dInput, dOutput, input, accumulate ? Int32(1) : 0)
        ) { context, _, range in
            let (dInput, dOutput, input, accumulate) = context
            swiftbert_gelu_backward(
                dInput, dOutput, input, range.lowerBound, range.upperBound, accumulate)
        }
    }

    /// Reference forward in Double, for tests: `x·½·(1 + erf(x/√2))`.
    public static func referenceForward(input: [Double]) -> [Double] {
        input.map { x in x * 0.5 * (1 + _erf(x / 2.0.squareRoot())) }
    }

    /// Reference backward in Double, for tests; returns a fresh gradient.
    public static func referenceBackward(dOutput: [Double], input: [Double]) -> [Double] {
        zip(dOutput, input).map { dy, x in
            let cdf = 0.5 * (1 + _erf(x / 2.0.squareRoot()))
            let pdf = _exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            return dy * (cdf + x * pdf)
        }
    }
}
