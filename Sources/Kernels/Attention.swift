// swift-bert — numeric kernels.
//
// Scaled dot-product self-attention over a packed batch: BertSelfAttention's core.

import _VectorKernels

/// Multi-head scaled dot-product self-attention over a packed (unpadded) batch, as
/// `BertSelfAttention` computes it between its Q/K/V projections and its output projection:
/// per sequence and head, `softmax(Q_h·K_hᵀ/√headDim)`, dropout on the probabilities, times
/// `V_h`.
///
/// A packed batch concatenates its sequences' real tokens row-wise; `sequenceOffsets` holds
/// `batch + 1` entries, `offsets[0] = 0`, `offsets[batch] = tokens`, and sequence `s` owns rows
/// `offsets[s]..<offsets[s+1]`. Tokens attend only within their sequence, so no mask is needed
/// and the result equals HF's padded computation with an attention mask on the real tokens.
///
/// Head `h` owns the columns `h·headDim..<(h+1)·headDim` of `hidden = heads·headDim`, as HF's
/// `transpose_for_scores` splits them. `query`, `key` and `value` are `[tokens, hidden]` views
/// with a common `rowStride`, so one fused `[tokens, 3·hidden]` projection serves all three
/// (`key = base + hidden`, `value = base + 2·hidden`, `rowStride = 3·hidden`).
///
/// The saved `probabilities` (softmax output before dropout) and the dropout mask are laid out
/// per sequence, then per head, each an `L×L` row-major block (query rows, key columns);
/// `probabilitiesOffset(sequence:head:sequenceOffsets:heads:)` gives a block's start. A
/// sequence's `[heads, L, L]` probabilities are its dropout block (``Dropout``): element
/// `(head·L + query)·L + key`.
///
/// Work runs in parallel over (sequence, head) pairs, each pair's GEMMs on one thread; every
/// pair writes its own rows and columns, so results are the same bits for any thread count.
public enum Attention {
    /// The number of floats in `probabilities` (and in the dropout mask): `heads·Σ_s L_s²`.
    public static func probabilitiesCount(
        sequenceOffsets: UnsafePointer<Int32>, batch: Int, heads: Int
    ) -> Int {
        heads * validatedLayout(sequenceOffsets, batch: batch).squares
    }

    /// Where the `L×L` block of (`sequence`, `head`) starts in `probabilities`:
    /// `heads·Σ_{s<sequence} L_s² + head·L_sequence²`.
    /// - Complexity: O(sequence).
    public static func probabilitiesOffset(
        sequence: Int, head: Int, sequenceOffsets: UnsafePointer<Int32>, heads: Int
    ) -> Int {
        precondition(head >= 0 && head < heads, "Attention: head \(head) of \(heads)")
        var offset = 0
        for s in 0..<sequence {
            let length = Int(sequenceOffsets[s + 1] - sequenceOffsets[s])
            offset += heads * length * length
        }
        let length = Int(sequenceOffsets[sequence + 1] - sequenceOffsets[sequence])
        return offset + head * length * length
    }

    /// The number of floats of scratch that `forward` and `backward` use at full parallelism:
    /// `threadCount·2·maxL²`.
    ///
    /// Pass a buffer of this size to avoid an allocation per call; a smaller one only limits
    /// the threads used (one slot of `2·maxL²` per thread).
    public static func scratchCount(sequenceOffsets: UnsafePointer<Int32>, batch: Int) -> Int {
        scratchCount(longestSequence: validatedLayout(sequenceOffsets, batch: batch).maxLength)
    }

    /// `scratchCount` for a batch whose longest sequence has `longestSequence` tokens.
    public static func scratchCount(longestSequence: Int) -> Int {
        threadCount * 2 * longestSequence * longestSequence
    }

    /// `Σ L²` over the sequences of a packed batch, and the longest `L`.
    public static func squaresAndLongest(
        sequenceOffsets: UnsafePointer<Int32>, batch: Int
    ) -> (squares: Int, longest: Int) {
        let layout = validatedLayout(sequenceOffsets, batch: batch)
        return (layout.squares, layout.maxLength)
    }

