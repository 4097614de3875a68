// swift-bert — training: entity-level precision, recall and F1 for NER, as seqeval computes them.

/// A chunk of a tag sequence: its type and its first and last token (both inclusive, as
/// seqeval's `(type, start, end)` tuples).
public struct EntitySpan: Hashable, Sendable {
    /// The entity type (`PER`; `_` for a bare `B`/`I` tag, as seqeval names it).
    public var type: String
    /// The index of the first token.
    public var start: Int
    /// The index of the last token (inclusive).
    public var end: Int

    /// Creates a span.
    public init(type: String, start: Int, end: Int) {
        self.type = type
        self.start = start
        self.end = end
    }
}

/// Precision, recall, F1 and support of one entity type or one average.
public struct EntityScores: Equatable, Sendable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// The number of true entities counted.
    public var support: Int

    /// Creates scores.
    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.support = support
    }
}

/// seqeval's `classification_report`: one row per entity type, then three averages.
public struct EntityReport: Sendable {
    /// The entity types of the true and predicted chunks, in Python's sorted order.
    public var types: [String]
    /// The scores of each type, in the order of ``types``.
    public var perType: [EntityScores]
    /// Counts summed over all types (`micro avg`).
    public var microAverage: EntityScores
    /// The unweighted mean of the types' scores (`macro avg`).
    public var macroAverage: EntityScores
    /// The types' scores weighted by their support (`weighted avg`).
    public var weightedAverage: EntityScores
}

/// Entity-level metrics for sequence labeling, as seqeval 1.2.2 computes them in its default
/// mode (`mode=None`, the conlleval-compatible one, `suffix=False`).
///
/// That mode has no tagging scheme: the same chunking rules read IOB2, IOB1 and IOBES tags
/// (a leading `I-` without `B-` starts a chunk; a change of type ends one). Zero divisions
/// give 0, as seqeval's default `zero_division="warn"` does (without the warning).
/// seqeval raises for an empty tag and for an empty evaluation's accuracy; here an empty tag
/// reads as `O` and the accuracy of no tokens is 0, as ``Metrics/accuracy(predictions:labels:)``.
/// Types and tags are compared with Swift's `==`, so two that differ only in Unicode
/// normalization are one here and two in Python.
public enum EntityMetrics {
    /// The chunks of one tag sequence (`seqeval.metrics.sequence_labeling.get_entities`).
    ///
    /// Each tag's first character is its prefix (`B`, `I`, `E`, `S`, `O`, or anything else)
    /// and the text after the first `-` that follows it is its type (all of it when there is
    /// no `-`; `_` when empty), so `PER` reads as prefix `P`, type `ER`, exactly as seqeval.
    /// - Complexity: O(*n*) in the number of tags.
    public static func entities(in tags: [String]) -> [EntitySpan] {
        var chunks: [EntitySpan] = []
        // seqeval starts with prev_tag = 'O', prev_type = '' (a type no tag has).
        var previous = ParsedTag(prefix: "O", type: "")
        var begin = 0
        for index in 0...tags.count {
            let current = index < tags.count ? ParsedTag(tags[index]) : ParsedTag("O")
            if endsChunk(previous, current) {
                chunks.append(EntitySpan(type: previous.type, start: begin, end: index - 1))
            }
            if startsChunk(previous, current) { begin = index }
            previous = current
        }
        return chunks
    }

    /// The chunks of a list of sentences, with offsets into the sentences laid end to end
    /// with one `O` after each (seqeval's `get_entities` on nested lists), so no chunk
    /// crosses a sentence end.
    public static func entities(inSentences sentences: [[String]]) -> [EntitySpan] {
        entities(in: sentences.flatMap { $0 + ["O"] })
    }

    /// Micro-averaged entity precision (`seqeval.metrics.precision_score`).
    /// - Precondition: `predictions` and `labels` have the same sentence lengths.
    public static func precision(predictions: [[String]], labels: [[String]]) -> Double {
        classificationReport(predictions: predictions, labels: labels).microAverage.precision
    }

    /// Micro-averaged entity recall (`seqeval.metrics.recall_score`).
    /// - Precondition: As ``precision(predictions:labels:)``.
    public static func recall(predictions: [[String]], labels: [[String]]) -> Double {
        classificationReport(predictions: predictions, labels: labels).microAverage.recall
    }

    /// Micro-averaged entity F1 (`seqeval.metrics.f1_score`), the figure `run_ner.py` reports
    /// as `overall_f1`.
    /// - Precondition: As ``precision(predictions:labels:)``.
    public static func f1(predictions: [[String]], labels: [[String]]) -> Double {
        classificationReport(predictions: predictions, labels: labels).microAverage.f1
    }

    /// The fraction of tokens whose tag is right (`seqeval.metrics.accuracy_score`); 0 for
    /// no tokens.
    /// - Precondition: As ``precision(predictions:labels:)``.
    public static func accuracy(predictions: [[String]], labels: [[String]]) -> Double {
        checkShapes(predictions, labels)
        var correct = 0
        var total = 0
        for (predicted, expected) in zip(predictions, labels) {
            for (p, t) in zip(predicted, expected) where p == t { correct += 1 }
            total += expected.count
        }
        return total == 0 ? 0 : Double(correct) / Double(total)
    }

