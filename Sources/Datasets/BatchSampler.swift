// swift-bert — Datasets: the order in which examples are grouped into batches, epoch by epoch.

import Randomness

/// Groups the indices `0..<count` into batches, in random order (a new permutation every
/// epoch) or in sequential order, and remembers where it is so training can resume exactly.
///
/// It matches PyTorch's `DataLoader(batch_size:, sampler: RandomSampler | SequentialSampler,
/// drop_last: False)`: `ceil(count / batchSize)` batches per epoch, the last one smaller when
/// `batchSize` does not divide `count` (7,695 examples in batches of 32 give 241 batches;
/// 856 give 27). Random order draws each epoch's permutation from one ``SeededGenerator``
/// (stream ``BatchSampler/randomStream``), as `RandomSampler` calls `randperm` once per
/// epoch on one generator; the permutations differ from PyTorch's.
///
/// ```swift
/// var sampler = BatchSampler(count: split.train.count, batchSize: 32, order: .random(seed: 42))
/// for _ in 0..<epochs {
///     while let batch = sampler.nextBatch() {
///         // `batch` holds positions in 0..<count; map them through `split.train`.
///     }
/// }
/// ```
///
/// The sampler is `Codable`: its encoding holds the configuration and ``state`` (epoch,
/// batch index, and the generator's state at the start of the epoch), not the permutation,
/// which is drawn again on decoding.
public struct BatchSampler: Sendable, Equatable, Codable {
    /// The order of examples within an epoch.
    public enum Order: Sendable, Hashable, Codable {
        /// `0, 1, 2, …` every epoch (`SequentialSampler`), for evaluation.
        case sequential
        /// A new random permutation every epoch (`RandomSampler`), for training.
        case random(seed: UInt64)
    }

    /// Where a sampler is: everything needed, with its configuration, to resume it exactly.
    public struct State: Sendable, Equatable, Codable {
        /// The 0-based epoch.
        public var epoch: Int
        /// How many batches of this epoch were already returned.
        public var batchIndex: Int
        /// The generator's state before this epoch's permutation was drawn; `nil` for
        /// sequential order.
        public var generatorAtEpochStart: SeededGenerator?

        /// Creates a state.
        public init(epoch: Int, batchIndex: Int, generatorAtEpochStart: SeededGenerator?) {
            self.epoch = epoch
            self.batchIndex = batchIndex
            self.generatorAtEpochStart = generatorAtEpochStart
        }
    }

    /// The generator stream batch order draws from (ASCII `shuffle`).
    public static let randomStream: UInt64 = 0x73_68_75_66_66_6C_65

    /// The number of examples.
    public let count: Int
    /// The largest number of examples in a batch.
    public let batchSize: Int
    /// Sequential or random order.
    public let order: Order
    /// Whether a last, smaller batch is dropped (PyTorch's `drop_last`).
    public let dropLast: Bool
    /// The current epoch and position; save it with the configuration to resume.
    public private(set) var state: State

    /// The generator after drawing this epoch's permutation (`nil` for sequential order).
    private var generator: SeededGenerator?
    /// This epoch's order of `0..<count`.
    private var indices: [Int]

    private enum CodingKeys: String, CodingKey {
        case count, batchSize, order, dropLast, state
    }

    /// Creates a sampler at the start of epoch 0.
    ///
    /// - Parameters:
    ///   - count: The number of examples (at least 0).
    ///   - batchSize: The largest number of examples in a batch (at least 1).
    ///   - order: Sequential or random order.
    ///   - dropLast: Whether to drop a last, smaller batch.
    public init(count: Int, batchSize: Int, order: Order, dropLast: Bool = false) {
        let start: SeededGenerator?
        switch order {
        case .sequential: start = nil
        case .random(let seed): start = SeededGenerator(seed: seed, stream: Self.randomStream)
        }
        self.init(
            count: count, batchSize: batchSize, order: order, dropLast: dropLast,
            state: State(epoch: 0, batchIndex: 0, generatorAtEpochStart: start))
    }

    /// Restores a sampler from a saved ``state``.
    ///
    /// The configuration must be the one the state was saved with; a state whose batch
    /// index exceeds ``batchesPerEpoch`` or whose generator does not fit `order` is a
    /// programming error.
    public init(count: Int, batchSize: Int, order: Order, dropLast: Bool = false, state: State) {
        precondition(count >= 0, "BatchSampler: count must be at least 0, got \(count)")
        precondition(batchSize >= 1, "BatchSampler: batchSize must be at least 1, got \(batchSize)")
        self.count = count
        self.batchSize = batchSize
        self.order = order
        self.dropLast = dropLast
        self.state = state
        self.indices = Array(0..<count)
        self.generator = nil
        precondition(
            state.epoch >= 0 && state.batchIndex >= 0 && state.batchIndex <= batchesPerEpoch,
            "BatchSampler: state \(state) out of range for \(batchesPerEpoch) batches")
        switch order {
        case .sequential:
            precondition(
                state.generatorAtEpochStart == nil,
                "BatchSampler: a sequential sampler has no generator")
        case .random:
            precondition(
                state.generatorAtEpochStart != nil,
                "BatchSampler: a random sampler needs a generator")
            drawPermutation()
        }
    }

