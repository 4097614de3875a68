// swift-bert — training: SQuAD v2.0's metrics, with unanswerable questions.

/// What `evaluate-v2.0.py` reports for a set of questions.
public struct SquadVersion2Result: Equatable, Sendable {
    /// `exact`, `f1` and `total` over every question (after the no-answer threshold).
    public var overall: SquadScores
    /// `HasAns_exact`, `HasAns_f1`, `HasAns_total`: questions with at least one gold answer
    /// (before normalisation); nil when there are none, as the script leaves them out.
    public var hasAnswer: SquadScores?
    /// `NoAns_*`: questions without gold answers; nil when there are none.
    public var noAnswer: SquadScores?
    /// `best_exact`, `best_exact_thresh`, `best_f1`, `best_f1_thresh`: present when no-answer
    /// probabilities were given (the script's `--na-prob-file`).
    public var best: SquadBestThresholds?
    /// Each question's exact match (0 or 1) before the threshold (`get_raw_scores`).
    public var exactScores: [Double]
    /// Each question's F1 before the threshold.
    public var f1Scores: [Double]

    /// Creates a result.
    public init(
        overall: SquadScores, hasAnswer: SquadScores?, noAnswer: SquadScores?,
        best: SquadBestThresholds?, exactScores: [Double], f1Scores: [Double]
    ) {
        self.overall = overall
        self.hasAnswer = hasAnswer
        self.noAnswer = noAnswer
        self.best = best
        self.exactScores = exactScores
        self.f1Scores = f1Scores
    }
}

/// The best scores reachable by thresholding the no-answer probability (`find_best_thresh`).
public struct SquadBestThresholds: Equatable, Sendable {
    /// `best_exact`, in percent.
    public var exact: Double
    /// `best_exact_thresh`: the probability above which predicting "no answer" gives it.
    public var exactThreshold: Double
    /// `best_f1`, in percent.
    public var f1: Double
    /// `best_f1_thresh`.
    public var f1Threshold: Double

    /// Creates thresholds.
    public init(exact: Double, exactThreshold: Double, f1: Double, f1Threshold: Double) {
        self.exact = exact
        self.exactThreshold = exactThreshold
        self.f1 = f1
        self.f1Threshold = f1Threshold
    }
}

extension SquadMetrics {
    /// v2.0's `compute_exact`: 1 when the normalised strings are equal.
    public static func computeExact(answer: String, prediction: String) -> Double {
        normalizedTokens(answer) == normalizedTokens(prediction) ? 1 : 0
    }

    /// v2.0's `compute_f1`: token F1, except that when either side has no tokens it is 1 if
    /// both have none and 0 otherwise.
    public static func computeF1(answer: String, prediction: String) -> Double {
        let gold = normalizedTokens(answer)
        let predicted = normalizedTokens(prediction)
        if gold.isEmpty || predicted.isEmpty { return gold.isEmpty && predicted.isEmpty ? 1 : 0 }
        let same = sharedTokenCount(gold, predicted)
        guard same > 0 else { return 0 }
        return harmonicMean(same: same, predicted: predicted.count, gold: gold.count)
    }

    /// One question's v2.0 scores (`get_raw_scores`): the best `compute_exact` and
    /// `compute_f1` over the gold answers that normalise to something, or against `""` when
    /// none does.
    public static func version2Scores(prediction: String, answers: [String]) -> (
        exact: Double, f1: Double
    ) {
        var gold = answers.filter { !normalizedTokens($0).isEmpty }
        if gold.isEmpty { gold = [""] }
        let exact = gold.map { computeExact(answer: $0, prediction: prediction) }.max() ?? 0
        let f1 = gold.map { computeF1(answer: $0, prediction: prediction) }.max() ?? 0
        return (exact, f1)
    }