    /// Per-type scores and their micro, macro and weighted averages
    /// (`seqeval.metrics.classification_report(output_dict=True)`).
    ///
    /// The macro average of no types is NaN, as NumPy's mean of an empty array; the
    /// weighted average with no true entities is all 0, as seqeval returns.
    /// - Precondition: As ``precision(predictions:labels:)``.
    public static func classificationReport(predictions: [[String]], labels: [[String]])
        -> EntityReport
    {
        checkShapes(predictions, labels)
        var trueSpans: [String: Set<EntitySpan>] = [:]
        var predictedSpans: [String: Set<EntitySpan>] = [:]
        for span in entities(inSentences: labels) { trueSpans[span.type, default: []].insert(span) }
        for span in entities(inSentences: predictions) {
            predictedSpans[span.type, default: []].insert(span)
        }
        let types = Set(trueSpans.keys).union(predictedSpans.keys).sorted(by: codePointOrder)
        var counts: [(truePositives: Int, predicted: Int, actual: Int)] = []
        for type in types {
            let actual = trueSpans[type] ?? []
            let predicted = predictedSpans[type] ?? []
            counts.append((actual.intersection(predicted).count, predicted.count, actual.count))
        }
        let perType = counts.map { scores($0.truePositives, $0.predicted, $0.actual) }
        let micro = scores(
            counts.reduce(0) { $0 + $1.truePositives }, counts.reduce(0) { $0 + $1.predicted },
            counts.reduce(0) { $0 + $1.actual })
        let support = micro.support
        let n = Double(perType.count)
        let macro = EntityScores(
            precision: perType.reduce(0) { $0 + $1.precision } / n,
            recall: perType.reduce(0) { $0 + $1.recall } / n,
            f1: perType.reduce(0) { $0 + $1.f1 } / n, support: support)
        let weighted: EntityScores
        if support == 0 {
            weighted = EntityScores(precision: 0, recall: 0, f1: 0, support: 0)
        } else {
            let total = Double(support)
            func average(_ value: (EntityScores) -> Double) -> Double {
                perType.reduce(0) { $0 + value($1) * Double($1.support) } / total
            }
            weighted = EntityScores(
                precision: average(\.precision), recall: average(\.recall),
                f1: average(\.f1), support: support)
        }
        return EntityReport(
            types: types, perType: perType, microAverage: micro, macroAverage: macro,
            weightedAverage: weighted)
    }

    // MARK: - seqeval's chunk rules

    /// A tag split as seqeval splits it: `tag = chunk[0]`,
    /// `type_ = chunk[1:].split('-', maxsplit=1)[-1] or '_'` (on code points).
    struct ParsedTag {
        var prefix: Unicode.Scalar
        var type: String

        init(prefix: Unicode.Scalar, type: String) {
            self.prefix = prefix
            self.type = type
        }

        init(_ tag: String) {
            let scalars = tag.unicodeScalars
            guard let first = scalars.first else {
                self.init(prefix: "O", type: "_")
                return
            }
            let rest = scalars.dropFirst()
            let type = rest.firstIndex(of: "-").map { rest[rest.index(after: $0)...] } ?? rest
            let name = type.isEmpty ? "_" : String(String.UnicodeScalarView(type))
            self.init(prefix: first, type: name)
        }
    }

    /// seqeval's `end_of_chunk(prev_tag, tag, prev_type, type_)`.
    static func endsChunk(_ previous: ParsedTag, _ current: ParsedTag) -> Bool {
        let (p, c) = (previous.prefix, current.prefix)
        if p == "E" || p == "S" { return true }
        if (p == "B" || p == "I") && (c == "B" || c == "S" || c == "O") { return true }
        return p != "O" && p != "." && previous.type != current.type
    }

    /// seqeval's `start_of_chunk(prev_tag, tag, prev_type, type_)`.
    static func startsChunk(_ previous: ParsedTag, _ current: ParsedTag) -> Bool {
        let (p, c) = (previous.prefix, current.prefix)
        if c == "B" || c == "S" { return true }
        if (p == "E" || p == "S" || p == "O") && (c == "E" || c == "I") { return true }
        return c != "O" && c != "." && previous.type != current.type
    }

    // MARK: - Helpers

    /// seqeval's `_prf_divide` with `zero_division="warn"` (0 where the denominator is 0),
    /// then `f = (1 + β²)·p·r / (β²·p + r)` with β = 1 and 0 for a zero denominator.
    private static func scores(_ truePositives: Int, _ predicted: Int, _ actual: Int)
        -> EntityScores
    {
        let precision = predicted == 0 ? 0 : Double(truePositives) / Double(predicted)
        let recall = actual == 0 ? 0 : Double(truePositives) / Double(actual)
        let denominator = precision + recall
        let f1 = denominator == 0 ? 0 : 2 * precision * recall / denominator
        return EntityScores(precision: precision, recall: recall, f1: f1, support: actual)
    }

    private static func checkShapes(_ predictions: [[String]], _ labels: [[String]]) {
        precondition(
            predictions.map(\.count) == labels.map(\.count),
            "EntityMetrics: predictions and labels have different sentence lengths")
    }
}

/// Python's `sorted` order for strings: by code point.
func codePointOrder(_ a: String, _ b: String) -> Bool {
    a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
}
