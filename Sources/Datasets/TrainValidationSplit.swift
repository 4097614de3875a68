// swift-bert — Datasets: the seeded train/validation split.

import Randomness

/// A partition of `0..<count` into training and validation indices.
public struct TrainValidationSplit: Sendable, Hashable, Codable {
    /// The training examples' indices, in shuffled order.
    public var train: [Int]
    /// The validation examples' indices, in shuffled order.
    public var validation: [Int]

    /// The generator stream the split draws from (ASCII `split`), so that it never shares
    /// draws with batch order or dropout even when their seeds are equal.
    public static let randomStream: UInt64 = 0x73_70_6C_69_74

    /// Creates a split from index lists.
    public init(train: [Int], validation: [Int]) {
        self.train = train
        self.validation = validation
    }
}

/// Splits `count` examples into a training and a validation part at random, as
/// scikit-learn's `train_test_split(test_size: validationFraction, random_state: seed)` does.
///
/// The sizes are scikit-learn's: the validation part has `ceil(validationFraction * count)`
/// examples (computed in `Double`, exactly as Python does), the training part the rest, so
/// 8,551 CoLA sentences with 0.1 give 7,695 and 856. The rows chosen differ from
/// scikit-learn's, since the shuffle uses ``SeededGenerator`` (stream
/// ``TrainValidationSplit/randomStream``) instead of NumPy's Mersenne Twister: as there, the
/// validation part is the head of one random permutation and the training part its tail.
/// A fraction of 0 gives an empty validation part (scikit-learn would refuse it) and leaves
/// the training part in file order, so `--no-shuffle` visits the file as written.
///
/// - Parameters:
///   - count: The number of examples.
///   - validationFraction: The share of examples held out, in `[0, 1)`.
///   - seed: The split seed (the tutorial's `random_state=2018`).
/// - Returns: Disjoint index lists whose union is `0..<count`; the same arguments always give
///   the same split.
/// - Throws: ``DatasetError/invalidSplit(count:validationFraction:reason:)`` when the fraction
///   is outside `[0, 1)` or the training part would be empty.
/// - Complexity: O(`count`).
public func trainValidationSplit(
    count: Int, validationFraction: Double = 0.1, seed: UInt64 = 2018
) throws -> TrainValidationSplit {
    guard validationFraction >= 0, validationFraction < 1 else {
        throw DatasetError.invalidSplit(
            count: count, validationFraction: validationFraction,
            reason: "the fraction must be at least 0 and less than 1")
    }
    guard count >= 0 else {
        throw DatasetError.invalidSplit(
            count: count, validationFraction: validationFraction,
            reason: "the count is negative")
    }
    let validationCount = Int((validationFraction * Double(count)).rounded(.up))
    guard validationCount < count else {
        throw DatasetError.invalidSplit(
            count: count, validationFraction: validationFraction,
            reason: "the training part would be empty")
    }
    if validationCount == 0 {
        return TrainValidationSplit(train: Array(0..<count), validation: [])
    }
    var generator = SeededGenerator(seed: seed, stream: TrainValidationSplit.randomStream)
    let order = generator.permutation(of: count)
    return TrainValidationSplit(
        train: Array(order[validationCount...]), validation: Array(order[..<validationCount]))
}
