// swift-bert — numeric kernels.
//
// Fully connected layer: torch.nn.functional.linear.

/// A fully connected layer, `output = input·weightᵀ + bias`, as `torch.nn.functional.linear`.
///
/// The weight is PyTorch's `nn.Linear` layout, `[outFeatures, inFeatures]`. The forward pass
/// copies the bias into every output row and runs one GEMM with `beta = 1`, as `torch.addmm`
/// does.
public enum Linear {
    /// Computes `output = input·weightᵀ + bias`.
    /// - Parameters:
    ///   - output: `[tokens, outFeatures]`, overwritten.
    ///   - input: `[tokens, inFeatures]`.
    ///   - weight: `[outFeatures, inFeatures]`.
    ///   - bias: `[outFeatures]`, or `nil` for none.
    ///   - tokens: Rows of the packed batch.
    ///   - inFeatures: Input features.
    ///   - outFeatures: Output features.
    /// - Complexity: O(tokens·inFeatures·outFeatures).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, tokens: Int, inFeatures: Int,
        outFeatures: Int
    ) {
        precondition(
            tokens >= 0 && inFeatures >= 0 && outFeatures >= 0,
            "Linear: negative size tokens \(tokens) in \(inFeatures) out \(outFeatures)")
        if let bias {
            Parallel.forEachChunk(
                items: tokens, minimumChunkSize: Parallel.elementwiseGrain / max(1, outFeatures),
                context: (output, bias, outFeatures)
            ) { context, _, rows in
                let (output, bias, outFeatures) = context
                for row in rows {
                    (output + row * outFeatures).update(from: bias, count: outFeatures)
                }
            }
        }
        Gemm.multiply(
            output, input, weight, m: tokens, n: outFeatures, k: inFeatures, transposeB: true,
            beta: bias == nil ? 0 : 1)
    }

    /// Backward of `forward`; ACCUMULATES (`+=`) into `dInput`, `dWeight` and `dBias`.
    ///
    /// `dInput += dOutput·weight`, `dWeight += dOutputᵀ·input`, `dBias += Σ_tokens dOutput`.
    /// The bias sum adds rows in order (the same bits for any thread count).
    /// - Parameters:
    ///   - dInput: `[tokens, inFeatures]`, accumulated into; `nil` skips it (a first layer).
    ///   - dWeight: `[outFeatures, inFeatures]`, accumulated into.
    ///   - dBias: `[outFeatures]`, accumulated into; `nil` when the layer has no bias.
    ///   - dOutput: `[tokens, outFeatures]`.
    ///   - input: `[tokens, inFeatures]`, the forward input.
    ///   - weight: `[outFeatures, inFeatures]`.
    ///   - tokens: Rows of the packed batch.
    ///   - inFeatures: Input features.
    ///   - outFeatures: Output features.
    /// - Complexity: O(tokens·inFeatures·outFeatures).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>,
        dBias: UnsafeMutablePointer<Float>?, dOutput: UnsafePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, tokens: Int, inFeatures: Int,
        outFeatures: Int
    ) {
        precondition(
            tokens >= 0 && inFeatures >= 0 && outFeatures >= 0,
            "Linear: negative size tokens \(tokens) in \(inFeatures) out \(outFeatures)")
        if let dInput {
            Gemm.multiply(
                dInput, dOutput, weight, m: tokens, n: inFeatures, k: outFeatures, beta: 1)
        }
        Gemm.multiply(
            dWeight, dOutput, input, m: outFeatures, n: inFeatures, k: tokens, transposeA: true,
            beta: 1)
        if let dBias {
            Parallel.accumulateColumnSums(dBias, dOutput, rows: tokens, columns: outFeatures)
        }
    }

    /// Reference forward in Double, for tests: `output[t][o] = Σ_i input[t][i]·weight[o][i] +
    /// bias[o]`.
    public static func referenceForward(
        input: [Double], weight: [Double], bias: [Double]?, tokens: Int, inFeatures: Int,
        outFeatures: Int
    ) -> [Double] {
        var output = [Double](repeating: 0, count: tokens * outFeatures)
        for t in 0..<tokens {
            for o in 0..<outFeatures {
                var sum = bias?[o] ?? 0
                for i in 0..<inFeatures {
                    sum += input[t * inFeatures + i] * weight[o * inFeatures + i]
                }
                output[t * outFeatures + o] = sum
            }
        }
        return output
    }

    /// Reference backward in Double, for tests; returns fresh gradients (no accumulation).
    public static func referenceBackward(
        dOutput: [Double], input: [Double], weight: [Double], tokens: Int, inFeatures: Int,
        outFeatures: Int
    ) -> (dInput: [Double], dWeight: [Double], dBias: [Double]) {
        var dInput = [Double](repeating: 0, count: tokens * inFeatures)
        var dWeight = [Double](repeating: 0, count: outFeatures * inFeatures)
        var dBias = [Double](repeating: 0, count: outFeatures)
        for t in 0..<tokens {
            for o in 0..<outFeatures {
                let g = dOutput[t * outFeatures + o]
                dBias[o] += g
                for i in 0..<inFeatures {
                    dInput[t * inFeatures + i] += g * weight[o * inFeatures + i]
                    dWeight[o * inFeatures + i] += g * input[t * inFeatures + i]
                }
            }
        }
        return (dInput, dWeight, dBias)
    }
}
