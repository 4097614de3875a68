// swift-bert — numeric kernels.
//
// Softmax cross-entropy averaged over the batch: torch.nn.functional.cross_entropy.

/// Softmax cross-entropy with integer labels, averaged over the batch, as
/// `torch.nn.functional.cross_entropy(logits, labels, reduction='mean')` (what
/// `BertForSequenceClassification` uses when `num_labels > 1`).
///
/// Per row, `log p = (x − max) − log Σ exp(x − max)` (log-sum-exp, as PyTorch's
/// `log_softmax` computes it on CPU), `loss = −(1/batch)·Σ_rows log p[label]`. No
/// `ignore_index`, weights or label smoothing.
public enum CrossEntropy {
    /// Computes the mean loss and saves the softmax probabilities.
    /// - Parameters:
    ///   - probabilities: `[batch, classes]`, overwritten and saved for backward:
    ///     `exp(log p)`.
    ///   - logits: `[batch, classes]`.
    ///   - labels: `[batch]`, each in `0..<classes` (checked once per call).
    ///   - batch: Rows of `logits`.
    ///   - classes: Logits per row (`num_labels`).
    /// - Returns: The mean loss over the batch (0 when `batch == 0`); the sum is taken in
    ///   Double.
    /// - Complexity: O(batch·classes).
    public static func forward(
        probabilities: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
        labels: UnsafePointer<Int32>, batch: Int, classes: Int
    ) -> Float {
        precondition(batch >= 0 && classes > 0, "CrossEntropy: batch \(batch) classes \(classes)")
        guard batch > 0 else { return 0 }
        var total = 0.0
        for row in 0..<batch {
            let label = Int(labels[row])
            precondition(label >= 0 && label < classes, "CrossEntropy: label \(label) at \(row)")
            let x = logits + row * classes
            let p = probabilities + row * classes
            var maximum = -Float.infinity
            for j in 0..<classes { maximum = max(maximum, x[j]) }
            var sum: Float = 0
            for j in 0..<classes { sum += _exp(x[j] - maximum) }
            let logSum = _log(sum)
            for j in 0..<classes { p[j] = _exp((x[j] - maximum) - logSum) }
            total -= Double((x[label] - maximum) - logSum)
        }
        return Float(total / Double(batch))
    }

    /// Backward of `forward`; OVERWRITES `dLogits` (the loss is where the backward pass starts).
    ///
    /// `dLogits = (probabilities − onehot(label))·dLoss/batch`, formed as PyTorch's
    /// `nll_loss` and `log_softmax` backward form it: with `s = −(dLoss/batch)`,
    /// `dLogits[j] = [j == label]·s − probabilities[j]·s`.
    /// - Parameters:
    ///   - dLogits: `[batch, classes]`, overwritten.
    ///   - probabilities: `[batch, classes]`, saved by `forward`.
    ///   - labels: `[batch]`.
    ///   - batch: Rows of `logits`.
    ///   - classes: Logits per row (`num_labels`).
    ///   - dLoss: The gradient of the final objective with respect to the mean loss (1, or a
    ///     scale for gradient accumulation).
    /// - Complexity: O(batch·classes).
    public static func backward(
        dLogits: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>,
        labels: UnsafePointer<Int32>, batch: Int, classes: Int, dLoss: Float = 1
    ) {
        precondition(batch >= 0 && classes > 0, "CrossEntropy: batch \(batch) classes \(classes)")
        guard batch > 0 else { return }
        let s = -(dLoss / Float(batch))
        for row in 0..<batch {
            let label = Int(labels[row])
            let p = probabilities + row * classes
            let d = dLogits + row * classes
            for j in 0..<classes { d[j] = (j == label ? s : 0) - p[j] * s }
        }
    }

    /// Reference forward in Double, for tests: the mean loss and the probabilities.
    public static func referenceForward(
        logits: [Double], labels: [Int32], classes: Int
    ) -> (loss: Double, probabilities: [Double]) {
        let batch = labels.count
        var probabilities = [Double]()
        var total = 0.0
        for row in 0..<batch {
            let x = Array(logits[(row * classes)..<((row + 1) * classes)])
            let maximum = x.max() ?? 0
            let logSum = maximum + _log(x.reduce(0) { $0 + _exp($1 - maximum) })
            probabilities.append(contentsOf: x.map { _exp($0 - logSum) })
            total -= x[Int(labels[row])] - logSum
        }
        return (total / Double(max(batch, 1)), probabilities)
    }

    /// Reference backward in Double, for tests: `(softmax − onehot)/batch`.
    public static func referenceBackward(
        logits: [Double], labels: [Int32], classes: Int
    ) -> [Double] {
        let batch = labels.count
        var gradient = referenceForward(logits: logits, labels: labels, classes: classes)
            .probabilities
        for row in 0..<batch {
            gradient[row * classes + Int(labels[row])] -= 1
        }
        return gradient.map { $0 / Double(batch) }
    }
}
