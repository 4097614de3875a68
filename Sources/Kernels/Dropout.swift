// swift-bert — numeric kernels.
//
// Inverted dropout: torch.nn.functional.dropout(training=True), with counter-based masks.

import _VectorKernels

/// Inverted dropout, as `torch.nn.functional.dropout(x, p, training=True)`: each element is
/// zeroed with probability `p` and the kept ones are scaled by `1/(1 − p)`.
///
/// The mask is saved as the factor itself (`0` or `1/(1 − p)`), so `output = input·mask` and
/// `dInput = dOutput·mask`.
///
/// Masks are counter-based: no generator is advanced. Element `j` of a sequence's own block
/// at one dropout site is kept when `uniform(j) ≥ p`, where `uniform(j)` is the top 24 bits
/// of SplitMix64's output number `j + 1` from the sequence's seed, times 2⁻²⁴
/// (``DropoutKey/seed(ofSequence:)`` names the seed; `swiftbert_dropout_mask` in
/// `_VectorKernels` computes the bits). A sequence's block is its own rows of a packed
/// `[tokens, width]` matrix (`j = tokenWithinSequence·width + column`), or its row of a
/// `[batch, width]` matrix, or its `[heads, L, L]` attention probabilities. So a mask
/// depends only on the step, the site, the sequence's example index and `j`: not on the
/// thread count, the order of the work, or which other sequences share the batch, which is
/// what lets N data-parallel ranks draw one process's masks. `p == 0` is an exact identity
/// (PyTorch returns the input unchanged too); `p == 1` zeroes everything. The bits differ
/// from PyTorch's, whose generator (Philox on CUDA, mt19937 on CPU) is another.
public enum Dropout {
    /// The factor kept elements are multiplied by, `1/(1 − p)` rounded once to Float as
    /// PyTorch's `native_dropout` computes it (in double), or 0 when `p == 1`.
    public static func keptScale(probability: Float) -> Float {
        probability >= 1 ? 0 : Float(1 / (1 - Double(probability)))
    }

    /// Fills elements `firstElement..<firstElement + count` of one sequence's block at one
    /// site: `mask[i]` is the factor of element `firstElement + i` (`0` or `1/(1 − p)`).
    ///
    /// The primitive the other entry points call; any split of a block into ranges gives the
    /// same factors. With `p == 0`, fills ones.
    /// - Parameters:
    ///   - mask: `[count]`, overwritten.
    ///   - count: Elements to fill.
    ///   - firstElement: The block index of `mask[0]`.
    ///   - seed: The sequence's seed at this site (``DropoutKey/seed(ofSequence:)``).
    ///   - probability: `p`, the probability of zeroing, in `[0, 1]`.
    /// - Complexity: O(count), on the calling thread.
    public static func makeMask(
        _ mask: UnsafeMutablePointer<Float>, count: Int, firstElement: Int, seed: UInt64,
        probability: Float
    ) {
        precondition(count >= 0 && firstElement >= 0, "Dropout: count \(count) at \(firstElement)")
        checkProbability(probability)
        if probability == 0 {
            mask.update(repeating: 1, count: count)
            return
        }
        swiftbert_dropout_mask(
            mask, nil, nil, nil, count, seed, UInt64(firstElement), probability,
            keptScale(probability: probability))
    }

    /// Fills rows `rows` of the mask of a packed `[tokens, width]` matrix, on the calling
    /// thread: row `r` of sequence `s` (rows `offsets[s]..<offsets[s + 1]`) gets elements
    /// `(r − offsets[s])·width ..< (r − offsets[s] + 1)·width` of `s`'s block, seeded by
    /// `key.seed(ofSequence: s)`.
    ///
    /// For kernels that fuse dropout into a pass of their own over a range of rows.
    /// - Parameters:
    ///   - mask: `[tokens, width]`, the whole matrix; only `rows` are written.
    ///   - rows: The rows to fill, within `0..<sequenceOffsets[batch]`.
    ///   - width: Columns per row.
    ///   - sequenceOffsets: `[batch + 1]` row offsets of the sequences, from 0.
    ///   - batch: Sequences in the batch.
    ///   - key: The step, site and first example index (``DropoutKey``).
    ///   - probability: `p`, in `[0, 1]`.
    /// - Complexity: O(rows·width + log batch).
    public static func makeMask(
        _ mask: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int,
        sequenceOffsets: UnsafePointer<Int32>, batch: Int, key: DropoutKey, probability: Float
    ) {
        checkRows(rows, width: width, sequenceOffsets: sequenceOffsets, batch: batch)
        checkProbability(probability)
        fillRows(
            mask, output: nil, input: nil, rows: rows, width: width, offsets: sequenceOffsets,
            batch: batch, key: key, probability: probability)
    }

