// swift-bert — training: answers from start/end logits, as run_qa.py's evaluation does.

import Foundation

/// One feature (a window of question and context) of an example, with the model's logits.
public struct SquadFeature: Sendable {
    /// The example (question) the feature belongs to: an index into the contexts.
    public var exampleIndex: Int
    /// The start logit of every token of the feature (`[tokens]`).
    public var startLogits: [Float]
    /// The end logit of every token (`[tokens]`).
    public var endLogits: [Float]
    /// Each token's span in Unicode code points of the example's context, or nil for a
    /// token outside the context (question, special and padding tokens), as run_qa's
    /// `prepare_validation_features` leaves `offset_mapping`. May be shorter than the logits
    /// (tokens past its end are never answers).
    public var offsets: [Range<Int>?]

    /// Creates a feature.
    public init(
        exampleIndex: Int, startLogits: [Float], endLogits: [Float], offsets: [Range<Int>?]
    ) {
        self.exampleIndex = exampleIndex
        self.startLogits = startLogits
        self.endLogits = endLogits
        self.offsets = offsets
    }
}

/// The options of `postprocess_qa_predictions`, with its defaults.
public struct SquadPostprocessingOptions: Equatable, Sendable {
    /// `version_2_with_negative`: the null answer (the first token) competes (SQuAD v2.0).
    public var versionTwoWithNegative: Bool
    /// `n_best_size`: how many start and end positions to pair, and answers to keep.
    public var nBestSize: Int
    /// `max_answer_length`, in tokens.
    public var maxAnswerLength: Int
    /// `null_score_diff_threshold`: the null answer wins when its score exceeds the best
    /// answer's by more than this.
    public var nullScoreDifferenceThreshold: Float

    /// Creates options; the defaults are run_qa.py's.
    public init(
        versionTwoWithNegative: Bool = false, nBestSize: Int = 20, maxAnswerLength: Int = 30,
        nullScoreDifferenceThreshold: Float = 0
    ) {
        self.versionTwoWithNegative = versionTwoWithNegative
        self.nBestSize = nBestSize
        self.maxAnswerLength = maxAnswerLength
        self.nullScoreDifferenceThreshold = nullScoreDifferenceThreshold
    }
}

/// One entry of an example's n-best list (`nbest_predictions.json`).
public struct SquadCandidate: Equatable, Sendable {
    /// The context's text over the span (`""` for the null answer, `"empty"` for the
    /// fallback when there is no candidate).
    public var text: String
    /// The span in code points of the context (`0..<0` for the null answer), nil for the
    /// `"empty"` fallback.
    public var offsets: Range<Int>?
    /// The start logit of the span's first token.
    public var startLogit: Float
    /// The end logit of the span's last token.
    public var endLogit: Float
    /// `start_logit + end_logit` (in float32, as NumPy adds them).
    public var score: Float
    /// The softmax of the scores over the n-best list.
    public var probability: Double

    /// Creates a candidate.
    public init(
        text: String, offsets: Range<Int>?, startLogit: Float, endLogit: Float, score: Float,
        probability: Double
    ) {
        self.text = text
        self.offsets = offsets
        self.startLogit = startLogit
        self.endLogit = endLogit
        self.score = score
        self.probability = probability
    }
}

/// An example's predicted answer with its n-best list.
public struct SquadPrediction: Equatable, Sendable {
    /// The prediction (`predictions.json`): the best answer's text, or `""` when v2.0's null
    /// answer wins.
    public var text: String
    /// The n-best list, best first (the null answer appended last in v2.0 when it fell out).
    public var nBest: [SquadCandidate]
    /// v2.0: the null score minus the best non-empty answer's start and end logits
    /// (`null_odds.json`); nil in v1.1 mode.
    public var scoreDifference: Float?

    /// Creates a prediction.
    public init(text: String, nBest: [SquadCandidate], scoreDifference: Float?) {
        self.text = text
        self.nBest = nBest
        self.scoreDifference = scoreDifference
    }