    /// Computes attention for every sequence and head of a packed batch.
    ///
    /// `scores = Q_h·K_hᵀ·(1/√headDim)` (one GEMM with `alpha`), `probabilities =
    /// softmax(scores)` over keys with the row maximum subtracted, `dropped = probabilities·mask`,
    /// `context_h = dropped·V_h`.
    /// - Parameters:
    ///   - context: `[tokens, hidden]` (row stride `hidden`), overwritten.
    ///   - probabilities: `[probabilitiesCount]`, overwritten and saved for backward: the softmax
    ///     output before dropout.
    ///   - dropoutMask: `[probabilitiesCount]`, overwritten and saved: `0` or `1/(1 − p)`
    ///     (`Dropout.makeMask` per sequence and head, each sequence's `[heads, L, L]` its
    ///     block, seeded by `dropoutKey.seed(ofSequence:)`); ones when `p == 0`; `nil`
    ///     requires `dropoutProbability == 0`.
    ///   - query: `Q`, `[tokens, hidden]` with row stride `rowStride`.
    ///   - key: `K`, same layout.
    ///   - value: `V`, same layout.
    ///   - rowStride: Floats between consecutive rows of `query`, `key` and `value`.
    ///   - sequenceOffsets: `[batch + 1]` row offsets of the sequences.
    ///   - batch: Sequences in the batch (`sequenceOffsets` has `batch + 1` entries).
    ///   - heads: Attention heads.
    ///   - headDim: Features per head; `hidden = heads·headDim`.
    ///   - dropoutProbability: `attention_probs_dropout_prob`; 0 in evaluation.
    ///   - dropoutKey: The step, site and first example index of the mask (unused when
    ///     `dropoutProbability == 0`).
    ///   - scratch: `[scratchCount]` floats of work space, or `nil` to allocate per call
    ///     (only needed with dropout).
    /// - Complexity: O(heads·Σ L²·headDim).
    public static func forward(
        context: UnsafeMutablePointer<Float>, probabilities: UnsafeMutablePointer<Float>,
        dropoutMask: UnsafeMutablePointer<Float>?, query: UnsafePointer<Float>,
        key: UnsafePointer<Float>, value: UnsafePointer<Float>, rowStride: Int,
        sequenceOffsets: UnsafePointer<Int32>, batch: Int, heads: Int, headDim: Int,
        dropoutProbability: Float, dropoutKey: DropoutKey,
        scratch: UnsafeMutableBufferPointer<Float>? = nil
    ) {
        let layout = validatedLayout(sequenceOffsets, batch: batch)
        let hidden = heads * headDim
        precondition(heads > 0 && headDim > 0, "Attention: heads \(heads) headDim \(headDim)")
        precondition(rowStride >= hidden, "Attention: rowStride \(rowStride) < hidden \(hidden)")
        precondition(
            dropoutMask != nil || dropoutProbability == 0,
            "Attention: dropout \(dropoutProbability) needs a mask buffer")
        precondition(
            dropoutProbability >= 0 && dropoutProbability <= 1,
            "Attention: dropout \(dropoutProbability) outside [0, 1]")
        let useDropout = dropoutProbability > 0
        let scale = 1 / Float(headDim).squareRoot()
        let slotSize = useDropout ? layout.maxLength * layout.maxLength : 0
        withScratch(scratch, slotSize: slotSize, layout: layout, heads: heads, headDim: headDim) {
            workspace, chunks in
            let inputs = (query, key, value, rowStride, headDim, probabilities, dropoutMask)
            let outputs = (context, hidden, scale, useDropout, workspace, slotSize)
            let dropout = (dropoutKey, dropoutProbability)
            forEachPair(
                sequenceOffsets, batch: batch, heads: heads, chunks: chunks,
                context: (inputs, outputs, dropout)
            ) { arguments, sequence, head, start, length, offset, chunk in
                let (query, key, value, rowStride, headDim, probabilities, dropoutMask) =
                    arguments.0
                let (context, hidden, scale, useDropout, workspace, slotSize) = arguments.1
                let (dropoutKey, dropoutProbability) = arguments.2
                let square = length * length
                if let dropoutMask {
                    Dropout.makeMask(
                        dropoutMask + offset, count: square, firstElement: head * square,
                        seed: dropoutKey.seed(ofSequence: sequence),
                        probability: dropoutProbability)
                }
                let q = query + start * rowStride + head * headDim
                let k = key + start * rowStride + head * headDim
                let v = value + start * rowStride + head * headDim
                let p = probabilities + offset
                Gemm.multiply(
                    p, q, k, m: length, n: length, k: headDim, transposeB: true, alpha: scale,
                    lda: rowStride, ldb: rowStride)
                swiftbert_softmax_rows(p, length, length)
                var weights = UnsafePointer(p)
                if useDropout, let dropoutMask {
                    let dropped = workspace + chunk * slotSize
                    let mask = dropoutMask + offset
                    for i in 0..<square { dropped[i] = p[i] * mask[i] }
                    weights = UnsafePointer(dropped)
                }
                Gemm.multiply(
                    context + start * hidden + head * headDim, weights, v, m: length, n: headDim,
                    k: length, lda: length, ldb: rowStride, ldc: hidden)
            }
        }
    }