    /// Draws the mask of a packed `[tokens, width]` matrix and applies it:
    /// `output = input·mask`, plus `residual` when given (a residual block's
    /// `dropout(branch) + skip` in the same pass), in parallel over rows.
    /// - Parameters:
    ///   - output: `[tokens, width]`, overwritten; may be `input` or `residual` itself.
    ///   - mask: `[tokens, width]`, overwritten and saved for backward: `0` or `1/(1 − p)`.
    ///   - input: `[tokens, width]`.
    ///   - width: Columns per row (`hidden`).
    ///   - sequenceOffsets: `[batch + 1]` row offsets of the sequences; `tokens` is the last.
    ///   - batch: Sequences in the batch.
    ///   - key: The step, site and first example index (``DropoutKey``).
    ///   - probability: `p`, the probability of zeroing (`hidden_dropout_prob`), in `[0, 1]`.
    ///   - residual: `[tokens, width]`, added to the output (``Residual/forward(output:input:count:)``'s
    ///     sum, `dropped + residual`), or `nil`.
    /// - Complexity: O(tokens·width).
    public static func forward(
        output: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, width: Int, sequenceOffsets: UnsafePointer<Int32>,
        batch: Int, key: DropoutKey, probability: Float, residual: UnsafePointer<Float>? = nil
    ) {
        let tokens = batch >= 0 ? Int(sequenceOffsets[batch]) : -1
        checkRows(0..<max(0, tokens), width: width, sequenceOffsets: sequenceOffsets, batch: batch)
        checkProbability(probability)
        if probability == 0 {
            let count = tokens * width
            if let residual, UnsafePointer(output) == residual {
                mask.update(repeating: 1, count: count)
                Residual.forward(output: output, input: input, count: count)
                return
            }
            guard let residual else {
                identity(output: output, mask: mask, input: input, count: count)
                return
            }
            mask.update(repeating: 1, count: count)
            Parallel.forEachChunk(
                items: count, minimumChunkSize: Parallel.elementwiseGrain,
                context: (output, input, residual)
            ) { context, _, range in
                let (output, input, residual) = context
                for i in range { output[i] = input[i] + residual[i] }
            }
            return
        }
        Parallel.forEachChunk(
            items: tokens, minimumChunkSize: max(1, Parallel.elementwiseGrain / 4 / max(1, width)),
            context: (output, mask, input, residual, width, sequenceOffsets, batch, key, probability)
        ) { context, _, rows in
            let (output, mask, input, residual, width, offsets, batch, key, probability) = context
            fillRows(
                mask, output: output, input: input, residual: residual, rows: rows, width: width,
                offsets: offsets, batch: batch, key: key, probability: probability)
        }
    }