    /// `evaluate-v2.0.py`'s report for a set of questions, in question order.
    ///
    /// A question is answerable when its gold list is non-empty (`bool(answers)`), even if
    /// every gold answer normalises to nothing. With `noAnswerProbabilities`, a question
    /// whose probability exceeds `noAnswerThreshold` scores 1 if unanswerable and 0
    /// otherwise (`apply_no_ans_threshold`), and `best` is filled by `find_best_thresh`: the
    /// questions in increasing probability (ties in question order, as Python's stable sort
    /// over the na_prob file), each answerable one adding its raw score and each
    /// unanswerable one with a non-empty prediction subtracting 1, from the count of
    /// unanswerable questions. Without them every probability is 0, as in the script. The
    /// precision–recall curves of `--out-image-dir` are not computed. No questions give
    /// zeros (the script divides by zero).
    /// - Parameters:
    ///   - predictions: One predicted text per question (`""` for "no answer").
    ///   - answers: The gold texts of each question (empty for an unanswerable one).
    ///   - noAnswerProbabilities: Per question, the model's probability of "no answer"
    ///     (the script's `--na-prob-file`).
    ///   - noAnswerThreshold: `--na-prob-thresh` (default 1.0).
    /// - Precondition: The arrays have the same count.
    public static func version2(
        predictions: [String], answers: [[String]], noAnswerProbabilities: [Double]? = nil,
        noAnswerThreshold: Double = 1.0
    ) -> SquadVersion2Result {
        precondition(predictions.count == answers.count, "SquadMetrics: counts differ")
        precondition(
            noAnswerProbabilities.map { $0.count == predictions.count } ?? true,
            "SquadMetrics: one no-answer probability per question")
        let count = predictions.count
        let hasAnswer = answers.map { !$0.isEmpty }
        var exactRaw: [Double] = []
        var f1Raw: [Double] = []
        for (prediction, gold) in zip(predictions, answers) {
            let scores = version2Scores(prediction: prediction, answers: gold)
            exactRaw.append(scores.exact)
            f1Raw.append(scores.f1)
        }
        let probabilities = noAnswerProbabilities ?? Array(repeating: 0, count: count)
        func thresholded(_ raw: [Double]) -> [Double] {
            raw.indices.map {
                probabilities[$0] > noAnswerThreshold ? (hasAnswer[$0] ? 0 : 1) : raw[$0]
            }
        }
        let exact = thresholded(exactRaw)
        let f1 = thresholded(f1Raw)
        func scores(_ subset: [Int]) -> SquadScores {
            guard !subset.isEmpty else { return SquadScores(exact: 0, f1: 0, total: 0) }
            let total = Double(subset.count)
            return SquadScores(
                exact: 100.0 * subset.reduce(0) { $0 + exact[$1] } / total,
                f1: 100.0 * subset.reduce(0) { $0 + f1[$1] } / total, total: subset.count)
        }
        let answerable = (0..<count).filter { hasAnswer[$0] }
        let unanswerable = (0..<count).filter { !hasAnswer[$0] }
        var best: SquadBestThresholds?
        if noAnswerProbabilities != nil {
            let exactBest = bestThreshold(
                exactRaw, predictions: predictions, probabilities: probabilities,
                hasAnswer: hasAnswer)
            let f1Best = bestThreshold(
                f1Raw, predictions: predictions, probabilities: probabilities,
                hasAnswer: hasAnswer)
            best = SquadBestThresholds(
                exact: exactBest.score, exactThreshold: exactBest.threshold, f1: f1Best.score,
                f1Threshold: f1Best.threshold)
        }
        return SquadVersion2Result(
            overall: scores(Array(0..<count)),
            hasAnswer: answerable.isEmpty ? nil : scores(answerable),
            noAnswer: unanswerable.isEmpty ? nil : scores(unanswerable), best: best,
            exactScores: exactRaw, f1Scores: f1Raw)
    }

    /// `find_best_thresh`.
    private static func bestThreshold(
        _ raw: [Double], predictions: [String], probabilities: [Double], hasAnswer: [Bool]
    ) -> (score: Double, threshold: Double) {
        guard !raw.isEmpty else { return (0, 0) }
        // `sorted(na_probs, key=...)`: stable, so ties keep question order.
        let order = raw.indices.sorted {
            probabilities[$0] != probabilities[$1] ? probabilities[$0] < probabilities[$1] : $0 < $1
        }
        var current = Double(hasAnswer.filter { !$0 }.count)
        var bestScore = current
        var threshold = 0.0
        for index in order {
            let difference: Double
            if hasAnswer[index] {
                difference = raw[index]
            } else {
                difference = predictions[index].isEmpty ? 0 : -1
            }
            current += difference
            if current > bestScore {
                bestScore = current
                threshold = probabilities[index]
            }
        }
        return (100.0 * bestScore / Double(raw.count), threshold)
    }
}
