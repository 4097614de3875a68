// swift-bert — numeric kernels.
//
// libm access and the fixed-order reductions that kernels share.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#elseif canImport(Musl)
    import Musl
#endif

@inline(__always) func _erf(_ x: Float) -> Float { erff(x) }
@inline(__always) func _exp(_ x: Float) -> Float { expf(x) }
@inline(__always) func _log(_ x: Float) -> Float { logf(x) }
@inline(__always) func _tanh(_ x: Float) -> Float { tanhf(x) }
@inline(__always) func _erf(_ x: Double) -> Double { erf(x) }
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _tanh(_ x: Double) -> Double { tanh(x) }
@inline(__always) func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

// The reductions below accumulate in Double with four interleaved partial sums combined in a
// fixed order: accurate, reproducible bit for bit, and not bound by one add's latency.

/// Σ x[i], in Double.
@inline(__always)
func sumInDouble(_ x: UnsafePointer<Float>, count n: Int) -> Double {
    var s0 = 0.0
    var s1 = 0.0
    var s2 = 0.0
    var s3 = 0.0
    var i = 0
    while i + 4 <= n {
        s0 += Double(x[i])
        s1 += Double(x[i + 1])
        s2 += Double(x[i + 2])
        s3 += Double(x[i + 3])
        i += 4
    }
    while i < n {
        s0 += Double(x[i])
        i += 1
    }
    return (s0 + s1) + (s2 + s3)
}

/// Σ (x[i] - center)², in Double.
@inline(__always)
func squaredDeviationsInDouble(_ x: UnsafePointer<Float>, count n: Int, center: Double) -> Double {
    var s0 = 0.0
    var s1 = 0.0
    var s2 = 0.0
    var s3 = 0.0
    var i = 0
    while i + 4 <= n {
        let d0 = Double(x[i]) - center
        let d1 = Double(x[i + 1]) - center
        let d2 = Double(x[i + 2]) - center
        let d3 = Double(x[i + 3]) - center
        s0 += d0 * d0
        s1 += d1 * d1
        s2 += d2 * d2
        s3 += d3 * d3
        i += 4
    }
    while i < n {
        let d = Double(x[i]) - center
        s0 += d * d
        i += 1
    }
    return (s0 + s1) + (s2 + s3)
}

/// Σ a[i]·b[i], in Double.
@inline(__always)
func dotInDouble(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Double {
    var s0 = 0.0
    var s1 = 0.0
    var s2 = 0.0
    var s3 = 0.0
    var i = 0
    while i + 4 <= n {
        s0 += Double(a[i]) * Double(b[i])
        s1 += Double(a[i + 1]) * Double(b[i + 1])
        s2 += Double(a[i + 2]) * Double(b[i + 2])
        s3 += Double(a[i + 3]) * Double(b[i + 3])
        i += 4
    }
    while i < n {
        s0 += Double(a[i]) * Double(b[i])
        i += 1
    }
    return (s0 + s1) + (s2 + s3)
}

// MARK: - Vectorizable elementary functions

// libm's expf and erff are calls, which stop the auto-vectorizer; these are straight-line
// Float arithmetic (no calls, no branches, wrapping integer operations), so loops over them
// vectorize.

/// `exp(x)` within 2 units in the last place for `x` in [−87, 88].
///
/// Cephes' `expf`: Cody–Waite range reduction by ln 2 and a degree-6 polynomial. Inputs are
/// clamped to that range, so `exp(−∞)` gives 2⁻¹²⁶ ≈ 1.2e-38 rather than 0, and large inputs
/// saturate at about 1.6e38.
@inline(__always)
func vectorizableExp(_ x: Float) -> Float {
    let clamped = min(max(x, -87), 88)
    // Round x·log2(e) to the nearest integer n by adding 1.5·2²³: n lands in the low mantissa
    // bits of `shifted`, from which 2ⁿ is built without a float-to-integer conversion.
    let shifted = clamped * 1.442_695_040_888_963_4 + 12_582_912
    let n = shifted - 12_582_912
    let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let polynomial = p * (r * r) + r + 1
    let scale = Float(bitPattern: (shifted.bitPattern &+ 127) &<< 23)
    return polynomial * scale
}

/// `erf(x)` by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7), the formula and
/// constants of PyTorch's vectorized `Vectorized<float>::erf`, which its CPU GELU uses:
/// `sign(x)·(1 − (((((p5·t + p4)·t + p3)·t + p2)·t + p1)·t·exp(−x²))` with
/// `t = 1/(1 + 0.3275911·|x|)` (PyTorch fuses the multiply-adds; here they are not fused).
@inline(__always)
func vectorizableErf(_ x: Float) -> Float {
    let magnitude = abs(x)
    let t = 1 / (0.327_591_1 * magnitude + 1)
    var r: Float = 1.061_405_429 * t - 1.453_152_027
    r = r * t + 1.421_413_741
    r = r * t - 0.284_496_736
    r = r * t + 0.254_829_592
    let value = 1 - r * t * vectorizableExp(-(x * x))
    return Float(
        sign: x.sign, exponentBitPattern: value.exponentBitPattern,
        significandBitPattern: value.significandBitPattern)
}

/// `a·b + c` rounded once, as a fused multiply-add, but vectorizable.
///
/// On baseline x86-64, `Float.addingProduct` becomes a call to `fmaf`. The product of two
/// Floats is exact in Double, so the only error is the double rounding Double → Float, which
/// differs from a true FMA only when the Double sum lands exactly halfway between two Floats
/// (about once in 2²⁹ random cases).
@inline(__always)
func fusedMultiplyAdd(_ a: Float, _ b: Float, _ c: Float) -> Float {
    Float(Double(a) * Double(b) + Double(c))
}

/// `sqrt(x)` for `x ≥ 0`, correctly rounded but for inputs within about 1e-16 (relative) of
/// the halfway point between two Floats; vectorizable, unlike `Float.squareRoot()`, which on
/// Linux keeps a call to libm's `sqrtf` for its errno path.
///
/// Newton's iteration for `1/√x` in Double from the classic bit-level first guess (3.4 %
/// error; four steps bring it below 1e-16), then `√x = x·(1/√x)` rounded once to Float.
/// Checked against `squareRoot()` on 10⁸ random and edge inputs (0, subnormals, the largest
/// Float): equal on all. Negative inputs, NaN and infinity give unspecified results.
@inline(__always)
func vectorizableSquareRoot(_ x: Float) -> Float {
    let d = Double(x)
    let half = 0.5 * d
    var y = Double(bitPattern: 0x5FE6_EB50_C7B5_37A9 &- (d.bitPattern &>> 1))
    y = y * (1.5 - half * y * y)
    y = y * (1.5 - half * y * y)
    y = y * (1.5 - half * y * y)
    y = y * (1.5 - half * y * y)
    return Float(d * y)
}
