// swift-bert — numeric kernels.
//
// Fully connected layer: torch.nn.functional.linear.

/// A fully connected layer, `output = input·weightᵀ + bias`, as `torch.nn.functional.linear`.
///
/// The weight is PyTorch's `nn.Linear` layout, `[outFeatures, inFeatures]`. The forward pass
/// is one GEMM with the bias broadcast over its rows, as `torch.addmm(bias, input, weightᵀ)`
/// (``Gemm``'s `bias`: oneDNN adds it in the product's epilogue).
///
/// With `precision: .bfloat16` every GEMM of the layer (forward, `dInput`, `dWeight`) takes
/// bf16 inputs and accumulates in fp32, as `linear` runs under
/// `torch.autocast("cpu", dtype=torch.bfloat16)`; the bias add and the bias gradient stay
/// fp32, and so do outputs and gradients. `weightBFloat16`, the weight already rounded to
/// bf16 (the model's copy, refreshed by the optimizer), saves converting it on every call;
/// `inputBFloat16`, room where the forward pass keeps its input rounded to bf16, saves the
/// backward's `dWeight` product rounding it again (where bf16 products run natively).
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
    ///   - precision: The GEMM's element type.
    ///   - weightBFloat16: `[outFeatures, inFeatures]` bf16 bits of `weight`, or `nil`.
    ///   - inputBFloat16: `[tokens, inFeatures]`, overwritten with `input` rounded to bf16 when
    ///     the product runs bf16 natively (``Gemm/runsBFloat16Natively(_:)``), for `backward`;
    ///     or `nil`.
    ///   - inputRounded: Whether `inputBFloat16` already holds `input` rounded to bf16 (its
    ///     producer wrote both, as ``LayerNorm/forward(output:mean:reciprocalStd:input:weight:bias:tokens:hidden:epsilon:outputBFloat16:)``
    ///     can), so that it is not rounded again.
    /// - Complexity: O(tokens·inFeatures·outFeatures).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, tokens: Int, inFeatures: Int,
        outFeatures: Int, precision: Precision = .float32,
        weightBFloat16: UnsafePointer<UInt16>? = nil,
        inputBFloat16: UnsafeMutablePointer<UInt16>? = nil, inputRounded: Bool = false
    ) {
        precondition(
            tokens >= 0 && inFeatures >= 0 && outFeatures >= 0,
            "Linear: negative size tokens \(tokens) in \(inFeatures) out \(outFeatures)")
        var inputOperand = GemmOperand(input, rowStride: max(1, inFeatures))
        if let inputBFloat16, Gemm.runsBFloat16Natively(precision) {
            if !inputRounded { BFloat16.convert(inputBFloat16, input, count: tokens * inFeatures) }
            inputOperand = GemmOperand(bfloat16: inputBFloat16, rowStride: max(1, inFeatures))
        }
        Gemm.multiply(
            output, rowStride: max(1, outFeatures), inputOperand,
            operand(weight, weightBFloat16, precision, inFeatures, transposed: true), m: tokens,
            n: outFeatures, k: inFeatures, bias: bias, precision: precision)
    }

    /// The weight as a GEMM operand: its bf16 copy in a bf16 product when there is one.
    private static func operand(
        _ weight: UnsafePointer<Float>, _ weightBFloat16: UnsafePointer<UInt16>?,
        _ precision: Precision, _ inFeatures: Int, transposed: Bool
    ) -> GemmOperand {
        let stride = max(1, inFeatures)
        if precision == .bfloat16, let weightBFloat16 {
            return GemmOperand(bfloat16: weightBFloat16, rowStride: stride, transposed: transposed)
        }
        return GemmOperand(weight, rowStride: stride, transposed: transposed)
    }

    /// Backward of `forward`; ACCUMULATES (`+=`) into `dInput`, `dWeight` and `dBias`.
    ///
    /// `dInput += dOutput·weight`, `dWeight += dOutputᵀ·input`, `dBias += Σ_tokens dOutput`.
    /// The bias sum adds rows in order (the same bits for any thread count).
    /// - Parameters:
    ///   - dInput: `[tokens, inFeatures]`, accumulated into; `nil` skips it (a first layer).
    ///   - dWeight: `[outFeatures, inFeatures]`, accumulated into; `nil` skips it (a frozen
    ///     weight, such as a tied embedding).
    ///   - dBias: `[outFeatures]`, accumulated into; `nil` when the layer has no bias.
    ///   - dOutput: `[tokens, outFeatures]`.
    ///   - input: `[tokens, inFeatures]`, the forward input.
    ///   - weight: `[outFeatures, inFeatures]`.
    ///   - tokens: Rows of the packed batch.
    ///   - inFeatures: Input features.
    ///   - outFeatures: Output features.
    ///   - precision: The GEMMs' element type.
    ///   - weightBFloat16: `[outFeatures, inFeatures]` bf16 bits of `weight`, or `nil`.
    ///   - inputBFloat16: What `forward` left in its `inputBFloat16` (same precision and
    ///     backend), or `nil` to round `input` again.
    /// - Complexity: O(tokens·inFeatures·outFeatures).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
        dBias: UnsafeMutablePointer<Float>?, dOutput: UnsafePointer<Float>,
        input: UnsafePointer<Float>, weight: UnsafePointer<Float>, tokens: Int, inFeatures: Int,
        outFeatures: Int, precision: Precision = .float32,
        weightBFloat16: UnsafePointer<UInt16>? = nil,
        inputBFloat16: UnsafePointer<UInt16>? = nil, accumulateInput: Bool = true
    ) {
        precondition(
            tokens >= 0 && inFeatures >= 0 && outFeatures >= 0,
            "Linear: negative size tokens \(tokens) in \(inFeatures) out \(outFeatures)")
        // Both products take dOutput: in bf16 it is rounded once for the two.
        let shared =
            precision == .bfloat16 && dInput != nil && dWeight != nil
            ? Gemm.sharedBFloat16(dOutput, rows: tokens, columns: outFeatures) : nil
        func gradient(transposed: Bool) -> GemmOperand {
            if let shared {
                return GemmOperand(
                    bfloat16: shared, rowStride: max(1, outFeatures), transposed: transposed)
            }
            return GemmOperand(dOutput, rowStride: max(1, outFeatures), transposed: transposed)
        }
        if let dInput {
            var weightOperand = operand(
                weight, weightBFloat16, precision, inFeatures, transposed: false)
            if Gemm.transposesWeightForInputGradient(
                tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures,
                precision: precision)
            {
                // Wᵀ stored [in, out] and read transposed: the forward product's layout.
                weightOperand = GemmOperand(
                    Gemm.transposedWeight(weight, rows: outFeatures, columns: inFeatures),
                    rowStride: outFeatures, transposed: true)
            }
            Gemm.multiply(
                dInput, rowStride: max(1, inFeatures), gradient(transposed: false),
                weightOperand, m: tokens, n: inFeatures, k: outFeatures,
                beta: accumulateInput ? 1 : 0, precision: precision)
        }
        if let dWeight {
            var inputOperand = GemmOperand(input, rowStride: max(1, inFeatures))
            if let inputBFloat16, Gemm.runsBFloat16Natively(precision) {
                inputOperand = GemmOperand(bfloat16: inputBFloat16, rowStride: max(1, inFeatures))
            }
            Gemm.multiply(
                dWeight, rowStride: max(1, inFeatures), gradient(transposed: true), inputOperand,
                m: outFeatures, n: inFeatures, k: tokens, beta: 1, precision: precision)
        }
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
