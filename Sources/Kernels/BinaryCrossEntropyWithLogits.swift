// swift-bert — numeric kernels.
//
// Sigmoid binary cross-entropy for multi-label classification:
// torch.nn.functional.binary_cross_entropy_with_logits.

/// Binary cross-entropy on logits, averaged over every element, as
/// `torch.nn.BCEWithLogitsLoss()(logits, targets)` (`reduction='mean'`; what
/// `BertForSequenceClassification` uses when `problem_type == "multi_label_classification"`).
///
/// Per element, in PyTorch's CPU form (`Loss.cpp`, then `log_sigmoid`'s kernel):
/// `loss = (1 − y)·x − log_sigmoid(x)`, `log_sigmoid(x) = min(x, 0) − log1p(exp(−|x|))`, which
/// never overflows (it is `(1 − y)·x + log(1 + exp(−x))` with the max trick). Targets may be
/// soft (any value in [0, 1]). No `weight`, no `pos_weight`.
public enum BinaryCrossEntropyWithLogits {
    /// Computes the mean loss over all `count` elements, summing in Double.
    ///
    /// Nothing is saved: backward recomputes `sigmoid(logits)`, as PyTorch's does.
    /// - Parameters:
    ///   - logits: `[count]`, the `[batch, labels]` logits, row-major.
    ///   - targets: `[count]`, the float labels (multi-hot or soft), same layout.
    ///   - count: Elements in each buffer (`batch·labels`).
    /// - Returns: The mean loss; nan when `count == 0` (PyTorch's mean of an empty tensor).
    /// - Complexity: O(count).
    public static func forward(
        logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, count: Int
    ) -> Float {
        precondition(count >= 0, "BinaryCrossEntropyWithLogits: negative count \(count)")
        var total = 0.0
        for i in 0..<count {
            let x = logits[i]
            let logSigmoid = min(x, 0) - _log1p(_exp(-abs(x)))
            total += Double((1 - targets[i]) * x - logSigmoid)
        }
        return Float(total / Double(count))
    }

    /// Backward of `forward`; OVERWRITES `dLogits` (the loss is where the backward pass starts).
    ///
    /// `dLogits = (sigmoid(x) − y)·dLoss / count`, in the order of PyTorch's
    /// `binary_cross_entropy_with_logits_backward` (`sigmoid(x) = 1/(1 + exp(−x))`, times the
    /// incoming gradient, then divided by the element count).
    /// - Parameters:
    ///   - dLogits: `[count]`, overwritten.
    ///   - logits: `[count]`.
    ///   - targets: `[count]`.
    ///   - count: Elements in each buffer.
    ///   - dLoss: The gradient with respect to the mean loss (1, or a scale for gradient
    ///     accumulation).
    /// - Complexity: O(count).
    public static func backward(
        dLogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
        targets: UnsafePointer<Float>, count: Int, dLoss: Float = 1
    ) {
        precondition(count >= 0, "BinaryCrossEntropyWithLogits: negative count \(count)")
        let n = Float(count)
        for i in 0..<count {
            let sigmoid = 1 / (1 + _exp(-logits[i]))
            dLogits[i] = ((sigmoid - targets[i]) * dLoss) / n
        }
    }

    /// Reference forward in Double, for tests: `mean(y·log(1 + e^−x) + (1 − y)·log(1 + e^x))`,
    /// written with `log1p` and the max trick so that ±80 stays finite.
    public static func referenceForward(logits: [Double], targets: [Double]) -> Double {
        let total = zip(logits, targets).reduce(0.0) { sum, pair in
            let (x, y) = pair
            let softplusMinusX = max(-x, 0) + _log1p(_exp(-abs(x)))  // log(1 + e^−x)
            let softplusX = max(x, 0) + _log1p(_exp(-abs(x)))  // log(1 + e^x)
            return sum + y * softplusMinusX + (1 - y) * softplusX
        }
        return total / Double(logits.count)
    }

    /// Reference backward in Double, for tests: `(sigmoid(x) − y) / count`.
    public static func referenceBackward(logits: [Double], targets: [Double]) -> [Double] {
        zip(logits, targets).map { (1 / (1 + _exp(-$0)) - $1) / Double(logits.count) }
    }
}
