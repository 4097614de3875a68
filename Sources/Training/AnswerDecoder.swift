// swift-bert — training: answer spans from start/end logits, as transformers' QA pipeline.

import Foundation

/// One window of a question and its context, as the question-answering pipeline tokenizes
/// it (`tokenizer(question, context, truncation="only_second", max_length=…, stride=…,
/// return_overflowing_tokens=True, return_offsets_mapping=True)`, unpadded), with the
/// model's logits for it.
public struct AnswerWindow: Sendable {
    /// The token ids (only compared with the CLS id: CLS tokens stay in the softmax).
    public var tokenIDs: [Int]
    /// Each token's sequence: 0 for the question, 1 for the context, nil for special tokens
    /// (`Encoding.sequence_ids`).
    public var sequenceIDs: [Int?]
    /// Each token's word index within its sequence, nil for special tokens
    /// (`Encoding.word_ids`).
    public var wordIDs: [Int?]
    /// Each token's span in code points of its own sequence's text (`offset_mapping`;
    /// `0..<0` for special tokens).
    public var offsets: [Range<Int>]
    /// The start logit of every token (`[tokens]`).
    public var startLogits: [Float]
    /// The end logit of every token (`[tokens]`).
    public var endLogits: [Float]

    /// Creates a window.
    public init(
        tokenIDs: [Int], sequenceIDs: [Int?], wordIDs: [Int?], offsets: [Range<Int>],
        startLogits: [Float], endLogits: [Float]
    ) {
        self.tokenIDs = tokenIDs
        self.sequenceIDs = sequenceIDs
        self.wordIDs = wordIDs
        self.offsets = offsets
        self.startLogits = startLogits
        self.endLogits = endLogits
    }
}

/// The question-answering pipeline's `postprocess` parameters, with its defaults.
public struct AnswerDecodingOptions: Equatable, Sendable {
    /// `top_k`: how many answers to return.
    public var topK: Int
    /// `max_answer_len`, in tokens.
    public var maxAnswerLength: Int
    /// `handle_impossible_answer`: whether the empty answer competes.
    public var handleImpossibleAnswer: Bool
    /// `align_to_words`: widen a span to whole words of the context.
    public var alignToWords: Bool

    /// Creates options; the defaults are the pipeline's.
    public init(
        topK: Int = 1, maxAnswerLength: Int = 15, handleImpossibleAnswer: Bool = false,
        alignToWords: Bool = true
    ) {
        self.topK = topK
        self.maxAnswerLength = maxAnswerLength
        self.handleImpossibleAnswer = handleImpossibleAnswer
        self.alignToWords = alignToWords
    }
}

/// An answer as the pipeline returns it.
public struct ExtractedAnswer: Equatable, Sendable {
    /// The probability of the span (start × end probability), summed over spans that give
    /// the same text up to case.
    public var score: Double
    /// The first code point of the answer in the context.
    public var start: Int
    /// The code point after the answer's last.
    public var end: Int
    /// `context[start:end]` (`""` for the impossible answer).
    public var answer: String

    /// Creates an answer.
    public init(score: Double, start: Int, end: Int, answer: String) {
        self.score = score
        self.start = start
        self.end = end
        self.answer = answer
    }
}

/// The pipeline's windowing of long contexts: `max_seq_len` and `doc_stride`.
public struct AnswerWindowing: Equatable, Sendable {
    /// `max_seq_len`: tokens per window, question and special tokens included.
    public var maxSequenceLength: Int
    /// `doc_stride`: context tokens shared by consecutive windows (the tokenizer's `stride`).
    public var documentStride: Int

    /// The pipeline's `preprocess` defaults: `max_seq_len = min(model_max_length, 384)`,
    /// `doc_stride = min(max_seq_len // 2, 128)`.
    /// - Throws: `TrainingError.invalidOption` when the stride exceeds the window, as the
    ///   pipeline raises.
    public init(
        modelMaxLength: Int, maxSequenceLength: Int? = nil, documentStride: Int? = nil
    ) throws {
        let length = maxSequenceLength ?? min(modelMaxLength, 384)
        let stride = documentStride ?? min(length / 2, 128)
        guard length > 0 else {
            throw TrainingError.invalidOption(
                name: "max_seq_len", value: "\(length)", expected: "at least 1")
        }
        guard stride >= 0, stride <= length else {
            throw TrainingError.invalidOption(
                name: "doc_stride", value: "\(stride)", expected: "0...\(length) (max_seq_len)")
        }
        self.maxSequenceLength = length
        self.documentStride = stride
    }
}

