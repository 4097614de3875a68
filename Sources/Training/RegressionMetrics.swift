// swift-bert — training: metrics for regression (STS-B style) predictions.

/// Mean squared error and the Pearson and Spearman correlations, as scikit-learn and SciPy
/// compute them.
public enum RegressionMetrics {
    /// The mean of the squared differences (`sklearn.metrics.mean_squared_error`); NaN for
    /// no values.
    /// - Precondition: `predictions` and `labels` have the same length.
    public static func meanSquaredError(predictions: [Double], labels: [Double]) -> Double {
        precondition(predictions.count == labels.count, "meanSquaredError: lengths differ")
        let sum = zip(predictions, labels).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return sum / Double(labels.count)
    }

    /// Pearson's correlation coefficient (`scipy.stats.pearsonr(x, y).statistic`).
    ///
    /// Follows SciPy's steps: center, scale each by its largest magnitude before taking the
    /// norm, take the dot product of the normalized vectors, clip to [-1, 1], and round it to
    /// ±1 for two values. NaN when either input is constant (SciPy warns) or holds a NaN, and
    /// for fewer than two values (where SciPy raises).
    /// - Precondition: `x` and `y` have the same length.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "pearson: lengths differ")
        guard x.count >= 2, !isConstant(x), !isConstant(y) else { return .nan }
        guard !x.contains(where: \.isNaN), !y.contains(where: \.isNaN) else { return .nan }
        let xm = normalizedDeviations(x)
        let ym = normalizedDeviations(y)
        var r = zip(xm, ym).reduce(0.0) { $0 + $1.0 * $1.1 }
        r = min(max(r, -1), 1)
        if x.count == 2, !r.isNaN { r = r.rounded() }
        return r
    }

    /// Spearman's rank correlation (`scipy.stats.spearmanr(x, y).statistic`): Pearson's
    /// coefficient of the ranks, ties given their average rank (`rankdata(method="average")`).
    ///
    /// NaN for fewer than two values, a constant input or any NaN, as SciPy's default
    /// `nan_policy="propagate"` returns.
    /// - Precondition: `x` and `y` have the same length.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "spearman: lengths differ")
        guard x.count >= 2, !isConstant(x), !isConstant(y) else { return .nan }
        guard !x.contains(where: \.isNaN), !y.contains(where: \.isNaN) else { return .nan }
        // np.corrcoef: covariance over the product of standard deviations, clipped.
        let rx = averageRanks(x)
        let ry = averageRanks(y)
        let mx = rx.reduce(0, +) / Double(rx.count)
        let my = ry.reduce(0, +) / Double(ry.count)
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for (a, b) in zip(rx, ry) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return min(max(sxy / sxx.squareRoot() / syy.squareRoot(), -1), 1)
    }

    /// 1-based ranks with ties given the mean of their positions
    /// (`scipy.stats.rankdata(values, method="average")`).
    /// - Precondition: No value is NaN.
    public static func averageRanks(_ values: [Double]) -> [Double] {
        precondition(!values.contains(where: \.isNaN), "averageRanks: NaN has no rank")
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = Array(repeating: 0.0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, values[order[end]] == values[order[start]] { end += 1 }
            // Positions start..<end hold one value: their ranks are start+1 ... end.
            let rank = Double(start + 1 + end) / 2
            for position in start..<end { ranks[order[position]] = rank }
            start = end
        }
        return ranks
    }

    /// SciPy's constant test: every value equals the first (so a NaN makes it non-constant).
    private static func isConstant(_ values: [Double]) -> Bool {
        values.allSatisfy { $0 == values[0] }
    }

    /// `(v - mean) / norm(v - mean)`, the norm scaled by the largest deviation first
    /// (as `pearsonr`, to avoid overflow).
    private static func normalizedDeviations(_ values: [Double]) -> [Double] {
        let mean = values.reduce(0, +) / Double(values.count)
        let deviations = values.map { $0 - mean }
        let largest = deviations.reduce(0.0) { max($0, abs($1)) }
        let norm = largest * deviations.reduce(0.0) { $0 + ($1 / largest) * ($1 / largest) }
            .squareRoot()
        return deviations.map { $0 / norm }
    }
}
