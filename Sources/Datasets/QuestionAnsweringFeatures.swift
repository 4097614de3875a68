// swift-bert — Datasets: SQuAD examples tokenized into windows with answer positions.

import BERT
import Tokenization

/// Question-answering examples tokenized into windows ("features") as transformers'
/// `run_qa.py` does: `prepare_train_features` for the answer positions and
/// `prepare_validation_features` for the context offsets and the example of each window.
///
/// Each question loses its leading whitespace (`q.lstrip()`, Python's notion of whitespace:
/// ``pythonLeftStripped(_:)``) and is encoded with its context by
/// ``Tokenization/BertTokenizer/encode(question:context:maxLength:stride:)``
/// (`truncation="only_second"`, overflow with `doc_stride`), one feature per window, in
/// example order.
///
/// **Labels** (`prepare_train_features`): the first answer's character span
/// `answer_start ..< answer_start + len(text)` is looked up in the window's offsets. A window
/// whose context part does not hold the whole span, and every window of a question without
/// answers, points both positions at `[CLS]` (index 0). Otherwise the start is the last
/// context token starting at or before the answer's start and the end the first token from
/// the right ending at or after the answer's end, exactly by run_qa's loops — including their
/// edge case: an answer starting in a window's last context token gets the final `[SEP]` as
/// start, because `[SEP]`'s offset `(0, 0)` passes the loop's test. Where run_qa's loops
/// would run off the window (a window without context tokens; an empty answer at offset 0)
/// and raise an `IndexError`, the window gets `[CLS]` or stops at its edge instead.
/// Validation sets get the same labels from their first answer (run_qa computes none; they
/// give a validation loss).
///
/// **Offsets** (`prepare_validation_features`): each token's span in the context for
/// context tokens, nil for the question and special tokens, kept when asked for.
public struct QuestionAnsweringFeatures: Sendable, Equatable {
    /// The windows' token ids and types; their `labels` are the windows' example indices
    /// (``example(of:)``).
    public private(set) var encoded = EncodedExamples()
    /// Per window: the answer's first token (0, `[CLS]`, when the window holds no answer).
    public private(set) var startPositions: [Int32] = []
    /// Per window: the answer's last token (0, `[CLS]`, when the window holds no answer).
    public private(set) var endPositions: [Int32] = []
    /// Per token, parallel to `encoded.inputIDs`: the start of its span in the context, -1
    /// for question and special tokens; empty when offsets were not kept.
    public private(set) var offsetStarts: [Int32] = []
    /// Per token: the end of its span in the context (exclusive), -1 where the start is.
    public private(set) var offsetEnds: [Int32] = []

    /// The number of windows (features).
    public var count: Int { encoded.count }

    /// The example (index into the array given at creation) window `feature` comes from:
    /// run_qa's `overflow_to_sample_mapping` / `example_id`.
    public func example(of feature: Int) -> Int { Int(encoded.labels[feature]) }

    /// Window `feature`'s token spans in its example's context, nil outside the context, as
    /// `prepare_validation_features` leaves `offset_mapping`; empty when offsets were not kept.
    public func contextOffsets(of feature: Int) -> [Range<Int>?] {
        guard !offsetStarts.isEmpty else { return [] }
        let tokens = encoded.offsets[feature]..<encoded.offsets[feature + 1]
        return tokens.map {
            offsetStarts[$0] < 0 ? nil : Int(offsetStarts[$0])..<Int(offsetEnds[$0])
        }
    }

    /// An empty set.
    public init() {}

