// swift-bert — seeded randomness shared by data order, splits, dropout and initialization.

/// A seedable, reproducible random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random choice in swift-bert (the train/validation split, batch order, dropout masks,
/// new classifier weights) draws from one of these, never from the system generator, so that
/// the same seed gives the same bits on every machine and Swift version. Its state is four
/// words and can be saved and restored for exact resume.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    // The four state words, kept as stored properties (not an array) so that `next()` stays
    // in registers: dropout draws millions of numbers per training step.
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// The four state words of xoshiro256**.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// Creates a generator from a seed and a stream number.
    ///
    /// Different streams of one seed are independent sequences (one for the split, one for
    /// shuffling, one for dropout), so adding draws to one never shifts another.
    /// - Parameters:
    ///   - seed: The user-visible seed (`--seed`, `--split-seed`).
    ///   - stream: A fixed number naming the consumer.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var mixer = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        s0 = Self.splitMix64(&mixer)
        s1 = Self.splitMix64(&mixer)
        s2 = Self.splitMix64(&mixer)
        s3 = Self.splitMix64(&mixer)
        if s0 == 0 && s1 == 0 && s2 == 0 && s3 == 0 { s0 = 1 }
    }

    /// Restores a generator from saved state words.
    public init(state: [UInt64]) {
        precondition(state.count == 4, "SeededGenerator state has 4 words, got \(state.count)")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    private enum CodingKeys: String, CodingKey { case state }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let words = try container.decode([UInt64].self, forKey: .state)
        guard words.count == 4 else {
            throw DecodingError.dataCorruptedError(
                forKey: .state, in: container,
                debugDescription: "SeededGenerator state has 4 words, got \(words.count)")
        }
        self.init(state: words)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
    }

    private static func splitMix64(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    @inlinable
    func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform `Float` in [0, 1) with 24 random bits.
    public mutating func nextUniformFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A uniform `Double` in [0, 1) with 53 random bits.
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform integer in `0..<upperBound`, without modulo bias (Lemire's method).
    public mutating func nextIndex(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "upperBound must be positive")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }

    /// A normal sample N(mean, std²) by the Box–Muller transform, in double precision.
    public mutating func nextNormal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        var u1 = nextUniformDouble()
        while u1 <= Double.leastNormalMagnitude { u1 = nextUniformDouble() }
        let u2 = nextUniformDouble()
        let radius = (-2 * _log(u1)).squareRoot()
        return mean + standardDeviation * radius * _cos(2 * Double.pi * u2)
    }

    /// Shuffles `elements` in place with Fisher–Yates, in an order fixed by this file (not by
    /// the standard library's `shuffle(using:)`, whose algorithm may change between releases).
    public mutating func shuffle<T>(_ elements: inout [T]) {
        guard elements.count > 1 else { return }
        for index in stride(from: elements.count - 1, to: 0, by: -1) {
            let other = nextIndex(below: index + 1)
            if other != index { elements.swapAt(index, other) }
        }
    }

    /// The numbers `0..<count` in a random order.
    public mutating func permutation(of count: Int) -> [Int] {
        var order = Array(0..<count)
        shuffle(&order)
        return order
    }
}
