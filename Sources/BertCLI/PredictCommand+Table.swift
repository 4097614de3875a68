// swift-bert — the `bert` command.

import BERT
import Datasets
import Foundation

/// `bert predict` on a TSV, CSV or JSON Lines file: the input's rows with two more columns.
///
/// The output has the input's format and rows (blank lines dropped), each followed by the
/// predicted `label` and `probabilities` (a JSON array in label-id order). CSV fields are
/// re-quoted minimally; TSV fields are written as read; JSON Lines keep each line's text,
/// with the two keys added before its closing brace. When the input already has a `label`
/// (or `probabilities`) column or key, the added ones are named `predicted_label` and
/// `predicted_probabilities`, so a labeled test file keeps its gold labels.
enum TablePrediction {
    /// Reads `input`, classifies its rows and returns the output file's text.
    static func run(
        classifier: TextClassifier, input: String, format: TableFormat, columns: TableColumns,
        header: HeaderMode, batchSize: Int
    ) throws -> String {
        let table = try TableFile(
            contentsOf: URL(fileURLWithPath: input), format: format, header: header,
            columns: columns.all)
        let examples = try table.examples(columns)
        let predictions = try classifier.predict(
            examples.map { (text: $0.text, pair: $0.textPair) }, batchSize: batchSize)
        let existing: Set<String>
        switch format {
        case .jsonl:
            existing = Set(table.rows.flatMap { $0.object?.fields.keys.map { $0 } ?? [] })
        case .csv, .tsv:
            existing = Set(table.header ?? [])
        }
        let clash = existing.contains("label") || existing.contains("probabilities")
        let labelName = clash ? "predicted_label" : "label"
        let probabilitiesName = clash ? "predicted_probabilities" : "probabilities"
        func probabilities(_ prediction: TextClassifier.Prediction) -> String {
            "[" + prediction.probabilities.map { JSONText.number(Double($0)) }
                .joined(separator: ",") + "]"
        }
        // Multi-label: the labels above the threshold, joined as the training file joins them.
        let multiLabel = classifier.model.effectiveProblemType == .multiLabelClassification
        func label(_ prediction: TextClassifier.Prediction) -> String {
            multiLabel ? prediction.labels.joined(separator: ",") : prediction.label
        }
        var out = ""
        switch format {
        case .jsonl:
            for (row, prediction) in zip(table.rows, predictions) {
                let text = row.object?.text ?? "{}"
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                let body = trimmed.dropLast()  // the closing brace
                let separator = (row.object?.fields.isEmpty ?? true) ? "" : ","
                out += String(body) + separator + JSONText.string(labelName) + ":"
                    + JSONText.string(label(prediction)) + ","
                    + JSONText.string(probabilitiesName) + ":" + probabilities(prediction) + "}\n"
            }
        case .csv, .tsv:
            let dialect: DelimitedText.Dialect = format == .csv ? .csv : .tsv
            if let header = table.header {
                out += DelimitedText.line(header + [labelName, probabilitiesName], dialect: dialect)
                out += "\n"
            }
            for (row, prediction) in zip(table.rows, predictions) {
                out += DelimitedText.line(
                    row.fields + [label(prediction), probabilities(prediction)], dialect: dialect)
                out += "\n"
            }
        }
        return out
    }
}
