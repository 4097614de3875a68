// swift-bert — numeric kernels.
//
// Inverted dropout: torch.nn.functional.dropout(training=True).

import Randomness

/// Inverted dropout, as `torch.nn.functional.dropout(x, p, training=True)`: each element is
/// zeroed with probability `p` and the kept ones are scaled by `1/(1 − p)`.
///
/// The mask is saved as the factor itself (`0` or `1/(1 − p)`), so `output = input·mask` and
/// `dInput = dOutput·mask`. Element `i` is kept when the `i`-th draw of
/// `generator.nextUniformFloat()` is at least `p`: one draw per element, in index order, so the
/// same generator state gives the same mask whatever the thread count. `p == 0` is an exact
/// identity that draws nothing (PyTorch returns the input unchanged too); `p == 1` zeroes
/// everything. The bits differ from PyTorch's, whose generator is another.
public enum Dropout {
    /// The factor kept elements are multiplied by, `1/(1 − p)` rounded once to Float as
    /// PyTorch's `native_dropout` computes it (in double), or 0 when `p == 1`.
    public static func keptScale(probability: Float) -> Float {
        probability >= 1 ? 0 : Float(1 / (1 - Double(probability)))
    }

    /// Fills `mask` with `0` or `1/(1 − p)`, drawing one uniform number per element in order.
    ///
    /// With `p == 0`, fills ones and leaves `generator` untouched.
    /// - Parameters:
    ///   - mask: `[count]`, overwritten.
    ///   - count: Elements in each buffer.
    ///   - probability: `p`, the probability of zeroing, in `[0, 1]`.
    ///   - generator: The dropout stream; advanced by `count` draws when `p > 0`.
    /// - Complexity: O(count), on one thread (the draws are sequential).
    public static func makeMask(
        _ mask: UnsafeMutablePointer<Float>, count: Int, probability: Float,
        generator: inout SeededGenerator
    ) {
        precondition(count >= 0, "Dropout: negative count \(count)")
        precondition(
            probability >= 0 && probability <= 1,
            "Dropout: probability \(probability) outside [0, 1]")
        if probability == 0 {
            mask.update(repeating: 1, count: count)
            return
        }
        let scale = keptScale(probability: probability)
        for i in 0..<count {
            mask[i] = generator.nextUniformFloat() >= probability ? scale : 0
        }
    }

    /// Draws a mask and applies it: `output = input·mask`.
    /// - Parameters:
    ///   - output: `[count]`, overwritten; may be `input` itself.
    ///   - mask: `[count]`, overwritten and saved for backward: `0` or `1/(1 − p)`.
    ///   - input: `[count]`.
    ///   - count: Elements in each buffer.
    ///   - probability: `p`, the probability of zeroing (`hidden_dropout_prob`), in `[0, 1]`.
    ///   - generator: The dropout stream; advanced by `count` draws when `p > 0`.
    /// - Complexity: O(count).
    public static func forward(
        output: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, count: Int, probability: Float,
        generator: inout SeededGenerator
    ) {
        makeMask(mask, count: count, probability: probability, generator: &generator)
        if probability == 0 {
            if UnsafePointer(output) != input { output.update(from: input, count: count) }
            return
        }
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain,
            context: (output, input, mask)
        ) { context, _, range in
            let (output, input, mask) = context
            for i in range { output[i] = input[i] * mask[i] }
        }
    }

    /// Backward of `forward`; ACCUMULATES (`+=`) into `dInput`: `dInput += dOutput·mask`.
    /// - Parameters:
    ///   - dInput: `[count]`, accumulated into.
    ///   - dOutput: `[count]`.
    ///   - mask: `[count]`, saved by `forward`.
    ///   - count: Elements in each buffer.
    /// - Complexity: O(count).
    public static func backward(
        dInput: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
        mask: UnsafePointer<Float>, count: Int
    ) {
        precondition(count >= 0, "Dropout: negative count \(count)")
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain,
            context: (dInput, dOutput, mask)
        ) { context, _, range in
            let (dInput, dOutput, mask) = context
            for i in range { dInput[i] += dOutput[i] * mask[i] }
        }
    }

    /// Reference forward in Double with a given mask, for tests: `input·mask`.
    public static func referenceForward(input: [Double], mask: [Double]) -> [Double] {
        zip(input, mask).map { $0 * $1 }
    }

    /// Reference mask, for tests: one `nextUniformFloat()` per element, kept when `≥ p`.
    public static func referenceMask(
        count: Int, probability: Float, generator: inout SeededGenerator
    ) -> [Float] {
        guard probability > 0 else { return [Float](repeating: 1, count: count) }
        let scale = Float(1 / (1 - Double(probability)))
        return (0..<count).map { _ in
            generator.nextUniformFloat() < probability ? 0 : (probability == 1 ? 0 : scale)
        }
    }

    /// Reference backward in Double, for tests; returns a fresh gradient: `dOutput·mask`.
    public static func referenceBackward(dOutput: [Double], mask: [Double]) -> [Double] {
        zip(dOutput, mask).map { $0 * $1 }
    }
}
