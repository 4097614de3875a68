// swift-bert — numeric kernels.
//
// Layer normalization over the last dimension: torch.nn.LayerNorm.

/// Layer normalization over each token's `hidden` features, as `torch.nn.LayerNorm(hidden,
/// eps=epsilon)` (elementwise affine, biased variance).
///
/// Row statistics are computed in Double (two passes: mean, then squared deviations) and
/// saved as Float, like PyTorch's `mean` and `rstd`. The output is formed in Float in
/// PyTorch's order, `((x − mean)·rstd)·weight + bias`; PyTorch fuses the last multiply-add
/// (checked against torch 2.15), which is left unfused here so that the loop vectorizes on
/// baseline x86-64 (a difference of at most about one unit in the last place).
public enum LayerNorm {
    /// Normalizes each row of `input`, then scales and shifts it.
    /// - Parameters:
    ///   - output: `[tokens, hidden]`, overwritten; may be `input` itself.
    ///   - mean: `[tokens]`, saved for backward: each row's mean.
    ///   - reciprocalStd: `[tokens]`, saved for backward: `1 / sqrt(variance + epsilon)`.
    ///   - input: `[tokens, hidden]`.
    ///   - weight: `[hidden]` (gamma, HF's `LayerNorm.weight`).
    ///   - bias: `[hidden]` (beta, HF's `LayerNorm.bias`).
    ///   - tokens: Rows of the packed batch.
    ///   - hidden: Features per token.
    ///   - epsilon: Added to the variance (`layer_norm_eps`, 1e-12 in BERT).
    /// - Complexity: O(tokens·hidden).
    public static func forward(
        output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
        reciprocalStd: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, tokens: Int, hidden: Int,
        epsilon: Float
    ) {
        precondition(tokens >= 0 && hidden > 0, "LayerNorm: tokens \(tokens) hidden \(hidden)")
        let epsilonD = Double(epsilon)
        let grain = max(1, Parallel.elementwiseGrain / hidden)
        Parallel.forEachChunk(
            items: tokens, minimumChunkSize: grain,
            context: (output, mean, reciprocalStd, input, weight, bias, hidden, epsilonD)
        ) { context, _, rows in
            let (output, mean, reciprocalStd, input, weight, bias, hidden, epsilonD) = context
            for row in rows {
                let x = input + row * hidden
                let y = output + row * hidden
                let meanD = sumInDouble(x, count: hidden) / Double(hidden)
                let variance =
                    squaredDeviationsInDouble(x, count: hidden, center: meanD)
                    / Double(hidden)
                let rstd = Float(1 / (variance + epsilonD).squareRoot())
                let mu = Float(meanD)
                mean[row] = mu
                reciprocalStd[row] = rstd
                for i in 0..<hidden { y[i] = (x[i] - mu) * rstd * weight[i] + bias[i] }
            }
        }
    }

    /// Backward of `forward`; ACCUMULATES (`+=`) into `dInput`, `dWeight` and `dBias`.
    ///
    /// With `x̂ = (x − mean)·rstd` and `g = dOutput·weight`:
    /// `dInput += rstd·(g − mean(g) − x̂·mean(g·x̂))`, `dWeight += Σ_tokens dOutput·x̂`,
    /// `dBias += Σ_tokens dOutput`. Row means are taken in Double; the parameter sums add the
    /// rows in order (the same bits for any thread count).
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
            for row in rows {
                let x = input + row * hidden
                let dy = dOutput + row * hidden
                let dx = dInput + row * hidden
                let mu = mean[row]
                let rstd = reciprocalStd[row]
                var sumG = 0.0
                var sumGX = 0.0
                for i in 0..<hidden {
                    let g = Double(dy[i] * weight[i])
                    sumG += g
                    sumGX += g * Double((x[i] - mu) * rstd)
                }
                let meanG = Float(sumG / Double(hidden))
                let meanGX = Float(sumGX / Double(hidden))
                if accumulate {
                    for i in 0..<hidden {
                        let xHat = (x[i] - mu) * rstd
                        dx[i] += rstd * (dy[i] * weight[i] - meanG - xHat * meanGX)
                    }
                } else {
                    for i in 0..<hidden {
                        let xHat = (x[i] - mu) * rstd
                        dx[i] = rstd * (dy[i] * weight[i] - meanG - xHat * meanGX)
                    }
                }
            }
        }
        Parallel.forEachChunk(
            items: hidden, minimumChunkSize: Parallel.columnGrain(rows: tokens),
            context: (dWeight, dBias, dOutput, input, mean, reciprocalStd, tokens, hidden)
        ) { context, _, columns in
            let (dWeight, dBias, dOutput, input, mean, reciprocalStd, tokens, hidden) = context
            let lower = columns.lowerBound
            let width = columns.count
            let dw = dWeight + lower
            let db = dBias + lower
            for row in 0..<tokens {
                let x = input + row * hidden + lower
                let dy = dOutput + row * hidden + lower
                let mu = mean[row]
                let rstd = reciprocalStd[row]
                for i in 0..<width {
                    dw[i] += dy[i] * ((x[i] - mu) * rstd)
                    db[i] += dy[i]
                }
            }
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