    /// Backward of `forward`; ACCUMULATES (`+=`) into `dQuery`, `dKey` and `dValue`.
    ///
    /// Per sequence and head: `dDropped = dContext_h·V_hᵀ`, `dV_h += droppedᵀ·dContext_h`,
    /// `dP = dDropped·mask`, `dScores = P·(dP − rowsum(dP·P))` (softmax backward, row sums in
    /// Double), `dQ_h += dScores·K_h/√headDim`, `dK_h += dScoresᵀ·Q_h/√headDim`.
    /// - Parameters:
    ///   - dQuery: `[tokens, hidden]` with row stride `rowStride`, accumulated into.
    ///   - dKey: same layout, accumulated into.
    ///   - dValue: same layout, accumulated into (a fused `[tokens, 3·hidden]` gradient works
    ///     as in `forward`).
    ///   - dContext: `[tokens, hidden]` (row stride `hidden`).
    ///   - probabilities: saved by `forward`.
    ///   - dropoutMask: saved by `forward`, or `nil` when there was no dropout.
    ///   - query: `Q` as passed to `forward`.
    ///   - key: `K` as passed to `forward`.
    ///   - value: `V` as passed to `forward`.
    ///   - rowStride: As passed to `forward`; also the row stride of the three gradients.
    ///   - sequenceOffsets: `[batch + 1]` row offsets of the sequences.
    ///   - batch: Sequences in the batch (`sequenceOffsets` has `batch + 1` entries).
    ///   - heads: Attention heads.
    ///   - headDim: Features per head; `hidden = heads·headDim`.
    ///   - scratch: `[scratchCount]` floats of work space, or `nil` to allocate per call.
    /// - Complexity: O(heads·Σ L²·headDim).
    public static func backward(
        dQuery: UnsafeMutablePointer<Float>, dKey: UnsafeMutablePointer<Float>,
        dValue: UnsafeMutablePointer<Float>, dContext: UnsafePointer<Float>,
        probabilities: UnsafePointer<Float>, dropoutMask: UnsafePointer<Float>?,
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        rowStride: Int, sequenceOffsets: UnsafePointer<Int32>, batch: Int, heads: Int,
        headDim: Int, scratch: UnsafeMutableBufferPointer<Float>? = nil
    ) {
        let layout = validatedLayout(sequenceOffsets, batch: batch)
        let hidden = heads * headDim
        precondition(heads > 0 && headDim > 0, "Attention: heads \(heads) headDim \(headDim)")
        precondition(rowStride >= hidden, "Attention: rowStride \(rowStride) < hidden \(hidden)")
        let scale = 1 / Float(headDim).squareRoot()
        let square = layout.maxLength * layout.maxLength
        withScratch(scratch, slotSize: 2 * square, layout: layout, heads: heads, headDim: headDim) {
            workspace, chunks in
            let inputs = (dContext, probabilities, dropoutMask, query, key, value)
            let outputs = (dQuery, dKey, dValue, rowStride, headDim, hidden, scale)
            forEachPair(
                sequenceOffsets, batch: batch, heads: heads, chunks: chunks,
                context: (inputs, outputs, workspace, square)
            ) { arguments, _, head, start, length, offset, chunk in
                let (dContext, probabilities, dropoutMask, query, key, value) = arguments.0
                let (dQuery, dKey, dValue, rowStride, headDim, hidden, scale) = arguments.1
                let (workspace, square) = (arguments.2, arguments.3)
                let columns = start * rowStride + head * headDim
                let dC = dContext + start * hidden + head * headDim
                let p = probabilities + offset
                let dP = workspace + chunk * 2 * square
                // dDropped = dContext_h·V_hᵀ
                Gemm.multiply(
                    dP, dC, value + columns, m: length, n: length, k: headDim, transposeB: true,
                    lda: hidden, ldb: rowStride)
                // dV_h += droppedᵀ·dContext_h
                var weights = p
                if let dropoutMask {
                    let dropped = dP + square
                    let mask = dropoutMask + offset
                    for i in 0..<(length * length) {
                        dropped[i] = p[i] * mask[i]
                        dP[i] *= mask[i]
                    }
                    weights = UnsafePointer(dropped)
                }
                Gemm.multiply(
                    dValue + columns, weights, dC, m: length, n: headDim, k: length,
                    transposeA: true, beta: 1, lda: length, ldb: hidden, ldc: rowStride)
                // Softmax backward, in place: dScores = P·(dP − Σ_j dP·P).
                for row in 0..<length {
                    let pRow = p + row * length
                    let dRow = dP + row * length
                    let dot = Float(dotInDouble(dRow, pRow, count: length))
                    for j in 0..<length { dRow[j] = pRow[j] * (dRow[j] - dot) }
                }
                Gemm.multiply(
                    dQuery + columns, dP, key + columns, m: length, n: headDim, k: length,
                    alpha: scale, beta: 1, lda: length, ldb: rowStride, ldc: rowStride)
                Gemm.multiply(
                    dKey + columns, dP, query + columns, m: length, n: headDim, k: length,
                    transposeA: true, alpha: scale, beta: 1, lda: length, ldb: rowStride,
                    ldc: rowStride)
            }
        }
    }