/// Answer spans from start/end logits, as transformers' `QuestionAnsweringPipeline`
/// (`select_starts_ends`, `decode_spans` and `postprocess`, transformers 4.57, fast
/// tokenizer, padding on the right).
public enum AnswerDecoder {
    /// The best answers to a question in `context`, over all its windows.
    ///
    /// Per window: tokens outside the context (other than CLS tokens) get logit −10000, then
    /// start and end logits each go through a softmax over the window. With
    /// `handleImpossibleAnswer`, the first token's start × end probability is the window's
    /// null score (the smallest over windows is kept). The first token's probabilities are
    /// then set to 0 and every span `start ≤ end < start + maxAnswerLength` scores the
    /// product of its start and end probabilities; the `topK * 2 + 10` best spans (`topK` when
    /// not aligning to words) become answers: with `alignToWords`, from the first character
    /// of the start token's word to the last of the end token's word (`token_to_word`,
    /// `word_to_chars(…, sequence_index=1)`, within the window; a token without a word keeps
    /// its own offsets), otherwise the tokens' own offsets. An answer whose text equals an
    /// earlier one's up to case (Python's `str.lower`) adds its score to that one, which
    /// keeps its span. Last, the null answer (`""` at 0..<0) joins when asked for, and the
    /// `topK` highest scores are returned (stable for equal scores).
    ///
    /// Probabilities are computed in double precision (the pipeline uses float32), so scores
    /// agree to about 1e-6 relative. Only spans of non-zero probability are returned: where a
    /// window has fewer than `topK * 2 + 10` of them, the pipeline fills its list with
    /// zero-probability spans in NumPy's `argpartition` order, and can return those when
    /// `topK` exceeds what is left; equal probabilities rank by start, then end token.
    /// - Parameters:
    ///   - context: The context the windows' sequence-1 offsets refer to.
    ///   - windows: Its windows in order, each with its logits.
    ///   - clsTokenID: The tokenizer's `cls_token_id` (tokens with that id stay in the
    ///     softmax); nil when it has none.
    ///   - options: The pipeline's post-processing parameters.
    /// - Returns: Up to `topK` answers, best first.
    /// - Precondition: Every window's arrays have one entry per token, and `topK` and
    ///   `maxAnswerLength` are at least 1.
    public static func answers(
        context: String, windows: [AnswerWindow], clsTokenID: Int?,
        options: AnswerDecodingOptions = AnswerDecodingOptions()
    ) -> [ExtractedAnswer] {
        precondition(options.topK >= 1 && options.maxAnswerLength >= 1, "AnswerDecoder: options")
        let scalars = Array(context.unicodeScalars)
        var minimumNullScore = 1_000_000.0
        var answers: [ExtractedAnswer] = []
        var lowered: [[Unicode.Scalar]] = []
        let candidatesPerWindow = options.alignToWords ? options.topK * 2 + 10 : options.topK
        for window in windows {
            let count = window.tokenIDs.count
            precondition(
                window.sequenceIDs.count == count && window.wordIDs.count == count
                    && window.offsets.count == count && window.startLogits.count == count
                    && window.endLogits.count == count,
                "AnswerDecoder: a window's arrays differ in length")
            guard count > 0 else { continue }
            let allowed = (0..<count).map {
                window.sequenceIDs[$0] == 1
                    || (clsTokenID != nil && window.tokenIDs[$0] == clsTokenID)
            }
            var start = softmax(window.startLogits, allowed: allowed)
            var end = softmax(window.endLogits, allowed: allowed)
            if options.handleImpossibleAnswer {
                minimumNullScore = min(minimumNullScore, start[0] * end[0])
            }
            start[0] = 0
            end[0] = 0
            let spans = bestSpans(
                start: start, end: end, maxLength: options.maxAnswerLength,
                count: candidatesPerWindow)
            for span in spans {
                let (from, to) = characters(
                    of: span.start, span.end, in: window, alignToWords: options.alignToWords)
                let text = Array(scalars[clamped: from, to])
                let key = PythonText.lower(text)
                if let existing = lowered.firstIndex(of: key) {
                    answers[existing].score += span.score
                } else {
                    answers.append(
                        ExtractedAnswer(
                            score: span.score, start: from, end: to,
                            answer: String(String.UnicodeScalarView(text))))
                    lowered.append(key)
                }
            }
        }
        if options.handleImpossibleAnswer {
            answers.append(ExtractedAnswer(score: minimumNullScore, start: 0, end: 0, answer: ""))
        }
        let ranked = answers.enumerated().sorted {
            $0.element.score != $1.element.score
                ? $0.element.score > $1.element.score : $0.offset < $1.offset
        }
        return ranked.prefix(options.topK).map(\.element)
    }

