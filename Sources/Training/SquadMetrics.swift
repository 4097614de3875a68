// swift-bert — training: SQuAD exact match and F1, as the official evaluation scripts.

/// Exact match and F1 over a set of questions, in percent, with the number of questions.
public struct SquadScores: Equatable, Sendable {
    /// The mean exact match × 100 (v1.1's `exact_match`, v2.0's `exact`).
    public var exact: Double
    /// The mean F1 × 100.
    public var f1: Double
    /// The number of questions.
    public var total: Int

    /// Creates scores.
    public init(exact: Double, f1: Double, total: Int) {
        self.exact = exact
        self.f1 = f1
        self.total = total
    }
}

/// SQuAD's answer metrics, as the official `evaluate-v1.1.py` and `evaluate-v2.0.py`.
///
/// Both normalise an answer the same way (``normalizeAnswer(_:)``) and score a prediction
/// by its best gold answer. v1.1 scores every question against its gold answers; v2.0 drops
/// gold answers that normalise to nothing, treats a question left without any as
/// unanswerable (its only gold answer is `""`), gives F1 1 when both sides are empty, and
/// reports answerable (`HasAns`) and unanswerable (`NoAns`) questions apart (see
/// ``version2(predictions:answers:noAnswerProbabilities:noAnswerThreshold:)``).
public enum SquadMetrics {
    /// `normalize_answer`: lower-case (Python's `str.lower`), remove ASCII punctuation
    /// (`string.punctuation` only: `“`, `—` or `。` stay), remove the words `a`, `an` and
    /// `the` (`re.sub(r"\b(a|an|the)\b", " ", …)` with Unicode word boundaries), and join
    /// the remaining whitespace-separated tokens (Python's `str.split`) with single spaces.
    public static func normalizeAnswer(_ text: String) -> String {
        let tokens = normalizedTokens(text)
        var scalars: [Unicode.Scalar] = []
        for (index, token) in tokens.enumerated() {
            if index > 0 { scalars.append(" ") }
            scalars.append(contentsOf: token)
        }
        return String(String.UnicodeScalarView(scalars))
    }

    /// The normalised answer's tokens (v2.0's `get_tokens`, v1.1's
    /// `normalize_answer(s).split()`).
    public static func tokens(_ text: String) -> [String] {
        normalizedTokens(text).map { String(String.UnicodeScalarView($0)) }
    }

    /// v1.1's `exact_match_score`: the normalised strings are equal (code point by code
    /// point, as Python compares them).
    public static func exactMatch(prediction: String, answer: String) -> Bool {
        normalizedTokens(prediction) == normalizedTokens(answer)
    }

    /// v1.1's `f1_score`: the harmonic mean of token precision and recall, with tokens
    /// counted as a multiset (`Counter` intersection); 0 when no token is shared, so two
    /// empty answers score 0.
    public static func f1(prediction: String, answer: String) -> Double {
        let predicted = normalizedTokens(prediction)
        let gold = normalizedTokens(answer)
        let same = sharedTokenCount(predicted, gold)
        guard same > 0 else { return 0 }
        return harmonicMean(same: same, predicted: predicted.count, gold: gold.count)
    }

    /// v1.1's `metric_max_over_ground_truths(exact_match_score, …)`: whether the prediction
    /// matches any gold answer; false when there are none (where the script's `max` fails).
    public static func exactMatch(prediction: String, answers: [String]) -> Bool {
        answers.contains { exactMatch(prediction: prediction, answer: $0) }
    }

    /// v1.1's `metric_max_over_ground_truths(f1_score, …)`: the best F1 over the gold
    /// answers; 0 when there are none (where the script's `max` fails).
    public static func f1(prediction: String, answers: [String]) -> Double {
        answers.map { f1(prediction: prediction, answer: $0) }.max() ?? 0
    }

    /// v1.1's `evaluate`: exact match and F1 in percent, summed in question order.
    ///
    /// Every question has a prediction here (the script skips, with a message, a question
    /// without one but still counts it in the total: pass `""` for the same result, as no
    /// prediction scores 0). No questions give 0 (the script divides by zero).
    /// - Parameters:
    ///   - predictions: One predicted answer text per question.
    ///   - answers: The gold answer texts of each question.
    /// - Precondition: `predictions` and `answers` have the same count.
    public static func version1(predictions: [String], answers: [[String]]) -> SquadScores {
        precondition(predictions.count == answers.count, "SquadMetrics: counts differ")
        var exact = 0
        var f1Sum = 0.0
        for (prediction, gold) in zip(predictions, answers) {
            if exactMatch(prediction: prediction, answers: gold) { exact += 1 }
            f1Sum += f1(prediction: prediction, answers: gold)
        }
        let total = predictions.count
        guard total > 0 else { return SquadScores(exact: 0, f1: 0, total: 0) }
        return SquadScores(
            exact: 100.0 * Double(exact) / Double(total), f1: 100.0 * f1Sum / Double(total),
            total: total)
    }

    // MARK: - Shared by v1.1 and v2.0

    /// ASCII `string.punctuation`.
    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    private static let articles: [[Unicode.Scalar]] = [["a"], ["a", "n"], ["t", "h", "e"]]

    /// `normalize_answer(s).split()`, as scalar arrays (compared by code point).
    static func normalizedTokens(_ text: String) -> [[Unicode.Scalar]] {
        let kept = PythonText.lower(Array(text.unicodeScalars)).filter { !isPunctuation($0) }
        // `\b(a|an|the)\b` matches exactly a maximal run of word characters that is one of
        // the articles; `re.sub` puts a space in its place.
        var spaced: [Unicode.Scalar] = []
        spaced.reserveCapacity(kept.count)
        var index = 0
        while index < kept.count {
            guard PythonText.isWordCharacter(kept[index]) else {
                spaced.append(kept[index])
                index += 1
                continue
            }
            var end = index
            while end < kept.count, PythonText.isWordCharacter(kept[end]) { end += 1 }
            let word = Array(kept[index..<end])
            if articles.contains(word) {
                spaced.append(" ")
            } else {
                spaced.append(contentsOf: word)
            }
            index = end
        }
        return PythonText.split(spaced)
    }

    /// `sum((Counter(a) & Counter(b)).values())`.
    static func sharedTokenCount(_ a: [[Unicode.Scalar]], _ b: [[Unicode.Scalar]]) -> Int {
        var counts: [[UInt32]: Int] = [:]
        for token in a { counts[token.map(\.value), default: 0] += 1 }
        var same = 0
        for token in b {
            let key = token.map(\.value)
            if let count = counts[key], count > 0 {
                counts[key] = count - 1
                same += 1
            }
        }
        return same
    }

    /// `(2 * precision * recall) / (precision + recall)`, in the scripts' order of operations.
    static func harmonicMean(same: Int, predicted: Int, gold: Int) -> Double {
        let precision = 1.0 * Double(same) / Double(predicted)
        let recall = 1.0 * Double(same) / Double(gold)
        return (2 * precision * recall) / (precision + recall)
    }
}