    // MARK: - Implementation

    /// Checks the offsets once per call and returns the longest sequence and `Σ L²`.
    static func validatedLayout(
        _ offsets: UnsafePointer<Int32>, batch: Int
    ) -> (maxLength: Int, squares: Int) {
        precondition(batch >= 0, "Attention: negative batch \(batch)")
        precondition(offsets[0] == 0, "Attention: sequenceOffsets[0] is \(offsets[0]), not 0")
        var maxLength = 0
        var squares = 0
        for s in 0..<batch {
            let length = Int(offsets[s + 1]) - Int(offsets[s])
            precondition(length >= 0, "Attention: sequenceOffsets decrease at \(s + 1)")
            maxLength = max(maxLength, length)
            squares += length * length
        }
        return (maxLength, squares)
    }

    /// Picks the chunk count for the work and the scratch, and runs `body` with BLAS limited to
    /// one thread when chunks run concurrently.
    private static func withScratch(
        _ scratch: UnsafeMutableBufferPointer<Float>?, slotSize: Int,
        layout: (maxLength: Int, squares: Int), heads: Int, headDim: Int,
        _ body: (_ workspace: UnsafeMutablePointer<Float>, _ chunks: Int) -> Void
    ) {
        let work = heads * layout.squares * headDim
        var chunks = Parallel.chunkCount(items: work, minimumChunkSize: 1 << 16)
        guard slotSize > 0 else {
            var none: Float = 0
            return ThreadSettings.withSingleThreadedBLASIf(chunks > 1) { body(&none, chunks) }
        }
        if let scratch, let base = scratch.baseAddress, scratch.count >= slotSize {
            chunks = min(chunks, scratch.count / slotSize)
            ThreadSettings.withSingleThreadedBLASIf(chunks > 1) { body(base, chunks) }
        } else {
            let owned = UnsafeMutablePointer<Float>.allocate(capacity: chunks * slotSize)
            defer { owned.deallocate() }
            ThreadSettings.withSingleThreadedBLASIf(chunks > 1) { body(owned, chunks) }
        }
    }

