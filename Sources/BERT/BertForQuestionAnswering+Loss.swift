// swift-bert — the BERT model.

import Kernels
import Randomness

extension BertForQuestionAnswering {
    /// The loss transformers' `BertForQuestionAnswering.forward(start_positions=…,
    /// end_positions=…)` returns: `(CE(start_logits, start) + CE(end_logits, end)) / 2`, each
    /// cross-entropy the mean over the sequences whose position is not ignored.
    ///
    /// transformers clamps positions to `0…seq_len` and ignores `seq_len` (`ignore_index =
    /// start_logits.size(1)`). Packed, each sequence's softmax runs over its own tokens and its
    /// own length is the ignored position: a negative position counts as 0 ([CLS]), one at or
    /// past the sequence's length is ignored. (A padded batch would also put its padding
    /// positions into the softmax; packing leaves them out.)
    ///
    /// Saves each sequence's softmax in `activations` for the gradient.
    /// - Parameter positions: `[start₀, end₀, start₁, end₁, …]`, two per sequence, positions
    ///   within each sequence.
    /// - Returns: The loss; nan when every position is ignored, as PyTorch gives.
    public func loss(
        positions: [Int32], sequenceOffsets: [Int32], activations a: QuestionAnsweringActivations
    ) -> Float {
        precondition(
            positions.count == 2 * (sequenceOffsets.count - 1),
            "loss: expected 2 positions per sequence")
        let start = meanCrossEntropy(
            positions, column: 0, sequenceOffsets, logits: a.startLogits.pointer,
            probabilities: a.startProbabilities.pointer)
        let end = meanCrossEntropy(
            positions, column: 1, sequenceOffsets, logits: a.endLogits.pointer,
            probabilities: a.endProbabilities.pointer)
        return Float((start + end) / 2)
    }

    /// Writes d loss / d start and end logits of ``loss(positions:sequenceOffsets:activations:)``
    /// (call it first) into `gradients`, OVERWRITTEN: zero for ignored sequences.
    public func lossGradient(
        positions: [Int32], sequenceOffsets: [Int32], activations a: QuestionAnsweringActivations,
        gradients g: QuestionAnsweringGradients, dLoss: Float = 1
    ) {
        // Each cross-entropy is halved by the average of the two.
        crossEntropyGradient(
            positions, column: 0, sequenceOffsets, probabilities: a.startProbabilities.pointer,
            dLogits: g.dStartLogits.pointer, dLoss: dLoss / 2)
        crossEntropyGradient(
            positions, column: 1, sequenceOffsets, probabilities: a.endProbabilities.pointer,
            dLogits: g.dEndLogits.pointer, dLoss: dLoss / 2)
    }

    /// One micro-batch of a training step (see
    /// ``BertForSequenceClassification/accumulateGradients(_:activations:gradients:dLoss:classWeights:generator:)``),
    /// with `[start₀, end₀, …]` in `batch.labels`.
    /// - Returns: The micro-batch's loss (unscaled).
    public func accumulateGradients(
        _ batch: PackedBatch, activations: QuestionAnsweringActivations,
        gradients: QuestionAnsweringGradients, dLoss: Float, generator: inout SeededGenerator
    ) -> Float {
        forward(batch, activations: activations, training: true, generator: &generator)
        let loss = loss(
            positions: batch.labels, sequenceOffsets: batch.sequenceOffsets,
            activations: activations)
        gradients.reserve(for: batch)
        lossGradient(
            positions: batch.labels, sequenceOffsets: batch.sequenceOffsets,
            activations: activations, gradients: gradients, dLoss: dLoss)
        backward(batch, activations: activations, gradients: gradients)
        return loss
    }

    /// `positions.clamp(0, seq_len)`: negative positions become [CLS], large ones `length`.
    static func clamped(_ position: Int32, length: Int) -> Int32 {
        min(max(position, 0), Int32(length))
    }

    /// The mean over the sequences not ignored of the cross-entropy of `column`'s positions
    /// (0 start, 1 end), each sequence's softmax over its own rows; nan when all are ignored.
    private func meanCrossEntropy(
        _ positions: [Int32], column: Int, _ offsets: [Int32], logits: UnsafePointer<Float>,
        probabilities: UnsafeMutablePointer<Float>
    ) -> Double {
        var total = 0.0
        var counted = 0
        for s in 0..<(offsets.count - 1) {
            let first = Int(offsets[s])
            let length = Int(offsets[s + 1]) - first
            var label = Self.clamped(positions[2 * s + column], length: length)
            guard label < length else { continue }
            total += Double(
                CrossEntropy.forward(
                    probabilities: probabilities + first, logits: logits + first, labels: &label,
                    batch: 1, classes: length))
            counted += 1
        }
        return total / Double(counted)
    }

    /// The gradient of ``meanCrossEntropy(_:column:_:logits:probabilities:)`` times `dLoss`.
    private func crossEntropyGradient(
        _ positions: [Int32], column: Int, _ offsets: [Int32],
        probabilities: UnsafePointer<Float>, dLogits: UnsafeMutablePointer<Float>, dLoss: Float
    ) {
        let batch = offsets.count - 1
        var counted = 0
        for s in 0..<batch {
            let length = Int(offsets[s + 1] - offsets[s])
            if Self.clamped(positions[2 * s + column], length: length) < length { counted += 1 }
        }
        for s in 0..<batch {
            let first = Int(offsets[s])
            let length = Int(offsets[s + 1]) - first
            var label = Self.clamped(positions[2 * s + column], length: length)
            guard label < length else {
                (dLogits + first).update(repeating: 0, count: length)
                continue
            }
            CrossEntropy.backward(
                dLogits: dLogits + first, probabilities: probabilities + first, labels: &label,
                batch: 1, classes: length, dLoss: dLoss / Float(counted))
        }
    }
}