    /// Draws the mask of a `[batch, width]` matrix with one row per sequence (the pooled
    /// [CLS] rows before the classifier) and applies it: `output = input·mask`. Row `s` is
    /// sequence `s`'s whole block.
    /// - Parameters:
    ///   - output: `[batch, width]`, overwritten; may be `input` itself.
    ///   - mask: `[batch, width]`, overwritten and saved for backward.
    ///   - input: `[batch, width]`.
    ///   - width: Columns per row.
    ///   - sequences: `batch`, the rows.
    ///   - key: The step, site and first example index.
    ///   - probability: `p`, in `[0, 1]`.
    /// - Complexity: O(batch·width), on the calling thread (a few rows).
    public static func forward(
        output: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, width: Int, sequences batch: Int, key: DropoutKey,
        probability: Float
    ) {
        precondition(width >= 0 && batch >= 0, "Dropout: width \(width), batch \(batch)")
        checkProbability(probability)
        if probability == 0 {
            identity(output: output, mask: mask, input: input, count: batch * width)
            return
        }
        let scale = keptScale(probability: probability)
        for s in 0..<batch {
            let row = s * width
            swiftbert_dropout_mask(
                mask + row, output + row, input + row, nil, width, key.seed(ofSequence: s), 0,
                probability, scale)
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

    /// Backward of a residual block's `output = dropout(branch) + skip` (BERT's
    /// `LayerNorm(dropout(dense(x)) + x)` below the LayerNorm) in one pass: `dBranch =
    /// dOutput·mask` and `dSkip = dOutput`, both OVERWRITTEN (what `Dropout.backward` into a
    /// zeroed buffer and a copy give, without the zeroing).
    /// - Parameters:
    ///   - dBranch: `[count]`, overwritten.
    ///   - dSkip: `[count]`, overwritten; `nil` when the caller routes the skip gradient
    ///     itself.
    ///   - dOutput: `[count]`, d(output).
    ///   - mask: `[count]`, saved by `forward`.
    ///   - count: Elements in each buffer.
    /// - Complexity: O(count).
    public static func backwardThroughResidual(
        dBranch: UnsafeMutablePointer<Float>, dSkip: UnsafeMutablePointer<Float>?,
        dOutput: UnsafePointer<Float>, mask: UnsafePointer<Float>, count: Int
    ) {
        precondition(count >= 0, "Dropout: negative count \(count)")
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain,
            context: (dBranch, dSkip, dOutput, mask)
        ) { context, _, range in
            let (dBranch, dSkip, dOutput, mask) = context
            let start = range.lowerBound
            swiftbert_residual_dropout_backward(
                dBranch + start, dSkip.map { $0 + start }, dOutput + start, mask + start,
                range.count)
        }
    }

    // MARK: - Reference

    /// Reference forward in Double with a given mask, for tests: `input·mask`.
    public static func referenceForward(input: [Double], mask: [Double]) -> [Double] {
        zip(input, mask).map { $0 * $1 }
    }

    /// Reference mask of one sequence's block, for tests, in plain Swift: element `j` kept
    /// when `(splitMix64(seed + (j + 1)·γ) >> 40)·2⁻²⁴ ≥ p`.
    public static func referenceMask(
        count: Int, firstElement: Int = 0, seed: UInt64, probability: Float
    ) -> [Float] {
        guard probability > 0 else { return [Float](repeating: 1, count: count) }
        let scale = Float(1 / (1 - Double(probability)))
        return (0..<count).map { i in
            let j = UInt64(firstElement + i)
            let bits = DropoutKey.finalize(seed &+ (j &+ 1) &* DropoutKey.gamma)
            let uniform = Float(bits >> 40) * (1.0 / 16_777_216.0)
            return uniform < probability ? 0 : (probability == 1 ? 0 : scale)
        }
    }

    /// Reference mask of a packed `[tokens, width]` matrix, for tests: each sequence's rows
    /// are its block, seeded by `key.seed(ofSequence:)`.
    public static func referenceMask(
        width: Int, sequenceOffsets: [Int32], key: DropoutKey, probability: Float
    ) -> [Float] {
        (0..<(sequenceOffsets.count - 1)).flatMap { s in
            referenceMask(
                count: Int(sequenceOffsets[s + 1] - sequenceOffsets[s]) * width,
                seed: key.seed(ofSequence: s), probability: probability)
        }
    }

    /// Reference backward in Double, for tests; returns a fresh gradient: `dOutput·mask`.
    public static func referenceBackward(dOutput: [Double], mask: [Double]) -> [Double] {
        zip(dOutput, mask).map { $0 * $1 }
    }

    // MARK: - Implementation

    private static func checkProbability(_ probability: Float) {
        precondition(
            probability >= 0 && probability <= 1,
            "Dropout: probability \(probability) outside [0, 1]")
    }

    private static func checkRows(
        _ rows: Range<Int>, width: Int, sequenceOffsets: UnsafePointer<Int32>, batch: Int
    ) {
        precondition(width >= 0 && batch >= 0, "Dropout: width \(width), batch \(batch)")
        precondition(sequenceOffsets[0] == 0, "Dropout: sequenceOffsets[0] is not 0")
        precondition(
            rows.lowerBound >= 0 && rows.upperBound <= Int(sequenceOffsets[batch]),
            "Dropout: rows \(rows) outside 0..<\(sequenceOffsets[batch])")
    }

    /// `mask = 1` and `output = input`.
    private static func identity(
        output: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
        input: UnsafePointer<Float>, count: Int
    ) {
        mask.update(repeating: 1, count: count)
        if UnsafePointer(output) != input { output.update(from: input, count: count) }
    }

    /// The rows `rows` of a packed matrix, one sequence's run at a time; with `output`, also
    /// `output = input·mask` on them. `p` is checked and > 0 or the mask gets ones.
    private static func fillRows(
        _ mask: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>?,
        input: UnsafePointer<Float>?, residual: UnsafePointer<Float>? = nil, rows: Range<Int>,
        width: Int,
        offsets: UnsafePointer<Int32>, batch: Int, key: DropoutKey, probability: Float
    ) {
        guard !rows.isEmpty else { return }
        let scale = keptScale(probability: probability)
        // The last sequence starting at or before the first row: one with rows there.
        var low = 0
        var high = batch - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if Int(offsets[middle]) <= rows.lowerBound { low = middle } else { high = middle - 1 }
        }
        var row = rows.lowerBound
        var s = low
        while row < rows.upperBound {
            let start = Int(offsets[s])
            let end = min(Int(offsets[s + 1]), rows.upperBound)
            if end > row {
                let first = row * width
                let count = (end - row) * width
                let element = (row - start) * width
                if probability == 0 {
                    (mask + first).update(repeating: 1, count: count)
                    // forward handles p == 0 with a residual itself.
                    precondition(residual == nil, "Dropout: a residual with p == 0 here")
                    if let output, let input, UnsafePointer(output) != input {
                        (output + first).update(from: input + first, count: count)
                    }
                } else {
                    swiftbert_dropout_mask(
                        mask + first, output.map { $0 + first }, input.map { $0 + first },
                        residual.map { $0 + first }, count,
                        key.seed(ofSequence: s), UInt64(element), probability, scale)
                }
                row = end
            }
            s += 1
        }
    }
}

