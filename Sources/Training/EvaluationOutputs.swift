// swift-bert — training.

/// What an evaluation pass computes over a run of its examples before any metric: the
/// figures of each batch (loss sums, counts) and the outputs of each example (logits rows,
/// per-token logits, start and end logits), both in order.
///
/// The part of an evaluation that the ranks of a data-parallel run share: each rank computes
/// the outputs of its ``EvaluationShards`` range, rank 0 gathers them in rank order and
/// computes the metrics from the whole set's outputs as one process does
/// (``FineTuner/evaluateSharded(_:)``). Each kind of examples
/// (``TrainingExamples/evaluationOutputs(_:with:)``) documents its own layout.
public struct EvaluationOutputs: Sendable, Equatable {
    /// A fixed number of figures per batch, batch after batch.
    public var batchValues: [Double]
    /// The examples' outputs, example after example.
    public var rows: [Float]

    /// Outputs of no example.
    public init(batchValues: [Double] = [], rows: [Float] = []) {
        self.batchValues = batchValues
        self.rows = rows
    }

    /// How many values a range gives: what rank 0 checks a rank's gathered outputs against.
    public struct Counts: Sendable, Equatable {
        public var batchValues: Int
        public var rows: Int

        public init(batchValues: Int, rows: Int) {
            self.batchValues = batchValues
            self.rows = rows
        }
    }

    /// The counts of these outputs.
    public var counts: Counts { Counts(batchValues: batchValues.count, rows: rows.count) }
}

/// Which examples each rank of a data-parallel run evaluates: whole evaluation batches, so
/// that every example is computed in the same batch as one process computes it (the same
/// batch composition, so the same outputs up to the ranks' thread counts).
///
/// The `ceil(count / batchSize)` batches are split into contiguous runs in rank order as
/// ``DataParallelShare`` splits a batch (the first ranks get one batch more); a rank's range
/// may be empty (fewer batches than ranks).
public enum EvaluationShards {
    /// Rank `rank`'s examples of `count`, evaluated `batchSize` at a time over `size` ranks:
    /// a range that starts at a multiple of `batchSize`.
    /// - Precondition: `count ≥ 0`, `batchSize ≥ 1` and `rank` lies in `0..<size`.
    public static func range(count: Int, batchSize: Int, rank: Int, size: Int) -> Range<Int> {
        precondition(batchSize >= 1, "EvaluationShards: batchSize \(batchSize)")
        let batches = (count + batchSize - 1) / batchSize
        let mine = DataParallelShare.range(count: batches, rank: rank, size: size)
        return min(mine.lowerBound * batchSize, count)..<min(mine.upperBound * batchSize, count)
    }

    /// The number of batches of `batchSize` that `range` (from a batch boundary) forms.
    public static func batches(in range: Range<Int>, batchSize: Int) -> Int {
        (range.count + batchSize - 1) / batchSize
    }

    /// The batches of `batchSize` that `range` forms, in order, from its start: the batches
    /// one process forms over the whole set, when `range` starts at a batch boundary.
    static func batchRanges(_ range: Range<Int>, batchSize: Int) -> [Range<Int>] {
        precondition(batchSize >= 1, "EvaluationShards: batchSize \(batchSize)")
        return stride(from: range.lowerBound, to: range.upperBound, by: batchSize).map {
            $0..<min($0 + batchSize, range.upperBound)
        }
    }
}
