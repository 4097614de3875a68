// swift-bert — numeric kernels.
//
// Hyperbolic tangent: torch.tanh (the pooler's activation).

/// The hyperbolic tangent, as `torch.tanh` (BertPooler's activation).
public enum Tanh {
    /// Computes `output = tanh(input)` elementwise, with libm's `tanhf`.
    /// - Parameters:
    ///   - output: `[count]`, overwritten; saved for backward; may be `input` itself.
    ///   - input: `[count]`.
    ///   - count: Elements in each buffer.
    /// - Complexity: O(count).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        precondition(count >= 0, "Tanh: negative count \(count)")
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain / 8,
            context: (output, input)
        ) { context, _, range in
            let (output, input) = context
            for i in range { output[i] = _tanh(input[i]) }
        }
    }

    /// Backward of `forward` from its saved OUTPUT; ACCUMULATES (`+=`) into `dInput`.
    ///
    /// `dInput += dOutput·(1 − output²)`, as PyTorch's `tanh_backward`.
    /// - Parameters:
    ///   - dInput: `[count]`, accumulated into.
    ///   - dOutput: `[count]`.
    ///   - output: `[count]`, the forward OUTPUT `tanh(x)`.
    ///   - count: Elements in each buffer.
    /// - Complexity: O(count).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
        output: UnsafePointer<Float>, count: Int
    ) {
        precondition(count >= 0, "Tanh: negative count \(count)")
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain,
            context: (dInput, dOutput, output)
        ) { context, _, range in
            let (dInput, dOutput, output) = context
            for i in range {
                let y = output[i]
                dInput[i] += dOutput[i] * (1 - y * y)
            }
        }
    }

    /// Reference forward in Double, for tests.
    public static func referenceForward(input: [Double]) -> [Double] { input.map(_tanh) }

    /// Reference backward in Double from the input, for tests; returns a fresh gradient.
    public static func referenceBackward(dOutput: [Double], input: [Double]) -> [Double] {
        zip(dOutput, input).map { dy, x in
            let y = _tanh(x)
            return dy * (1 - y * y)
        }
    }
}