/// What a dropout mask is drawn from: one word per training step (``step``, the same on
/// every data-parallel rank), the dropout site (``site``: which layer, which dropout), and
/// the batch's first example index in the global batch (``firstExample``: a rank's share
/// starts at its offset there, so each sequence keeps the index it has in one process).
///
/// Each sequence's seed at the site is `h(h(h(step) ⊕ site) ⊕ example)` with
/// `h(x) = splitMix64Finalizer(x + γ)` (one SplitMix64 output from state `x`), and element
/// `j` of its block then uses output number `j + 1` from that seed (``Dropout``).
public struct DropoutKey: Sendable, Hashable {
    /// The step's word (drawn once per micro-batch from the run's dropout generator).
    public var step: UInt64
    /// The dropout site: a number the model gives each dropout of a forward pass.
    public var site: UInt64
    /// The global example index of the batch's sequence 0.
    public var firstExample: Int

    /// A key for `site` of step `step`, the batch starting at example `firstExample`.
    public init(step: UInt64, site: UInt64 = 0, firstExample: Int = 0) {
        self.step = step
        self.site = site
        self.firstExample = firstExample
    }

    /// This key at another site.
    public func at(site: UInt64) -> DropoutKey {
        DropoutKey(step: step, site: site, firstExample: firstExample)
    }

    /// The seed of the batch's sequence `sequence` (global example `firstExample + sequence`).
    @inlinable
    public func seed(ofSequence sequence: Int) -> UInt64 {
        let example = UInt64(truncatingIfNeeded: firstExample &+ sequence)
        return Self.hash(Self.hash(Self.hash(step) ^ site) ^ example)
    }

    /// SplitMix64's increment γ (the golden ratio, `0x9E3779B97F4A7C15`).
    public static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// SplitMix64's output function (Steele, Lea & Flood 2014; Vigna's `splitmix64.c`).
    @inlinable
    public static func finalize(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One SplitMix64 output from state `x`.
    @inlinable
    static func hash(_ x: UInt64) -> UInt64 { finalize(x &+ gamma) }
}