    /// Calls `body(context, sequence, head, start, length, offset, chunk)` for every
    /// (sequence, head) pair with tokens, giving each of `chunks` concurrent chunks a
    /// contiguous run of pairs of about equal cost (`L²`). `body` captures nothing (see
    /// `Parallel.forEachChunk`).
    private static func forEachPair<Context>(
        _ offsets: UnsafePointer<Int32>, batch: Int, heads: Int, chunks: Int, context: Context,
        _ body: @escaping (
            _ context: Context, _ sequence: Int, _ head: Int, _ start: Int, _ length: Int,
            _ offset: Int, _ chunk: Int
        ) -> Void
    ) {
        let total = heads * validatedLayout(offsets, batch: batch).squares
        guard total > 0 else { return }
        if chunks == 1 {
            runPairs(
                chunk: 0, of: 1, offsets, batch: batch, heads: heads, total: total,
                context: context, body)
        } else {
            // Through a typed stack slot: a closure inside a tuple context would be
            // reabstracted, a heap allocation per call.
            withUnsafeTemporaryAllocation(of: PairTask<Context>.self, capacity: 1) { slot in
                let task = slot.baseAddress!
                task.initialize(
                    to: PairTask(
                        offsets: offsets, batch: batch, heads: heads, total: total,
                        chunks: chunks, context: context, body: body))
                defer { task.deinitialize(count: 1) }
                Parallel.concurrentPerform(iterations: chunks, context: UnsafePointer(task)) {
                    task, chunk in
                    let t = task.pointee
                    runPairs(
                        chunk: chunk, of: t.chunks, t.offsets, batch: t.batch, heads: t.heads,
                        total: t.total, context: t.context, t.body)
                }
            }
        }
    }

    /// `forEachPair`'s arguments, in its stack frame.
    private struct PairTask<Context> {
        let offsets: UnsafePointer<Int32>
        let batch: Int, heads: Int, total: Int, chunks: Int
        let context: Context
        let body: (Context, Int, Int, Int, Int, Int, Int) -> Void
    }

    /// The pairs of chunk `chunk` of `chunks` for `forEachPair`.
    @inline(__always)
    private static func runPairs<Context>(
        chunk: Int, of chunks: Int, _ offsets: UnsafePointer<Int32>, batch: Int, heads: Int,
        total: Int, context: Context,
        _ body: (Context, Int, Int, Int, Int, Int, Int) -> Void
    ) {
        var before = 0
        for s in 0..<batch {
            let start = Int(offsets[s])
            let length = Int(offsets[s + 1]) - start
            let square = length * length
            for head in 0..<heads {
                if square > 0 && before * chunks / total == chunk {
                    body(context, s, head, start, length, before, chunk)
                }
                before += square
            }
        }
    }
}

// MARK: - Reference

