// swift-bert — numeric kernels.
//
// bfloat16: the upper half of an IEEE fp32, rounded to nearest even.

import _VectorKernels

/// Conversions between fp32 and bfloat16 (the 16 high bits of an fp32), as
/// `c10::BFloat16`'s `round_to_nearest_even` and its widening: a NaN becomes the quiet NaN
/// `0x7FC0`; everything else is rounded to the nearest bf16, ties to even.
///
/// A bf16 value widened to fp32 is exact, and so is the product of two of them; that is why
/// rounding the inputs of an fp32 GEMM to bf16 gives what a bf16 GEMM with fp32 accumulation
/// computes, up to the order of the sums (the emulation path of `Gemm`).
public enum BFloat16 {
    /// The bf16 bits nearest `value` (ties to even; NaN to `0x7FC0`).
    @inlinable @inline(__always)
    public static func bits(_ value: Float) -> UInt16 {
        let u = value.bitPattern
        let rounded = (u &+ 0x7FFF &+ ((u >> 16) & 1)) >> 16
        return value.isNaN ? 0x7FC0 : UInt16(truncatingIfNeeded: rounded)
    }

    /// The fp32 value of bf16 `bits` (exact).
    @inlinable @inline(__always)
    public static func float(_ bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// `value` rounded to the nearest bf16, as an fp32: `float(bits(value))`.
    @inlinable @inline(__always)
    public static func rounded(_ value: Float) -> Float { float(bits(value)) }

    /// Writes `bits(input[i])` to `output[i]` for every `i`, in parallel.
    public static func convert(
        _ output: UnsafeMutablePointer<UInt16>, _ input: UnsafePointer<Float>, count: Int
    ) {
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain, context: (output, input)
        ) { context, _, range in
            let (output, input) = context
            swiftbert_round_rows_to_bf16(
                input + range.lowerBound, 0, 1, range.count, 0, output + range.lowerBound, nil)
        }
    }

    /// Rounds every element of `buffer` to the nearest bf16, in place, in parallel (the C
    /// loop of ``convert(_:_:count:)``, compiled for the CPU at hand).
    public static func roundInPlace(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachChunk(
            items: count, minimumChunkSize: Parallel.elementwiseGrain, context: buffer
        ) { buffer, _, range in
            swiftbert_round_in_place_to_bf16(buffer + range.lowerBound, range.count)
        }
    }

    /// Copies a `[rows, columns]` matrix with row stride `stride` into a dense one (row
    /// stride `columns`), each element rounded to bf16: as bits into `bits`, or as fp32 values
    /// into `floats` (exactly one of the two is non-nil). Rows are split over threads; the
    /// loop is C compiled for AVX-512, AVX2 and baseline, picked from the CPU (same bits).
    static func packRounded(
        bits: UnsafeMutablePointer<UInt16>?, floats: UnsafeMutablePointer<Float>?,
        from source: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int
    ) {
        precondition((bits == nil) != (floats == nil), "packRounded: one output")
        Parallel.forEachChunk(
            items: rows, minimumChunkSize: max(1, Parallel.elementwiseGrain / max(1, columns)),
            context: (bits, floats, source, columns, stride)
        ) { context, _, range in
            let (bits, floats, source, columns, stride) = context
            swiftbert_round_rows_to_bf16(
                source, range.lowerBound, range.upperBound, columns, stride, bits, floats)
        }
    }

    /// Copies a `[rows, columns]` bf16 matrix with row stride `stride` into a dense fp32 one
    /// (exact widening), rows split over threads.
    static func packWidened(
        _ output: UnsafeMutablePointer<Float>, from source: UnsafePointer<UInt16>, rows: Int,
        columns: Int, stride: Int
    ) {
        Parallel.forEachChunk(
            items: rows, minimumChunkSize: max(1, Parallel.elementwiseGrain / max(1, columns)),
            context: (output, source, columns, stride)
        ) { context, _, range in
            let (output, source, columns, stride) = context
            for row in range {
                let input = source + row * stride
                let line = output + row * columns
                for j in 0..<columns { line[j] = float(input[j]) }
            }
        }
    }
}