    /// The most examples a decoded sampler may hold (its index array is allocated at once).
    public static let maximumCount = 1 << 31

    /// The `userInfo` key whose `Int` value is the count a decoded sampler must have: a saved
    /// state for another training set is refused before its index array is allocated.
    public static let expectedCountKey: CodingUserInfoKey = {
        guard let key = CodingUserInfoKey(rawValue: "BatchSampler.expectedCount") else {
            preconditionFailure("CodingUserInfoKey rejected a constant raw value")
        }
        return key
    }()

    /// Decodes a saved sampler, checking every field before anything is allocated.
    /// - Throws: `DecodingError.dataCorrupted` with a one-line reason.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let count = try container.decode(Int.self, forKey: .count)
        let batchSize = try container.decode(Int.self, forKey: .batchSize)
        let order = try container.decode(Order.self, forKey: .order)
        let dropLast = try container.decode(Bool.self, forKey: .dropLast)
        let state = try container.decode(State.self, forKey: .state)
        func corrupted(_ reason: String) -> DecodingError {
            .dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: reason))
        }
        guard (0...Self.maximumCount).contains(count) else {
            throw corrupted("count \(count) is outside 0...\(Self.maximumCount)")
        }
        if let expected = decoder.userInfo[Self.expectedCountKey] as? Int, expected != count {
            throw corrupted("count \(count) differs from the training set's \(expected) examples")
        }
        guard (1...Self.maximumCount).contains(batchSize) else {
            throw corrupted("batch size \(batchSize) is outside 1...\(Self.maximumCount)")
        }
        let batches = dropLast ? count / batchSize : (count + batchSize - 1) / batchSize
        let generatorFits: Bool
        switch order {
        case .sequential: generatorFits = state.generatorAtEpochStart == nil
        case .random: generatorFits = state.generatorAtEpochStart?.state.count == 4
        }
        guard state.epoch >= 0, state.batchIndex >= 0, state.batchIndex <= batches else {
            throw corrupted(
                "epoch \(state.epoch), batch \(state.batchIndex) does not fit \(batches) "
                    + "batches per epoch")
        }
        guard generatorFits else { throw corrupted("the generator state does not fit the order") }
        self.init(
            count: count, batchSize: batchSize, order: order, dropLast: dropLast, state: state)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        try container.encode(batchSize, forKey: .batchSize)
        try container.encode(order, forKey: .order)
        try container.encode(dropLast, forKey: .dropLast)
        try container.encode(state, forKey: .state)
    }

    /// The number of batches in every epoch: `ceil(count / batchSize)`, or
    /// `floor(count / batchSize)` with `dropLast`.
    public var batchesPerEpoch: Int {
        dropLast ? count / batchSize : (count + batchSize - 1) / batchSize
    }

    /// The 0-based epoch the next batch belongs to.
    public var epoch: Int { state.epoch }

    /// This epoch's whole order of `0..<count`.
    public var epochOrder: [Int] { indices }

    /// The next batch of this epoch, or `nil` once the epoch is over.
    ///
    /// Returning `nil` also moves the sampler to the next epoch (drawing its permutation),
    /// so `while let batch = sampler.nextBatch() { … }` runs exactly one epoch.
    /// - Returns: Positions in `0..<count`, at most ``batchSize`` of them, as a slice of the
    ///   epoch's order (no allocation).
    public mutating func nextBatch() -> ArraySlice<Int>? {
        guard state.batchIndex < batchesPerEpoch else {
            startNextEpoch()
            return nil
        }
        let start = state.batchIndex * batchSize
        let end = min(start + batchSize, count)
        state.batchIndex += 1
        return indices[start..<end]
    }

    /// Moves to the start of the next epoch, skipping what is left of this one.
    public mutating func startNextEpoch() {
        state.epoch += 1
        state.batchIndex = 0
        if generator != nil {
            state.generatorAtEpochStart = generator
            drawPermutation()
        }
    }

    /// Sets `indices` to a fresh permutation drawn from `state.generatorAtEpochStart`, in
    /// place, the same as `SeededGenerator.permutation(of:)`.
    private mutating func drawPermutation() {
        guard var next = state.generatorAtEpochStart else { return }
        for position in indices.indices { indices[position] = position }
        next.shuffle(&indices)
        generator = next
    }
}