    /// `select_starts_ends`' normalisation: masked logits set to −10000, then
    /// `exp(x − max) / sum`.
    static func softmax(_ logits: [Float], allowed: [Bool]) -> [Double] {
        let masked = logits.indices.map { allowed[$0] ? Double(logits[$0]) : -10000.0 }
        let maximum = masked.max() ?? 0
        let exponentials = masked.map { exp($0 - maximum) }
        let sum = exponentials.reduce(0, +)
        return exponentials.map { $0 / sum }
    }

    /// `decode_spans`: the `count` spans of highest non-zero `start[s] · end[e]` with
    /// `s ≤ e < s + maxLength`, best first (ties: smaller start, then smaller end, NumPy's
    /// row-major order).
    static func bestSpans(start: [Double], end: [Double], maxLength: Int, count: Int) -> [(
        start: Int, end: Int, score: Double
    )] {
        var spans: [(start: Int, end: Int, score: Double)] = []
        for s in start.indices where start[s] > 0 {
            for e in s..<min(s + maxLength, end.count) {
                let score = start[s] * end[e]
                if score > 0 { spans.append((s, e, score)) }
            }
        }
        // Row-major order already holds for ties; a stable sort keeps it.
        let ranked = spans.enumerated().sorted {
            $0.element.score != $1.element.score
                ? $0.element.score > $1.element.score : $0.offset < $1.offset
        }
        return ranked.prefix(count).map(\.element)
    }

    /// `get_indices`: the answer's characters in the context.
    private static func characters(
        of start: Int, _ end: Int, in window: AnswerWindow, alignToWords: Bool
    ) -> (Int, Int) {
        if alignToWords, let startWord = wordSpan(of: window.wordIDs[start], in: window),
            let endWord = wordSpan(of: window.wordIDs[end], in: window)
        {
            return (startWord.lowerBound, endWord.upperBound)
        }
        return (window.offsets[start].lowerBound, window.offsets[end].upperBound)
    }

    /// `word_to_chars(word, sequence_index=1)`: from the first to the last context token of
    /// the word in this window; nil for no word (where the pipeline's lookup raises and it
    /// falls back to token offsets).
    private static func wordSpan(of word: Int?, in window: AnswerWindow) -> Range<Int>? {
        guard let word else { return nil }
        var first: Int?
        var last = 0
        for index in window.wordIDs.indices
        where window.sequenceIDs[index] == 1 && window.wordIDs[index] == word {
            if first == nil { first = index }
            last = index
        }
        guard let first else { return nil }
        let lower = window.offsets[first].lowerBound
        return lower..<max(lower, window.offsets[last].upperBound)
    }
}

extension Array where Element == Unicode.Scalar {
    /// `self[from:to]` with Python's clamping.
    fileprivate subscript(clamped from: Int, to: Int) -> ArraySlice<Unicode.Scalar> {
        let lower = Swift.min(Swift.max(from, 0), count)
        return self[lower..<Swift.min(Swift.max(to, lower), count)]
    }
}
