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

    /// The unweighted mean of the per-class F1 scores, as
    /// `sklearn.metrics.f1_score(average="macro")`.
    ///
    /// A class's F1 is `2·tp / (2·tp + fp + fn)` (0 when it has no true positive); as in
    /// scikit-learn, only classes that occur among the labels or the predictions are
    /// averaged (a row and column of zeros is left out), and the result is 0 with no
    /// examples.
    public static func macroF1(confusion: [[Int]]) -> Double {
        let classes = confusion.count
        var sum = 0.0
        var present = 0
        for k in 0..<classes {
            let truePositives = Double(confusion[k][k])
            var falseNegatives = 0.0
            var falsePositives = 0.0
            for other in 0..<classes where other != k {
                falseNegatives += Double(confusion[k][other])
                falsePositives += Double(confusion[other][k])
            }
            let denominator = 2 * truePositives + falsePositives + falseNegatives
            guard denominator > 0 else { continue }
            present += 1
            sum += 2 * truePositives / denominator
        }
        return present > 0 ? sum / Double(present) : 0
    }

    /// Macro-averaged F1 of `predictions` against `labels`
    /// (``macroF1(confusion:)``); classes are `0..<max+1` of both.
    public static func macroF1(predictions: [Int], labels: [Int]) -> Double {
        let classes = (predictions + labels).max().map { $0 + 1 } ?? 0
        return macroF1(
            confusion: confusionMatrix(predictions: predictions, labels: labels, classes: classes))
    }

    /// The Matthews correlation coefficient of `predictions` against `labels`; classes are
    /// `0..<max+1` of both (unused classes change nothing).
    public static func matthewsCorrelation(predictions: [Int], labels: [Int]) -> Double {
        let classes = (predictions + labels).max().map { $0 + 1 } ?? 0
        return matthewsCorrelation(
            confusion: confusionMatrix(predictions: predictions, labels: labels, classes: classes))
    }
}
