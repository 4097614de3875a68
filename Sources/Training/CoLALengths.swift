// swift-bert — training.

import Randomness

/// CoLA's sentence lengths, for benchmarks that need its real mix of short and long batches
/// (`bert bench --lengths cola`) without the data or a tokenizer at hand.
///
/// Token counts with `[CLS]` and `[SEP]`, truncated at 64, of the 8,551 sentences of
/// `in_domain_train.tsv` under the bert-base-uncased WordPiece vocabulary (all-MiniLM-L6-v2
/// shares it). `CoLALengthsTests` recomputes the table from `Data/cola_public_1.1.zip` with
/// our tokenizer, so it cannot drift from the data.
public enum CoLALengths {
    /// `(length, sentences)` pairs in increasing length; mean 11.33 tokens, longest 47.
    public static let histogram: [(length: Int, count: Int)] = [
        (4, 7), (5, 129), (6, 310), (7, 649), (8, 979), (9, 1154), (10, 1129), (11, 916),
        (12, 797), (13, 574), (14, 453), (15, 334), (16, 235), (17, 182), (18, 145), (19, 124),
        (20, 96), (21, 66), (22, 67), (23, 66), (24, 41), (25, 26), (26, 21), (27, 17), (28, 6),
        (29, 8), (30, 6), (31, 1), (32, 8), (33, 1), (35, 1), (37, 1), (40, 1), (47, 1),
    ]

    /// The sentences of in_domain_train.tsv: 8,551.
    public static let sentenceCount = histogram.reduce(0) { $0 + $1.count }

    /// The tutorial's training part: 90 % of the sentences (the rest, 856, validate).
    public static let trainingCount = 7_695

    /// The held-out sentences the tutorial evaluates after training: out_of_domain_dev (516)
    /// and in_domain_dev (527).
    public static let heldOutCount = 516 + 527

    /// Every sentence's length, in a random order drawn from `seed` (a Fisher–Yates shuffle,
    /// as a RandomSampler's epoch order would mix them).
    public static func shuffledLengths(seed: UInt64) -> [Int] {
        var lengths = histogram.flatMap { Array(repeating: $0.length, count: $0.count) }
        var generator = SeededGenerator(seed: seed, stream: 0x636F_6C61)  // "cola"
        lengths.shuffle(using: &generator)
        return lengths
    }
}
