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
@inline(__always) func _log1p(_ x: Float) -> Float { log1pf(x) }
@inline(__always) func _tanh(_ x: Float) -> Float { tanhf(x) }
@inline(__always) func _erf(_ x: Double) -> Double { erf(x) }
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _log1p(_ x: Double) -> Double { log1p(x) }
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

