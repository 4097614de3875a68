// swift-bert — numeric kernels.
//
// Layer normalization over the last dimension: torch.nn.LayerNorm.

import _VectorKernels

/// Layer normalization over each token's `hidden` features, as `torch.nn.LayerNorm(hidden,
/// eps=epsilon)` (elementwise affine, biased variance).
///
/// Row statistics are computed in Double (two passes: mean, then squared deviations) and
/// saved as Float, like PyTorch's `mean` and `rstd`. The output is formed in Float in
/// PyTorch's order, `((x − mean)·rstd)·weight + bias`; PyTorch fuses the last multiply-add
/// (checked against torch 2.15), which is left unfused here so that the loop vectorizes on
/// baseline x86-64 (a difference of at most about one unit in the last place).
///
/// The loops are C (`swiftbert_layer_norm_*` in `_VectorKernels`), compiled for AVX-512, AVX2
/// and baseline and picked from the CPU, with the same bits on each.
public enum LayerNorm {
    /// Normalizes each row of `input`, then scales and shifts it.
    /// - Parameters:
    ///   - output: `[tokens, hidden]`, overwritten; not overlapping `input`.
    ///   - mean: `[tokens]`, saved for backward: each row's mean.
    ///   - reciprocalStd: `[tokens]`, saved for backward: `1 / sqrt(variance + epsilon)`.
    ///   - input: `[tokens, hidden]`.
    ///   - weight: `[hidden]` (gamma, HF's `LayerNorm.weight`).
    ///   - bias: `[hidden]` (beta, HF's `LayerNorm.bias`).
    ///   - tokens: Rows of the packed batch.
    ///   - hidden: Features per token.
    ///   - epsilon: Added to the variance (`layer_norm_eps`, 1e-12 in BERT).
    ///   - outputBFloat16: `[tokens, hidden]`, overwritten with `output` rounded to bf16 as it
    ///     is made (the operand a bf16 product takes next, ``Linear``'s `inputBFloat16`), or
    ///     `nil`.
    /// - Complexity: O(tokens·hidden).
    public static func forward(
        output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        reciprocalStd: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, tokens: Int, hidden: Int,
        epsilon: Float, outputBFloat16: UnsafeMutablePointer<UInt16>? = nil
    ) {
        precondition(tokens >= 0 && hidden > 0, "LayerNorm: tokens \(tokens) hidden \(hidden)")
        precondition(UnsafePointer(output) != input, "LayerNorm: output is the input")
        let grain = max(1, Parallel.elementwiseGrain / hidden)
        Parallel.forEachChunk(
            items: tokens, minimumChunkSize: grain,
            context: (output, outputBFloat16, mean, reciprocalStd, input, weight, bias, hidden,
                Double(epsilon))
        ) { context, _, rows in
            let (output, bits, mean, reciprocalStd, input, weight, bias, hidden, epsilon) = context
            swiftbert_layer_norm_forward(
                output, bits, mean, reciprocalStd, input, weight, bias, rows.lowerBound,
                rows.upperBound, hidden, epsilon)
        }
    }