    /// Whether v2.0's null answer won over the best span.
    public var predictsNoAnswer: Bool { scoreDifference != nil && text.isEmpty }
}

/// Turns start/end logits into answer texts, as transformers'
/// `examples/pytorch/question-answering/utils_qa.py` `postprocess_qa_predictions`.
public enum SquadPostprocessing {
    /// Every example's prediction (`postprocess_qa_predictions`).
    ///
    /// Per example, over its features in order: the null score of a feature is its first
    /// token's start plus end logit, and the example keeps the feature with the smallest.
    /// Each feature pairs its `nBestSize` largest start logits with its `nBestSize` largest end
    /// logits (NumPy's `argsort`, largest first; equal logits: the later token first),
    /// keeping pairs whose tokens both have offsets, with `start ≤ end` and at most
    /// `maxAnswerLength` tokens; a pair's score is the sum of the two logits. The candidates
    /// are sorted by score (stable: equal scores keep that order) and cut to `nBestSize`; in
    /// v2.0 the null answer (the minimum) joins them first and is appended again if it fell out. With no
    /// candidate (or only the null one) the list starts with `"empty"` of score 0. Then the
    /// softmax of the scores gives probabilities (in float32 as NumPy computes it, or float64
    /// with the fallback, whose Python-float score makes NumPy's array float64). v1.1 predicts the first candidate's text; v2.0 takes the first candidate with
    /// non-empty text and predicts `""` when `null score − its start logit − its end logit`
    /// exceeds the threshold. Differences from the script, where it fails: an example without
    /// features gets the `"empty"` fallback alone (and no score difference in v2.0); where
    /// every candidate's text is empty, v2.0 predicts `""` with no score difference (the
    /// script raises IndexError). Logits must be finite.
    /// - Parameters:
    ///   - contexts: The context of each example.
    ///   - features: The features of all examples with their logits, in any order
    ///     (features of one example are taken in the order given).
    ///   - options: run_qa's post-processing options.
    /// - Returns: One prediction per context.
    /// - Precondition: Every feature's `exampleIndex` is in `contexts.indices` and its start
    ///   and end logits have the same, non-zero count.
    public static func predictions(
        contexts: [String], features: [SquadFeature],
        options: SquadPostprocessingOptions = SquadPostprocessingOptions()
    ) -> [SquadPrediction] {
        var featuresOfExample = Array(repeating: [Int](), count: contexts.count)
        for (index, feature) in features.enumerated() {
            precondition(
                contexts.indices.contains(feature.exampleIndex),
                "SquadPostprocessing: feature \(index) names example \(feature.exampleIndex)")
            precondition(
                feature.startLogits.count == feature.endLogits.count
                    && !feature.startLogits.isEmpty,
                "SquadPostprocessing: feature \(index) needs equal, non-empty logits")
            featuresOfExample[feature.exampleIndex].append(index)
        }
        return contexts.indices.map { example in
            prediction(
                context: contexts[example],
                features: featuresOfExample[example].map { features[$0] },
                options: options)
        }
    }

    private struct Span {
        var offsets: Range<Int>
        var startLogit: Float
        var endLogit: Float
        var score: Float
    }

