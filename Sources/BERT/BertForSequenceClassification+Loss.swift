// swift-bert — the BERT model.

import Kernels

extension BertForSequenceClassification {
    /// The loss transformers picks for this model: the configuration's `problem_type`, else
    /// regression when `num_labels == 1` and single-label classification otherwise (integer
    /// labels).
    public var effectiveProblemType: BertConfiguration.ProblemType {
        configuration.problemType
            ?? (configuration.numLabels == 1 ? .regression : .singleLabelClassification)
    }

    /// The mean cross-entropy of the logits in `activations` against `labels`, as the `loss`
    /// transformers' `BertForSequenceClassification.forward(labels=…)` returns for
    /// single-label classification (`CrossEntropyLoss()`, mean over the batch).
    ///
    /// Saves the softmax in `activations.probabilities` for
    /// ``lossGradient(labels:activations:dLogits:dLoss:)``.
    /// - Parameters:
    ///   - labels: `[batch]` class ids, each in `0..<num_labels`.
    ///   - activations: Filled by the forward pass on the batch.
    /// - Returns: The loss (0 for an empty batch).
    /// - Precondition: ``effectiveProblemType`` is single-label classification; regression
    ///   takes float targets (``loss(targets:activations:)``).
    ///   - classWeights: `[num_labels]` class weights, as `CrossEntropyLoss(weight=…)` (the
    ///     weighted mean: Σ w[y]·loss / Σ w[y]), or nil for none.
    public func loss(
        labels: [Int32], activations a: Activations, classWeights: UnsafePointer<Float>? = nil
    ) -> Float {
        precondition(
            effectiveProblemType == .singleLabelClassification,
            "loss(labels:): the model's problem type is \(effectiveProblemType.rawValue)")
        precondition(labels.count <= a.batchCapacity, "loss: more labels than logits")
        return labels.withUnsafeBufferPointer { labels in
            guard let base = labels.baseAddress else { return 0 }
            guard let classWeights else {
                return CrossEntropy.forward(
                    probabilities: a.probabilities.pointer, logits: a.logits.pointer, labels: base,
                    batch: labels.count, classes: configuration.numLabels)
            }
            return CrossEntropy.forward(
                probabilities: a.probabilities.pointer, logits: a.logits.pointer, labels: base,
                classWeights: classWeights, ignoreIndex: nil, batch: labels.count,
                classes: configuration.numLabels)
        }
    }

    /// Writes d loss / d logits of ``loss(labels:activations:)`` (call it first): the
    /// gradient PyTorch's `cross_entropy` backward starts from, `(softmax − onehot)/batch`.
    /// - Parameters:
    ///   - labels: As passed to ``loss(labels:activations:)``.
    ///   - activations: As passed to ``loss(labels:activations:)``.
    ///   - dLogits: `[batch, num_labels]`, OVERWRITTEN (``Gradients/dLogits`` after
    ///     ``Gradients/reserve(for:)`` is sized for it).
    ///   - dLoss: The gradient of the objective with respect to the loss: 1, or a scale for
    ///     gradient accumulation.
    ///   - classWeights: As passed to ``loss(labels:activations:classWeights:)``.
    public func lossGradient(
        labels: [Int32], activations a: Activations, dLogits: UnsafeMutablePointer<Float>,
        dLoss: Float = 1, classWeights: UnsafePointer<Float>? = nil
    ) {
        labels.withUnsafeBufferPointer { labels in
            guard let base = labels.baseAddress else { return }
            guard let classWeights else {
                CrossEntropy.backward(
                    dLogits: dLogits, probabilities: a.probabilities.pointer, labels: base,
                    batch: labels.count, classes: configuration.numLabels, dLoss: dLoss)
                return
            }
            CrossEntropy.backward(
                dLogits: dLogits, probabilities: a.probabilities.pointer, labels: base,
                classWeights: classWeights, ignoreIndex: nil, batch: labels.count,
                classes: configuration.numLabels, dLoss: dLoss)
        }
    }

    /// The loss of the logits in `activations` against float `targets`, as transformers
    /// computes it for the two problem types with float labels: `regression`, the mean
    /// squared error (`MSELoss()` on `logits.squeeze()`; with `num_labels == 1` one target per
    /// sequence), and `multi_label_classification`, `BCEWithLogitsLoss()` (the mean over every
    /// sequence and label of the multi-hot targets).
    /// - Parameters:
    ///   - targets: `[batch·num_labels]` float labels.
    ///   - activations: Filled by the forward pass on the batch.
    /// - Returns: The loss (0 for an empty batch).
    /// - Precondition: ``effectiveProblemType`` is regression or multi-label classification.
    public func loss(targets: [Float], activations a: Activations) -> Float {
        precondition(
            effectiveProblemType != .singleLabelClassification,
            "loss(targets:): the model's problem type is \(effectiveProblemType.rawValue)")
        precondition(
            targets.count <= a.batchCapacity * configuration.numLabels,
            "loss: more targets than logits")
        let multiLabel = effectiveProblemType == .multiLabelClassification
        return targets.withUnsafeBufferPointer { targets in
            guard let base = targets.baseAddress else { return 0 }
            return multiLabel
                ? BinaryCrossEntropyWithLogits.forward(
                    logits: a.logits.pointer, targets: base, count: targets.count)
                : MeanSquaredError.forward(
                    logits: a.logits.pointer, targets: base, count: targets.count)
        }
    }

    /// Writes d loss / d logits of ``loss(targets:activations:)``: `2·(logits − targets)/count`
    /// as PyTorch's `mse_loss` backward, or `(sigmoid(logits) − targets)/count` as
    /// `binary_cross_entropy_with_logits`' backward.
    /// - Parameters:
    ///   - targets: As passed to ``loss(targets:activations:)``.
    ///   - activations: As passed to ``loss(targets:activations:)``.
    ///   - dLogits: `[batch, num_labels]`, OVERWRITTEN.
    ///   - dLoss: The gradient of the objective with respect to the loss.
    public func lossGradient(
        targets: [Float], activations a: Activations, dLogits: UnsafeMutablePointer<Float>,
        dLoss: Float = 1
    ) {
        let multiLabel = effectiveProblemType == .multiLabelClassification
        targets.withUnsafeBufferPointer { targets in
            guard let base = targets.baseAddress else { return }
            if multiLabel {
                BinaryCrossEntropyWithLogits.backward(
                    dLogits: dLogits, logits: a.logits.pointer, targets: base,
                    count: targets.count, dLoss: dLoss)
            } else {
                MeanSquaredError.backward(
                    dLogits: dLogits, logits: a.logits.pointer, targets: base,
                    count: targets.count, dLoss: dLoss)
            }
        }
    }
}