    /// Backward of `forward`; ACCUMULATES (`+=`) into `dInput`, `dWeight` and `dBias`.
    ///
    /// With `x̂ = (x − mean)·rstd` and `g = dOutput·weight`:
    /// `dInput += rstd·(g − mean(g) − x̂·mean(g·x̂))`, `dWeight += Σ_tokens dOutput·x̂`,
    /// `dBias += Σ_tokens dOutput`. Row means are taken in Double (four interleaved sums, as
    /// the forward's statistics); the parameter sums add the rows in order (the same bits for
    /// any thread count).
    /// - Parameters:
    ///   - dInput: `[tokens, hidden]`, accumulated into.
    ///   - dWeight: `[hidden]`, accumulated into.
    ///   - dBias: `[hidden]`, accumulated into.
    ///   - dOutput: `[tokens, hidden]`.
    ///   - input: `[tokens, hidden]`, the forward input.
    ///   - mean: `[tokens]`, saved by `forward`.
    ///   - reciprocalStd: `[tokens]`, saved by `forward`.
    ///   - weight: `[hidden]`.
    ///   - tokens: Rows of the packed batch.
    ///   - hidden: Features per token.
    /// - Complexity: O(tokens·hidden).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
        dBias: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
        input: UnsafePointer<Float>, mean: UnsafePointer<Float>,
        reciprocalStd: UnsafePointer<Float>, weight: UnsafePointer<Float>, tokens: Int,
        hidden: Int, accumulate: Bool = true
    ) {
        precondition(tokens >= 0 && hidden > 0, "LayerNorm: tokens \(tokens) hidden \(hidden)")
        let grain = max(1, Parallel.elementwiseGrain / hidden)
        Parallel.forEachChunk(
            items: tokens, minimumChunkSize: grain,
            context: (dInput, dOutput, input, mean, reciprocalStd, weight, hidden, accumulate)
        ) { context, _, rows in
            let (dInput, dOutput, input, mean, reciprocalStd, weight, hidden, accumulate) = context
            swiftbert_layer_norm_backward(
                dInput, dOutput, input, mean, reciprocalStd, weight, rows.lowerBound,
                rows.upperBound, hidden, accumulate ? 1 : 0)
        }
        Parallel.forEachChunk(
            items: hidden, minimumChunkSize: Parallel.columnGrain(rows: tokens),
            context: (dWeight, dBias, dOutput, input, mean, reciprocalStd, tokens, hidden)
        ) { context, _, columns in
            let (dWeight, dBias, dOutput, input, mean, reciprocalStd, tokens, hidden) = context
            swiftbert_layer_norm_parameter_sums(
                dWeight, dBias, dOutput, input, mean, reciprocalStd, tokens, hidden,
                columns.lowerBound, columns.upperBound)
        }
    }

    /// Reference forward in Double, for tests.
    public static func referenceForward(
        input: [Double], weight: [Double], bias: [Double], tokens: Int, hidden: Int,
        epsilon: Double
    ) -> (output: [Double], mean: [Double], reciprocalStd: [Double]) {
        var output = [Double](repeating: 0, count: tokens * hidden)
        var means = [Double](repeating: 0, count: tokens)
        var rstds = [Double](repeating: 0, count: tokens)
        for t in 0..<tokens {
            let row = input[(t * hidden)..<((t + 1) * hidden)]
            let mu = row.reduce(0, +) / Double(hidden)
            let variance = row.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(hidden)
            let rstd = 1 / (variance + epsilon).squareRoot()
            means[t] = mu
            rstds[t] = rstd
            for i in 0..<hidden {
                output[t * hidden + i] = (input[t * hidden + i] - mu) * rstd * weight[i] + bias[i]
            }
        }
        return (output, means, rstds)
    }

    /// Reference backward in Double, for tests; recomputes the statistics and returns fresh
    /// gradients (no accumulation).
    public static func referenceBackward(
        dOutput: [Double], input: [Double], weight: [Double], tokens: Int, hidden: Int,
        epsilon: Double
    ) -> (dInput: [Double], dWeight: [Double], dBias: [Double]) {
        let bias = [Double](repeating: 0, count: hidden)
        let forward = referenceForward(
            input: input, weight: weight, bias: bias, tokens: tokens, hidden: hidden,
            epsilon: epsilon)
        var dInput = [Double](repeating: 0, count: tokens * hidden)
        var dWeight = [Double](repeating: 0, count: hidden)
        var dBias = [Double](repeating: 0, count: hidden)
        let n = Double(hidden)
        for t in 0..<tokens {
            let rstd = forward.reciprocalStd[t]
            var xHat = [Double](repeating: 0, count: hidden)
            var g = [Double](repeating: 0, count: hidden)
            for i in 0..<hidden {
                xHat[i] = (input[t * hidden + i] - forward.mean[t]) * rstd
                g[i] = dOutput[t * hidden + i] * weight[i]
                dWeight[i] += dOutput[t * hidden + i] * xHat[i]
                dBias[i] += dOutput[t * hidden + i]
            }
            let meanG = g.reduce(0, +) / n
            let meanGX = zip(g, xHat).reduce(0) { $0 + $1.0 * $1.1 } / n
            for i in 0..<hidden {
                dInput[t * hidden + i] = rstd * (g[i] - meanG - xHat[i] * meanGX)
            }
        }
        return (dInput, dWeight, dBias)
    }
}