    private static func prediction(
        context: String, features: [SquadFeature], options: SquadPostprocessingOptions
    ) -> SquadPrediction {
        let scalars = Array(context.unicodeScalars)
        var null: Span?
        var spans: [Span] = []
        for feature in features {
            let nullScore = feature.startLogits[0] + feature.endLogits[0]
            if null.map({ $0.score > nullScore }) ?? true {
                null = Span(
                    offsets: 0..<0, startLogit: feature.startLogits[0],
                    endLogit: feature.endLogits[0], score: nullScore)
            }
            let starts = largest(feature.startLogits, count: options.nBestSize)
            let ends = largest(feature.endLogits, count: options.nBestSize)
            for start in starts {
                for end in ends {
                    guard start < feature.offsets.count, end < feature.offsets.count,
                        let first = feature.offsets[start], let last = feature.offsets[end],
                        start <= end, end - start + 1 <= options.maxAnswerLength
                    else { continue }
                    let startLogit = feature.startLogits[start]
                    let endLogit = feature.endLogits[end]
                    spans.append(
                        Span(
                            offsets: first.lowerBound..<max(first.lowerBound, last.upperBound),
                            startLogit: startLogit, endLogit: endLogit,
                            score: startLogit + endLogit))
                }
            }
        }
        let withNull = options.versionTwoWithNegative ? null : nil
        if let withNull { spans.append(withNull) }
        // Python's `sorted(..., reverse=True)` is stable.
        var kept = spans.enumerated().sorted {
            $0.element.score != $1.element.score
                ? $0.element.score > $1.element.score : $0.offset < $1.offset
        }.prefix(max(options.nBestSize, 0)).map(\.element)
        if let withNull, !kept.contains(where: { $0.offsets == 0..<0 }) { kept.append(withNull) }

        var candidates = kept.map {
            SquadCandidate(
                text: PythonText.slice(scalars, $0.offsets.lowerBound, $0.offsets.upperBound),
                offsets: $0.offsets, startLogit: $0.startLogit, endLogit: $0.endLogit,
                score: $0.score, probability: 0)
        }
        let probabilities: [Double]
        if candidates.isEmpty || (candidates.count == 1 && candidates[0].text.isEmpty) {
            candidates.insert(
                SquadCandidate(
                    text: "empty", offsets: nil, startLogit: 0, endLogit: 0, score: 0,
                    probability: 0), at: 0)
            // The fallback's score is a Python float: NumPy's array of scores is float64.
            probabilities = softmax(candidates.map { Double($0.score) })
        } else {
            probabilities = softmax(candidates.map(\.score)).map(Double.init)
        }
        for index in candidates.indices { candidates[index].probability = probabilities[index] }

        guard options.versionTwoWithNegative, let null = withNull else {
            return SquadPrediction(
                text: candidates[0].text, nBest: candidates, scoreDifference: nil)
        }
        guard let best = candidates.first(where: { !$0.text.isEmpty }) else {
            return SquadPrediction(text: "", nBest: candidates, scoreDifference: nil)
        }
        let difference = null.score - best.startLogit - best.endLogit
        return SquadPrediction(
            text: difference > options.nullScoreDifferenceThreshold ? "" : best.text,
            nBest: candidates, scoreDifference: difference)
    }

    /// `exp_scores = np.exp(scores - np.max(scores)); exp_scores / exp_scores.sum()`, in the
    /// scores' own precision (NumPy sums pairwise and has its own vectorised `exp`: results
    /// agree to a few float32 ulps, not bit for bit).
    static func softmax(_ scores: [Float]) -> [Float] {
        guard let maximum = scores.max() else { return [] }
        let exponentials = scores.map { Foundation.exp($0 - maximum) }
        var sum: Float = 0
        for value in exponentials { sum += value }
        return exponentials.map { $0 / sum }
    }

    /// The same in double precision.
    static func softmax(_ scores: [Double]) -> [Double] {
        guard let maximum = scores.max() else { return [] }
        let exponentials = scores.map { Foundation.exp($0 - maximum) }
        var sum = 0.0
        for value in exponentials { sum += value }
        return exponentials.map { $0 / sum }
    }

    /// `np.argsort(values)[-1 : -count - 1 : -1]`: the indices of the `count` largest
    /// values, largest first; among equal values the later index first (the reverse of a
    /// stable ascending sort).
    static func largest(_ values: [Float], count: Int) -> [Int] {
        let order = values.indices.sorted {
            values[$0] != values[$1] ? values[$0] > values[$1] : $0 > $1
        }
        return Array(order.prefix(max(count, 0)))
    }
}
