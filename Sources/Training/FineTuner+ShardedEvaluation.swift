// swift-bert — training.

import BERT
import Distributed

extension FineTuner {
    /// Evaluates on `examples` with every rank of the ``communicator`` sharing the work: each
    /// rank computes the outputs of its run of whole evaluation batches (``EvaluationShards``),
    /// rank 0 gathers them in rank order and computes the metrics from them as one process
    /// does, so the figures equal one process's up to the ranks' thread counts.
    ///
    /// Every rank must call it, with the same examples. A single process evaluates alone.
    /// - Returns: The result on rank 0; nil on the other ranks.
    /// - Throws: What ``TrainingExamples/evaluationOutputs(_:with:)`` throws,
    ///   ``TrainingError/replicasDiffer(what:ranks:size:)`` on rank 0 when a rank's outputs
    ///   have another size than its share of rank 0's examples gives, or a `DistributedError`.
    public func evaluateSharded<Examples: TrainingExamples>(_ examples: Examples) throws
        -> EvaluationResult?
    {
        guard let outputs = try gatherEvaluationOutputs(examples) else { return nil }
        return try examples.evaluationResult(outputs, with: self)
    }

    /// The ``TrainingExamples/evaluationOutputs(_:with:)`` of all of `examples`, computed by
    /// every rank for its ``EvaluationShards`` range and gathered to rank 0 in rank order:
    /// the outputs one process computes over the whole set (``evaluateSharded(_:)`` without
    /// the metrics, for figures of parts of the set such as the tutorial's per-batch MCC).
    ///
    /// Every rank must call it, with the same examples.
    /// - Returns: The outputs on rank 0; nil on the other ranks.
    /// - Throws: As ``evaluateSharded(_:)``.
    public func gatherEvaluationOutputs<Examples: TrainingExamples>(_ examples: Examples) throws
        -> EvaluationOutputs?
    {
        let batchSize = options.evaluationBatchSize
        let size = communicator.size
        let own = try examples.evaluationOutputs(
            EvaluationShards.range(
                count: examples.count, batchSize: batchSize, rank: communicator.rank, size: size),
            with: self)
        guard isDataParallel else { return own }
        let values = try communicator.gather(own.batchValues)
        let rows = try communicator.gather(own.rows)
        guard communicator.isWriter else { return nil }
        var outputs = EvaluationOutputs()
        var differing = 0
        for rank in 0..<size {
            let range = EvaluationShards.range(
                count: examples.count, batchSize: batchSize, rank: rank, size: size)
            let expected = examples.evaluationOutputCounts(range, with: self)
            // Another rank's data (another file on its host) shows as other counts here.
            if values[rank].count != expected.batchValues || rows[rank].count != expected.rows {
                differing += 1
            }
            outputs.batchValues += values[rank]
            outputs.rows += rows[rank]
        }
        if differing > 0 {
            throw TrainingError.replicasDiffer(
                what: "evaluation outputs (\(examples.count) examples on rank 0)",
                ranks: differing, size: size)
        }
        return outputs
    }

    /// Gives every rank rank 0's parameters (a data-parallel run whose rank 0 alone restored
    /// the best epoch's, before a sharded test evaluation) and rewrites the bf16 weights
    /// from them. Every rank must call it; a single process only refreshes the bf16 copy.
    /// - Throws: A `DistributedError`.
    public func shareParameters() throws {
        if isDataParallel {
            try communicator.broadcast(
                UnsafeMutableRawBufferPointer(
                    start: model.parameters.pointer,
                    count: model.parameters.count * MemoryLayout<Float>.stride))
        }
        model.refreshBFloat16Parameters()
    }
}
