// swift-bert — numeric kernels.
//
// Softmax cross-entropy averaged over the batch: torch.nn.functional.cross_entropy, with
// optional class weights and ignore_index.

/// Softmax cross-entropy with integer labels, averaged over the batch, as
/// `torch.nn.functional.cross_entropy(logits, labels, weight=…, ignore_index=…,
/// reduction='mean')` (what `BertForSequenceClassification` uses when `num_labels > 1`, and
/// `BertForTokenClassification` over `[tokens, classes]` with `-100` labels).
///
/// Per row, `log p = (x − max) − log Σ exp(x − max)` (log-sum-exp, as PyTorch's
/// `log_softmax` computes it on CPU). As PyTorch's `nll_loss` (mean):
/// `loss = −Σ_rows w[label]·log p[label] / Σ_rows w[label]` over the rows whose label is not
/// `ignoreIndex`, with `w ≡ 1` when there are no class weights (the divisor is then the
/// number of counted rows). No label smoothing.
///
/// When nothing is counted (every label ignored, or the counted targets' weights sum to 0)
/// PyTorch divides 0 by 0 and returns nan; the weighted entry point does the same, and its
/// backward then gives 0 for ignored rows and nan for counted rows (`0·(−∞)`), as PyTorch's.
public enum CrossEntropy {
    /// PyTorch's default `ignore_index` (`CrossEntropyLoss(ignore_index=-100)`), the label HF
    /// data collators and `tokenize_and_align_labels` put on tokens that have no label.
    public static let defaultIgnoreIndex: Int32 = -100

