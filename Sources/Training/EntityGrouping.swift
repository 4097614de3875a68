// swift-bert — training: grouping token predictions into entities, as transformers' NER pipeline.

/// One entity found in a text: adjacent tokens of the same type.
public struct GroupedEntity: Equatable, Sendable {
    /// The type without its `B-`/`I-` prefix (`PER`).
    public var entityGroup: String
    /// The mean of the group's tokens' top scores.
    public var score: Double
    /// The group's word pieces decoded (``WordPieceDecoder``), as the tokenizer decodes them.
    public var word: String
    /// The first token's start, in Unicode code points of the text.
    public var start: Int
    /// The last token's end (exclusive), in code points.
    public var end: Int

    /// Creates an entity.
    public init(entityGroup: String, score: Double, word: String, start: Int, end: Int) {
        self.entityGroup = entityGroup
        self.score = score
        self.word = word
        self.start = start
        self.end = end
    }
}

/// Turns per-token label scores into entities, as transformers' `TokenClassificationPipeline`
/// does in `postprocess` with `aggregation_strategy="simple"` (transformers 5.24).
public enum EntityGrouping {
    /// The entities of one text (`TokenClassificationPipeline.postprocess` with
    /// `AggregationStrategy.SIMPLE` and the default `ignore_labels=["O"]`, one chunk).
    ///
    /// Special tokens are dropped. Each other token takes the label of its highest score
    /// (NumPy's `argmax`: the first maximum, or the first NaN). Then `group_entities` runs:
    /// a token joins the open group when its type (the label without `B-`/`I-`; a label
    /// with neither prefix counts as `I-`) equals the group's last token's and it is not a
    /// `B-`; otherwise the group closes. A group's `entity_group` is its first label after
    /// the first `-`; its score is the NaN-ignoring mean of its tokens' scores; its word is
    /// the tokens decoded by ``WordPieceDecoder/decode(_:)``, where an unknown token stands
    /// for the text it covers (`gather_pre_entities`). Groups named in `ignoredLabels` are
    /// dropped at the end. (Label types are compared with Swift's `==`, so two labels that
    /// differ only in Unicode normalization count as one type; Python tells them apart.)
    ///
    /// - Parameters:
    ///   - scores: Per token, the softmax of its logits (`[tokens][labels]`), as the
    ///     pipeline computes them.
    ///   - tokens: The tokens (`convert_ids_to_tokens`), special ones included.
    ///   - offsets: Each token's `(start, end)` in code points of `text` (the fast
    ///     tokenizer's `offset_mapping`).
    ///   - isSpecial: The special-tokens mask.
    ///   - labels: `id2label` in id order; one per score column.
    ///   - text: The text the offsets refer to.
    ///   - unknownToken: The tokenizer's unknown token (`[UNK]` for BERT).
    ///   - ignoredLabels: Entity groups to leave out (`ignore_labels`).
    /// - Precondition: `scores`, `tokens`, `offsets` and `isSpecial` have one entry per
    ///   token, and each row of `scores` has one entry per label.
    public static func simple(
        scores: [[Float]], tokens: [String], offsets: [(start: Int, end: Int)], isSpecial: [Bool],
        labels: [String], text: String, unknownToken: String = "[UNK]",
        ignoredLabels: Set<String> = ["O"]
    ) -> [GroupedEntity] {
        precondition(
            tokens.count == scores.count && offsets.count == scores.count
                && isSpecial.count == scores.count,
            "EntityGrouping: scores, tokens, offsets and isSpecial differ in length")
        let scalars = Array(text.unicodeScalars)
        var groups: [GroupedEntity] = []
        var open: [TokenPrediction] = []
        for index in scores.indices where !isSpecial[index] {
            let row = scores[index]
            precondition(row.count == labels.count, "EntityGrouping: a score row per label")
            let best = argmax(row)
            let (start, end) = offsets[index]
            var word = tokens[index]
            if word == unknownToken {
                // Python's slice clamps; so does this.
                let from = min(max(start, 0), scalars.count)
                let to = min(max(end, from), scalars.count)
                word = String(String.UnicodeScalarView(scalars[from..<to]))
            }
            let token = TokenPrediction(
                label: labels[best], score: Double(row[best]), word: word, start: start, end: end)
            if let last = open.last {
                let (prefix, type) = Self.tag(token.label)
                if !(type == Self.tag(last.label).type && prefix != "B") {
                    groups.append(group(open))
                    open = []
                }
            }
            open.append(token)
        }
        if !open.isEmpty { groups.append(group(open)) }
        return groups.filter { !ignoredLabels.contains($0.entityGroup) }
    }

    private struct TokenPrediction {
        var label: String
        var score: Double
        var word: String
        var start: Int
        var end: Int
    }

    /// `group_sub_entities`.
    private static func group(_ tokens: [TokenPrediction]) -> GroupedEntity {
        let first = tokens[0]
        // `split("-", 1)[-1]`, on code points.
        let scalars = first.label.unicodeScalars
        let type = scalars.firstIndex(of: "-").map {
            String(String.UnicodeScalarView(scalars[scalars.index(after: $0)...]))
        }
        let kept = tokens.map(\.score).filter { !$0.isNaN }
        let score = kept.isEmpty ? Double.nan : kept.reduce(0, +) / Double(kept.count)
        return GroupedEntity(
            entityGroup: type ?? first.label, score: score,
            word: WordPieceDecoder.decode(tokens.map(\.word)), start: first.start,
            end: tokens[tokens.count - 1].end)
    }

    /// `get_tag`: `B-x` and `I-x` give (`B`/`I`, `x`); any other label is (`I`, label).
    private static func tag(_ label: String) -> (prefix: String, type: String) {
        // Code points, as Python's `startswith` and slicing (`hasPrefix` compares characters).
        let scalars = label.unicodeScalars
        for prefix in ["B", "I"] where scalars.starts(with: (prefix + "-").unicodeScalars) {
            return (prefix, String(String.UnicodeScalarView(scalars.dropFirst(2))))
        }
        return ("I", label)
    }

    /// NumPy's `argmax`: the first maximum, or the first NaN.
    private static func argmax(_ row: [Float]) -> Int {
        var best = 0
        for index in row.indices {
            if row[index].isNaN { return index }
            if row[index] > row[best] { best = index }
        }
        return best
    }
}
