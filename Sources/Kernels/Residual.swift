// swift-bert — numeric kernels.
//
// Residual connections: the `hidden_states + input_tensor` of BertSelfOutput and BertOutput.

/// Elementwise addition for residual connections (`torch.add`).
public enum Residual {
    /// Adds `input` into `output` elementwise: `output += input`.
    /// - Parameters:
    ///   - output: `[count]`, the branch output, accumulated into.
    ///   - input: `[count]`, the skip connection.
    /// - Complexity: O(count).
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int
    ) {
        precondition(count >= 0, "Residual: negative count \(count)")
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain, context: (output, input)
        ) { context, _, range in
            let (output, input) = context
            for i in range { output[i] += input[i] }
        }
    }

    /// Backward of the skip connection; ACCUMULATES (`+=`) `dOutput` into `dInput` (the branch
    /// receives the same `dOutput` through its own backward).
    /// - Complexity: O(count).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>, count: Int,
        accumulate: Bool = true
    ) {
        guard accumulate else { return dInput.update(from: dOutput, count: count) }
        forward(output: dInput, input: dOutput, count: count)
    }

    /// Reference forward in Double, for tests.
    public static func referenceForward(output: [Double], input: [Double]) -> [Double] {
        zip(output, input).map { $0 + $1 }
    }
}

/// Row gathers for the pooler, which reads each sequence's first ([CLS]) row.
public enum RowGather {
    /// Copies row `rows[i]` of `input` to row `i` of `output`.
    /// - Parameters:
    ///   - output: `[count, width]`, overwritten.
    ///   - input: `[*, width]`.
    ///   - rows: `[count]` row indices into `input`.
    public static func forward(
        output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
        rows: UnsafePointer<Int32>, count: Int, width: Int
    ) {
        for i in 0..<count {
            (output + i * width).update(from: input + Int(rows[i]) * width, count: width)
        }
    }

    /// Backward of `forward`; ACCUMULATES (`+=`) row `i` of `dOutput` into row `rows[i]` of
    /// `dInput`.
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
        rows: UnsafePointer<Int32>, count: Int, width: Int
    ) {
        for i in 0..<count {
            let destination = dInput + Int(rows[i]) * width
            let source = dOutput + i * width
            for j in 0..<width { destination[j] += source[j] }
        }
    }
}
