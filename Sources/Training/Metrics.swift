// swift-bert — training.

/// Classification metrics over whole sets of predictions, as scikit-learn computes them.
public enum Metrics {
    /// The fraction of predictions equal to their label (`sklearn.metrics.accuracy_score`);
    /// 0 for no examples.
    public static func accuracy(predictions: [Int], labels: [Int]) -> Double {
        precondition(predictions.count == labels.count, "accuracy: counts differ")
        guard !labels.isEmpty else { return 0 }
        let correct = zip(predictions, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(correct) / Double(labels.count)
    }

    /// The confusion matrix `C[label][prediction]` (`sklearn.metrics.confusion_matrix`, rows
    /// are true labels), over `classes` classes.
    /// - Precondition: Every label and prediction is in `0..<classes`.
    public static func confusionMatrix(predictions: [Int], labels: [Int], classes: Int)
        -> [[Int]]
    {
        precondition(predictions.count == labels.count, "confusionMatrix: counts differ")
        var matrix = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (prediction, label) in zip(predictions, labels) {
            precondition(
                (0..<classes).contains(prediction) && (0..<classes).contains(label),
                "confusionMatrix: class out of 0..<\(classes)")
            matrix[label][prediction] += 1
        }
        return matrix
    }

    /// The Matthews correlation coefficient, as `sklearn.metrics.matthews_corrcoef`.
    ///
    /// Uses scikit-learn's multi-class form (Gorodkin's R_K), which reduces to
    /// `(tp·tn − fp·fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn))` for two classes:
    /// with `t_k` the true count and `p_k` the predicted count of class k, `c` the correct
    /// count and `s` the total,
    /// `(c·s − Σ p_k·t_k) / sqrt((s² − Σ p_k²)·(s² − Σ t_k²))`, and 0 when the denominator
    /// is 0 (a constant prediction or a constant label), as scikit-learn returns.
    public static func matthewsCorrelation(confusion: [[Int]]) -> Double {
        let classes = confusion.count
        var trueCounts = Array(repeating: 0.0, count: classes)
        var predictedCounts = Array(repeating: 0.0, count: classes)
        var correct = 0.0
        var total = 0.0
        for label in 0..<classes {
            for prediction in 0..<classes {
                let n = Double(confusion[label][prediction])
                trueCounts[label] += n
                predictedCounts[prediction] += n
                total += n
                if label == prediction { correct += n }
            }
        }
        let covariancePredictionTrue =
            correct * total - zip(predictedCounts, trueCounts).reduce(0) { $0 + $1.0 * $1.1 }
        let covariancePrediction =
            total * total - predictedCounts.reduce(0) { $0 + $1 * $1 }
        let covarianceTrue = total * total - trueCounts.reduce(0) { $0 + $1 * $1 }
        let denominator = covariancePrediction * covarianceTrue
        guard denominator != 0 else { return 0 }
        return covariancePredictionTrue / denominator.squareRoot()
    }

    /// The Matthews correlation coefficient of `predictions` against `labels`; classes are
    /// `0..<max+1` of both (unused classes change nothing).
    public static func matthewsCorrelation(predictions: [Int], labels: [Int]) -> Double {
        let classes = (predictions + labels).max().map { $0 + 1 } ?? 0
        return matthewsCorrelation(
            confusion: confusionMatrix(predictions: predictions, labels: labels, classes: classes))
    }
}