extension Attention {
    /// Reference forward in Double, for tests.
    ///
    /// `query`, `key` and `value` are dense `[tokens, hidden]`; `dropoutMask` is in the
    /// probabilities layout, or `nil` for none. Returns the context `[tokens, hidden]` and the
    /// probabilities before dropout.
    public static func referenceForward(
        query: [Double], key: [Double], value: [Double], dropoutMask: [Double]?,
        sequenceOffsets: [Int32], heads: Int, headDim: Int
    ) -> (context: [Double], probabilities: [Double]) {
        let hidden = heads * headDim
        var context = [Double](repeating: 0, count: query.count)
        var probabilities = [Double]()
        let scale = 1 / Double(headDim).squareRoot()
        for s in 0..<(sequenceOffsets.count - 1) {
            let start = Int(sequenceOffsets[s])
            let length = Int(sequenceOffsets[s + 1]) - start
            for h in 0..<heads {
                let offset = probabilities.count
                for i in 0..<length {
                    var scores = [Double](repeating: 0, count: length)
                    for j in 0..<length {
                        for d in 0..<headDim {
                            scores[j] +=
                                query[(start + i) * hidden + h * headDim + d]
                                * key[(start + j) * hidden + h * headDim + d]
                        }
                        scores[j] *= scale
                    }
                    let maximum = scores.max() ?? 0
                    let exps = scores.map { _exp($0 - maximum) }
                    let sum = exps.reduce(0, +)
                    probabilities.append(contentsOf: exps.map { $0 / sum })
                }
                for i in 0..<length {
                    for j in 0..<length {
                        let index = offset + i * length + j
                        let weight = probabilities[index] * (dropoutMask?[index] ?? 1)
                        for d in 0..<headDim {
                            context[(start + i) * hidden + h * headDim + d] +=
                                weight * value[(start + j) * hidden + h * headDim + d]
                        }
                    }
                }
            }
        }
        return (context, probabilities)
    }

    /// Reference backward in Double, for tests; returns fresh dense `[tokens, hidden]`
    /// gradients.
    public static func referenceBackward(
        dContext: [Double], query: [Double], key: [Double], value: [Double],
        dropoutMask: [Double]?, sequenceOffsets: [Int32], heads: Int, headDim: Int
    ) -> (dQuery: [Double], dKey: [Double], dValue: [Double]) {
        let hidden = heads * headDim
        let probabilities = referenceForward(
            query: query, key: key, value: value, dropoutMask: dropoutMask,
            sequenceOffsets: sequenceOffsets, heads: heads, headDim: headDim
        ).probabilities
        var dQuery = [Double](repeating: 0, count: query.count)
        var dKey = [Double](repeating: 0, count: key.count)
        var dValue = [Double](repeating: 0, count: value.count)
        let scale = 1 / Double(headDim).squareRoot()
        var offset = 0
        for s in 0..<(sequenceOffsets.count - 1) {
            let start = Int(sequenceOffsets[s])
            let length = Int(sequenceOffsets[s + 1]) - start
            for h in 0..<heads {
                func column(_ row: Int, _ d: Int) -> Int {
                    (start + row) * hidden + h * headDim + d
                }
                for i in 0..<length {
                    // dP[j] = mask·(dContext_i · V_j); dV_j += mask·P_ij·dContext_i
                    var dP = [Double](repeating: 0, count: length)
                    var p = [Double](repeating: 0, count: length)
                    for j in 0..<length {
                        let index = offset + i * length + j
                        let mask = dropoutMask?[index] ?? 1
                        p[j] = probabilities[index]
                        for d in 0..<headDim {
                            dP[j] += dContext[column(i, d)] * value[column(j, d)] * mask
                            dValue[column(j, d)] += p[j] * mask * dContext[column(i, d)]
                        }
                    }
                    let dot = zip(dP, p).reduce(0) { $0 + $1.0 * $1.1 }
                    for j in 0..<length {
                        let dScore = p[j] * (dP[j] - dot) * scale
                        for d in 0..<headDim {
                            dQuery[column(i, d)] += dScore * key[column(j, d)]
                            dKey[column(j, d)] += dScore * query[column(i, d)]
                        }
                    }
                }
                offset += length * length
            }
        }
        return (dQuery, dKey, dValue)
    }
}