    /// Tokenizes `examples` into windows with answer positions (and context offsets).
    /// - Parameters:
    ///   - examples: The questions with their contexts and answers.
    ///   - tokenizer: The model's tokenizer.
    ///   - maxLength: Tokens per window, special tokens included (`max_seq_length`, 384).
    ///   - stride: Context tokens shared by consecutive windows (`doc_stride`, 128).
    ///   - keepingOffsets: Whether to keep each token's context span, which predictions
    ///     need to become text (validation); a training set can drop them.
    /// - Throws: ``DatasetError/invalidExample(id:reason:)`` naming the example, when the
    ///   tokenizer refuses it (a question that leaves no room for the context, a stride the
    ///   window cannot hold).
    /// - Complexity: O(tokens of all windows).
    public init(
        examples: [QuestionAnsweringExample], tokenizer: BertTokenizer, maxLength: Int = 384,
        stride: Int = 128, keepingOffsets: Bool = true
    ) throws {
        for (index, example) in examples.enumerated() {
            let windows: [Encoding]
            do {
                windows = try tokenizer.encode(
                    question: Self.pythonLeftStripped(example.question), context: example.context,
                    maxLength: maxLength, stride: stride)
            } catch let error as TokenizerError {
                throw DatasetError.invalidExample(id: example.id, reason: error.description)
            }
            for window in windows {
                let sequenceIDs = window.sequenceIDs
                encoded.append(
                    inputIDs: window.inputIDs, tokenTypeIDs: window.tokenTypeIDs,
                    label: Int32(index))
                let classifier =
                    window.inputIDs.firstIndex(of: tokenizer.specialTokens.classifier) ?? 0
                let positions = example.answers.first.flatMap {
                    Self.answerPositions($0.span, offsets: window.offsets, sequenceIDs: sequenceIDs)
                }
                startPositions.append(Int32(positions?.start ?? classifier))
                endPositions.append(Int32(positions?.end ?? classifier))
                if keepingOffsets {
                    for (offset, sequence) in zip(window.offsets, sequenceIDs) {
                        let inContext = sequence == 1
                        offsetStarts.append(inContext ? Int32(offset.lowerBound) : -1)
                        offsetEnds.append(inContext ? Int32(offset.upperBound) : -1)
                    }
                }
            }
        }
    }

    /// The answer's token positions in one window, or nil when the window's context part
    /// does not hold the whole answer: `prepare_train_features`' loops, stopped at the
    /// window's edges.
    static func answerPositions(
        _ answer: Range<Int>, offsets: [Range<Int>], sequenceIDs: [Int?]
    ) -> (start: Int, end: Int)? {
        let startChar = answer.lowerBound
        let endChar = answer.upperBound
        guard let contextStart = sequenceIDs.firstIndex(of: 1),
            let contextEnd = sequenceIDs.lastIndex(of: 1)
        else { return nil }
        guard offsets[contextStart].lowerBound <= startChar,
            offsets[contextEnd].upperBound >= endChar
        else { return nil }
        var start = contextStart
        while start < offsets.count && offsets[start].lowerBound <= startChar { start += 1 }
        var end = contextEnd
        while end >= 0 && offsets[end].upperBound >= endChar { end -= 1 }
        return (start - 1, end + 1)
    }

    /// `text` without its leading whitespace, as Python's `str.lstrip()`: the scalars whose
    /// general category is Zs or whose bidirectional class is WS, B or S — Unicode's
    /// White_Space property plus U+001C…U+001F.
    public static func pythonLeftStripped(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isPythonWhitespace }) else { return "" }
        return String(scalars[first...])
    }
}

extension PackedBatch {
    /// Replaces the batch's contents with the windows at `indices` of `features`, reusing
    /// the existing storage; `labels` become two per window, `[start0, end0, start1, end1,
    /// …]`, positions within each window (transformers' `start_positions` and
    /// `end_positions`, interleaved). Concrete index types, as for ``EncodedExamples``: an
    /// unspecialized generic fill allocates per index.
    public mutating func fill(from features: QuestionAnsweringFeatures, indices: ArraySlice<Int>) {
        fill(from: features.encoded, indices: indices)
        replaceLabels(withPositionsOf: features, indices: indices)
    }

    /// `fill` for an array of windows (see the `ArraySlice` overload).
    public mutating func fill(from features: QuestionAnsweringFeatures, indices: [Int]) {
        fill(from: features.encoded, indices: indices)
        replaceLabels(withPositionsOf: features, indices: indices)
    }

    /// `fill` for a range of windows (see the `ArraySlice` overload).
    public mutating func fill(from features: QuestionAnsweringFeatures, indices: Range<Int>) {
        fill(from: features.encoded, indices: indices)
        replaceLabels(withPositionsOf: features, indices: indices)
    }

    /// The windows' answer positions in place of the example indices the fill left.
    @inline(__always)
    private mutating func replaceLabels(
        withPositionsOf features: QuestionAnsweringFeatures, indices: some Collection<Int>
    ) {
        labels.removeAll(keepingCapacity: true)
        for index in indices {
            labels.append(features.startPositions[index])
            labels.append(features.endPositions[index])
        }
    }
}