    /// Computes the mean loss and saves the softmax probabilities (no weights, nothing ignored).
    ///
    /// The same numbers, bit for bit, as the weighted entry point with `classWeights: nil`,
    /// except that it returns 0, not nan, for an empty batch.
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
        return forward(
            probabilities: probabilities, logits: logits, labels: labels, classWeights: nil,
            ignoreIndex: nil, batch: batch, classes: classes)
    }

    /// Computes the (weighted) mean loss over the rows not ignored and saves the softmax
    /// probabilities: `F.cross_entropy(logits, labels, weight=classWeights,
    /// ignore_index=ignoreIndex, reduction='mean')`.
    /// - Parameters:
    ///   - probabilities: `[batch, classes]`, overwritten and saved for backward:
    ///     `exp(log p)`, for every row (ignored rows too, as PyTorch's `log_softmax`).
    ///   - logits: `[batch, classes]`.
    ///   - labels: `[batch]`, each in `0..<classes` or equal to `ignoreIndex` (checked once
    ///     per call).
    ///   - classWeights: `[classes]`, PyTorch's `weight`, or nil for none.
    ///   - ignoreIndex: The label of rows that count for nothing, or nil to count every row
    ///     (PyTorch always has one; its default is `defaultIgnoreIndex`).
    ///   - batch: Rows of `logits`.
    ///   - classes: Logits per row (`num_labels`).
    /// - Returns: `−Σ w[label]·log p[label] / Σ w[label]` over the counted rows, summed in
    ///   Double; nan when that divisor is 0 (every row ignored, an empty batch, or counted
    ///   targets of weight 0 only), as PyTorch.
    /// - Complexity: O(batch·classes).
    public static func forward(
        probabilities: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>,
        labels: UnsafePointer<Int32>, classWeights: UnsafePointer<Float>?,
        ignoreIndex: Int32? = defaultIgnoreIndex, batch: Int, classes: Int
    ) -> Float {
        let totalWeight = countedWeight(
            labels: labels, classWeights: classWeights, ignoreIndex: ignoreIndex, batch: batch,
            classes: classes)
        var total = 0.0
        for row in 0..<batch {
            let x = logits + row * classes
            let p = probabilities + row * classes
            var maximum = -Float.infinity
            for j in 0..<classes { maximum = max(maximum, x[j]) }
            var sum: Float = 0
            for j in 0..<classes { sum += _exp(x[j] - maximum) }
            let logSum = _log(sum)
            for j in 0..<classes { p[j] = _exp((x[j] - maximum) - logSum) }
            let label = labels[row]
            guard label != ignoreIndex else { continue }
            let logProbability = (x[Int(label)] - maximum) - logSum
            // nll_loss multiplies in the input's precision before it accumulates.
            if let w = classWeights {
                total -= Double(logProbability * w[Int(label)])
            } else {
                total -= Double(logProbability)
            }
        }
        return Float(total / totalWeight)
    }

    /// Backward of the unweighted `forward`; OVERWRITES `dLogits` (the loss is where the
    /// backward pass starts).
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
        backward(
            dLogits: dLogits, probabilities: probabilities, labels: labels, classWeights: nil,
            ignoreIndex: nil, batch: batch, classes: classes, dLoss: dLoss)
    }

    /// Backward of the weighted `forward`; OVERWRITES `dLogits` (the loss is where the
    /// backward pass starts).
    ///
    /// In the order of PyTorch's CPU `nll_loss_backward` then `log_softmax_backward`: with
    /// `s = −(dLoss / Σ w[label])` over the counted rows and `g = w[label]·s` (`g = s` without
    /// weights), `dLogits[j] = [j == label]·g − probabilities[j]·g`; ignored rows get 0.
    /// - Parameters:
    ///   - dLogits: `[batch, classes]`, overwritten.
    ///   - probabilities: `[batch, classes]`, saved by `forward`.
    ///   - labels: `[batch]`, as given to `forward`.
    ///   - classWeights: `[classes]`, as given to `forward`, or nil.
    ///   - ignoreIndex: As given to `forward`.
    ///   - batch: Rows of `logits`.
    ///   - classes: Logits per row (`num_labels`).
    ///   - dLoss: The gradient of the final objective with respect to the mean loss (1, or a
    ///     scale for gradient accumulation).
    /// - Complexity: O(batch·classes).
    public static func backward(
        dLogits: UnsafeMutablePointer<Float>, probabilities: UnsafePointer<Float>,
        labels: UnsafePointer<Int32>, classWeights: UnsafePointer<Float>?,
        ignoreIndex: Int32? = defaultIgnoreIndex, batch: Int, classes: Int, dLoss: Float = 1
    ) {
        let totalWeight = countedWeight(
            labels: labels, classWeights: classWeights, ignoreIndex: ignoreIndex, batch: batch,
            classes: classes)
        let s = -(dLoss / Float(totalWeight))
        for row in 0..<batch {
            let label = labels[row]
            let d = dLogits + row * classes
            guard label != ignoreIndex else {
                for j in 0..<classes { d[j] = 0 }
                continue
            }
            let target = Int(label)
            let g = classWeights.map { $0[target] * s } ?? s
            let p = probabilities + row * classes
            for j in 0..<classes { d[j] = (j == target ? g : 0) - p[j] * g }
        }
    }

    /// `Σ w[label]` over the rows not ignored (their count without weights), in Double; checks
    /// every label. Forward and backward both call it, so they divide by the same number.
    private static func countedWeight(
        labels: UnsafePointer<Int32>, classWeights: UnsafePointer<Float>?, ignoreIndex: Int32?,
        batch: Int, classes: Int
    ) -> Double {
        precondition(batch >= 0 && classes > 0, "CrossEntropy: batch \(batch) classes \(classes)")
        var total = 0.0
        for row in 0..<batch {
            let label = labels[row]
            if label == ignoreIndex { continue }
            precondition(label >= 0 && label < classes, "CrossEntropy: label \(label) at \(row)")
            total += classWeights.map { Double($0[Int(label)]) } ?? 1
        }
        return total
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

    /// Reference weighted forward in Double, for tests: `F.cross_entropy(…, weight=,
    /// ignore_index=)` written out (nan when nothing is counted).
    public static func referenceForward(
        logits: [Double], labels: [Int32], classWeights: [Double]?, ignoreIndex: Int32?,
        classes: Int
    ) -> Double {
        let probabilities = referenceForward(
            logits: logits, labels: labels.map { $0 == ignoreIndex ? 0 : $0 }, classes: classes
        ).probabilities
        var total = 0.0
        var totalWeight = 0.0
        for (row, label) in labels.enumerated() where label != ignoreIndex {
            let w = classWeights?[Int(label)] ?? 1
            total -= w * _log(probabilities[row * classes + Int(label)])
            totalWeight += w
        }
        return total / totalWeight
    }

    /// Reference weighted backward in Double, for tests:
    /// `w[label]·(softmax − onehot)/Σ w[label]`, 0 on ignored rows.
    public static func referenceBackward(
        logits: [Double], labels: [Int32], classWeights: [Double]?, ignoreIndex: Int32?,
        classes: Int
    ) -> [Double] {
        var gradient = referenceForward(
            logits: logits, labels: labels.map { $0 == ignoreIndex ? 0 : $0 }, classes: classes
        ).probabilities
        var totalWeight = 0.0
        for label in labels where label != ignoreIndex {
            totalWeight += classWeights?[Int(label)] ?? 1
        }
        for (row, label) in labels.enumerated() {
            let range = (row * classes)..<((row + 1) * classes)
            guard label != ignoreIndex else {
                for i in range { gradient[i] = 0 }
                continue
            }
            gradient[row * classes + Int(label)] -= 1
            let w = classWeights?[Int(label)] ?? 1
            for i in range { gradient[i] *= w / totalWeight }
        }
        return gradient
    }
}
