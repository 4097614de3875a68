// swift-bert — numeric kernels.
//
// A transposed copy of a large fp32 weight for a linear layer's dInput product.

import _VectorKernels

extension Gemm {
    /// Whether a linear layer's `dInput = dOutput·W` (`W` stored `[out, in]`, read as `B` in
    /// its stored layout) runs faster from a transposed copy of `W` read as `Bᵀ`, the layout
    /// of the forward product, counting the copy.
    ///
    /// oneDNN 2.6's fp32 brgemm runs a product whose `B` is that large and not transposed
    /// 20–30 % slower than the same product with `B` transposed (`Benchmarks/README.md`,
    /// measured on a Zen 5 for bert-base's shapes: 175–195 against 220–237 GFLOPS on one
    /// thread), while bf16 products and weights below 2²⁰ elements (all of MiniLM's) show no
    /// difference. Copying bert-base's largest weight takes 1–3 ms, so it pays from about a
    /// thousand tokens.
    public static func transposedWeightPays(
        tokens: Int, inFeatures: Int, outFeatures: Int, precision: Precision
    ) -> Bool {
        backend == .oneDNN && precision == .float32 && tokens >= transposedWeightTokens
            && inFeatures * outFeatures >= transposedWeightElements
    }

    /// Whether `Linear.backward` computes its `dInput` from ``transposedWeight(_:rows:columns:)``:
    /// when that pays (``transposedWeightPays(tokens:inFeatures:outFeatures:precision:)``) and
    /// the weight fits the scratch that ``reserveTransposedWeightScratch(elements:)`` sized, so
    /// the caller that reserves decides which layers get it and no backward pass allocates for
    /// it (a masked-LM decoder, vocabulary × hidden, is larger than a training loop reserves).
    public static func transposesWeightForInputGradient(
        tokens: Int, inFeatures: Int, outFeatures: Int, precision: Precision
    ) -> Bool {
        transposedWeightPays(
            tokens: tokens, inFeatures: inFeatures, outFeatures: outFeatures, precision: precision)
            && inFeatures * outFeatures * 4 <= GemmScratch.capacity(GemmScratch.transposedSlot)
    }

    /// Tokens from which ``transposesWeightForInputGradient(tokens:inFeatures:outFeatures:precision:)``
    /// holds.
    static let transposedWeightTokens = 1024
    /// Weight elements from which it holds.
    static let transposedWeightElements = 1 << 20

    /// `matrix` (`[rows, columns]`, dense) transposed into shared scratch (`[columns, rows]`,
    /// dense), with its rows split over the pool; a copy, so the same values for any thread
    /// count.
    ///
    /// The copy lives in scratch until the next call. Not from inside a parallel region.
    public static func transposedWeight(
        _ matrix: UnsafePointer<Float>, rows: Int, columns: Int
    ) -> UnsafePointer<Float> {
        precondition(rows > 0 && columns > 0, "Gemm: transposing a \(rows)×\(columns) matrix")
        let output = GemmScratch.slot(GemmScratch.transposedSlot, bytes: rows * columns * 4)
            .assumingMemoryBound(to: Float.self)
        Parallel.forEachChunk(
            items: rows, minimumChunkSize: max(1, (1 << 16) / columns),
            context: (output, matrix, rows, columns)
        ) { context, _, range in
            let (output, matrix, rows, columns) = context
            swiftbert_transpose_rows(
                output, matrix, rows, columns, range.lowerBound, range.upperBound)
        }
        return UnsafePointer(output)
    }

    /// Sizes the transposed-weight scratch for weights of up to `elements` values, so that no
    /// later backward pass allocates.
    public static func reserveTransposedWeightScratch(elements: Int) {
        _ = GemmScratch.slot(GemmScratch.transposedSlot, bytes: elements * 4)
    }
}
