// swift-bert — numeric kernels.
//
// Mean squared error for regression: torch.nn.functional.mse_loss.

/// Mean squared error, as `torch.nn.functional.mse_loss(logits.squeeze(), targets,
/// reduction='mean')` (what `BertForSequenceClassification` uses when `num_labels == 1`).
public enum MeanSquaredError {
    /// Computes `mean((logits − targets)²)`, summing in Double.
    /// - Parameters:
    ///   - logits: `[count]` (the `[batch, 1]` logits, squeezed).
    ///   - targets: `[count]`, the float labels.
    ///   - count: Elements in each buffer.
    /// - Returns: The mean loss (0 when `count == 0`).
    /// - Complexity: O(count).
    public static func forward(
        logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int
    ) -> Float {
        precondition(count >= 0, "MeanSquaredError: negative count \(count)")
        guard count > 0 else { return 0 }
        var total = 0.0
        for i in 0..<count {
            let difference = logits[i] - targets[i]
            total += Double(difference * difference)
        }
        return Float(total / Double(count))
    }

    /// Backward of `forward`; OVERWRITES `dLogits` (the loss is where the backward pass starts).
    ///
    /// `dLogits = (2/count)·(logits − targets)·dLoss`, in PyTorch's order
    /// (`mse_loss_backward`: `norm·(input − target)·grad`).
    /// - Parameters:
    ///   - dLogits: `[count]`, overwritten.
    ///   - logits: `[count]`.
    ///   - targets: `[count]`.
    ///   - count: Elements in each buffer.
    ///   - dLoss: The gradient with respect to the mean loss (usually 1).
    /// - Complexity: O(count).
    public static func backward(
        dLogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
        targets: UnsafePointer<Float>, count: Int, dLoss: Float = 1
    ) {
        precondition(count >= 0, "MeanSquaredError: negative count \(count)")
        guard count > 0 else { return }
        let norm = Float(2 / Double(count))
        for i in 0..<count { dLogits[i] = norm * (logits[i] - targets[i]) * dLoss }
    }

    /// Reference forward in Double, for tests.
    public static func referenceForward(logits: [Double], targets: [Double]) -> Double {
        zip(logits, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            / Double(max(logits.count, 1))
    }

    /// Reference backward in Double, for tests.
    public static func referenceBackward(logits: [Double], targets: [Double]) -> [Double] {
        zip(logits, targets).map { 2 * ($0 - $1) / Double(logits.count) }
    }
}
