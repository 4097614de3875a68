// swift-bert — training: metrics for multi-label classification (0/1 indicator matrices).

/// F1 and subset accuracy over indicator matrices (`[examples][labels]`, `true` where an
/// example has that label), as scikit-learn computes them.
///
/// Zero divisions give 0, as scikit-learn's default `zero_division="warn"` (without the
/// warning).
public enum MultiLabelMetrics {
    /// F1 over all labels' counts pooled (`sklearn.metrics.f1_score(average="micro")`):
    /// `2·tp / (2·tp + fp + fn)`, 0 when there is no true and no predicted label.
    /// - Precondition: `predictions` and `labels` have the same shape.
    public static func microF1(predictions: [[Bool]], labels: [[Bool]]) -> Double {
        let counts = labelCounts(predictions, labels)
        return f1(
            truePositives: counts.reduce(0) { $0 + $1.truePositives },
            predicted: counts.reduce(0) { $0 + $1.predicted },
            actual: counts.reduce(0) { $0 + $1.actual })
    }

    /// The mean of each label's F1 (`sklearn.metrics.f1_score(average="macro")`); a label
    /// that no example has and none is predicted counts as 0. NaN for no labels.
    /// - Precondition: As ``microF1(predictions:labels:)``.
    public static func macroF1(predictions: [[Bool]], labels: [[Bool]]) -> Double {
        let scores = labelCounts(predictions, labels).map {
            f1(truePositives: $0.truePositives, predicted: $0.predicted, actual: $0.actual)
        }
        return scores.reduce(0, +) / Double(scores.count)
    }

    /// The fraction of examples whose predicted label set equals the true one
    /// (`sklearn.metrics.accuracy_score` on indicator matrices); 0 for no examples.
    /// - Precondition: As ``microF1(predictions:labels:)``.
    public static func subsetAccuracy(predictions: [[Bool]], labels: [[Bool]]) -> Double {
        checkShapes(predictions, labels)
        guard !labels.isEmpty else { return 0 }
        let exact = zip(predictions, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(exact) / Double(labels.count)
    }

    /// sklearn's `fbeta = (1 + β²)·tp / (β²·(tp + fn) + (tp + fp))` with β = 1, 0 when the
    /// denominator is 0.
    private static func f1(truePositives: Int, predicted: Int, actual: Int) -> Double {
        let denominator = Double(actual) + Double(predicted)
        return denominator == 0 ? 0 : 2 * Double(truePositives) / denominator
    }

    /// Per label (column): true positives, predicted count and true count
    /// (`multilabel_confusion_matrix`).
    private static func labelCounts(_ predictions: [[Bool]], _ labels: [[Bool]])
        -> [(truePositives: Int, predicted: Int, actual: Int)]
    {
        checkShapes(predictions, labels)
        let width = labels.first?.count ?? 0
        var counts = Array(repeating: (truePositives: 0, predicted: 0, actual: 0), count: width)
        for (predicted, expected) in zip(predictions, labels) {
            for column in 0..<width {
                if predicted[column] { counts[column].predicted += 1 }
                if expected[column] { counts[column].actual += 1 }
                if predicted[column] && expected[column] { counts[column].truePositives += 1 }
            }
        }
        return counts
    }

    private static func checkShapes(_ predictions: [[Bool]], _ labels: [[Bool]]) {
        let width = labels.first?.count ?? 0
        precondition(
            predictions.count == labels.count
                && (predictions + labels).allSatisfy { $0.count == width },
            "MultiLabelMetrics: predictions and labels must be matrices of one shape")
    }
}
