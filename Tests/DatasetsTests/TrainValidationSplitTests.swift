// swift-bert — Datasets tests: the seeded train/validation split.

import Datasets
import XCTest

final class TrainValidationSplitTests: XCTestCase {
    func testColaSplitIs7695TrainAnd856Validation() throws {
        let split = try trainValidationSplit(count: 8551, validationFraction: 0.1, seed: 2018)
        XCTAssertEqual(split.train.count, 7695)
        XCTAssertEqual(split.validation.count, 856)
    }

    func testSplitIsDisjointAndCoversEveryIndex() throws {
        for (count, fraction) in [(8551, 0.1), (10, 0.3), (7, 0.5), (1, 0.0), (2, 0.5)] {
            let split = try trainValidationSplit(
                count: count, validationFraction: fraction, seed: 7)
            let label = "count \(count), fraction \(fraction)"
            XCTAssertTrue(Set(split.train).isDisjoint(with: split.validation), label)
            XCTAssertEqual((split.train + split.validation).sorted(), Array(0..<count), label)
        }
    }

    func testSameSeedGivesTheSameSplitAndOtherSeedsAnother() throws {
        let first = try trainValidationSplit(count: 8551, seed: 2018)
        let again = try trainValidationSplit(count: 8551, seed: 2018)
        let other = try trainValidationSplit(count: 8551, seed: 2019)
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first.validation, other.validation)
        XCTAssertNotEqual(first.validation.sorted(), Array(0..<856), "the split is shuffled")
    }

    func testDefaultsAreTheTutorials() throws {
        XCTAssertEqual(
            try trainValidationSplit(count: 8551),
            try trainValidationSplit(count: 8551, validationFraction: 0.1, seed: 2018))
    }

    func testValidationSizeIsScikitLearnsCeilingInDouble() throws {
        // scikit-learn: n_test = ceil(test_size * n_samples); 0.07 * 100 is
        // 7.000000000000001 in binary floating point, so it holds out 8.
        let cases: [(count: Int, fraction: Double, validation: Int)] = [
            (8551, 0.1, 856), (100, 0.07, 8), (10, 0.25, 3), (3, 0.1, 1), (1000, 0.2, 200),
        ]
        for (count, fraction, validation) in cases {
            let split = try trainValidationSplit(
                count: count, validationFraction: fraction, seed: 1)
            XCTAssertEqual(split.validation.count, validation, "\(count) × \(fraction)")
            XCTAssertEqual(split.train.count, count - validation, "\(count) × \(fraction)")
        }
    }

    func testZeroFractionHoldsOutNothingAndKeepsTheFileOrder() throws {
        for seed: UInt64 in [2018, 1, 42] {
            let split = try trainValidationSplit(count: 100, validationFraction: 0, seed: seed)
            XCTAssertEqual(split.validation, [], "seed \(seed)")
            // Not only the same indices: the same order, so --no-shuffle reads the file as is.
            XCTAssertEqual(split.train, Array(0..<100), "seed \(seed)")
        }
    }

    func testImpossibleSplitsThrow() {
        let cases: [(count: Int, fraction: Double)] = [
            (10, 1.0), (10, -0.1), (10, .nan), (1, 0.5), (0, 0.1), (0, 0),
        ]
        for (count, fraction) in cases {
            let label = "count \(count), fraction \(fraction)"
            XCTAssertThrowsError(
                try trainValidationSplit(count: count, validationFraction: fraction), label
            ) { error in
                guard case .invalidSplit(let reportedCount, _, _) = error as? DatasetError else {
                    return XCTFail("\(label): got \(error)")
                }
                XCTAssertEqual(reportedCount, count, label)
            }
        }
    }

    func testSplitErrorDescriptionSaysWhy() {
        XCTAssertEqual(
            DatasetError.invalidSplit(
                count: 1, validationFraction: 0.5, reason: "the training part would be empty"
            ).description,
            "cannot split 1 examples with validation fraction 0.5: "
                + "the training part would be empty")
    }
}
