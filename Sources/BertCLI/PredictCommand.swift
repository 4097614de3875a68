// swift-bert — the `bert` command.

import ArgumentParser
import BERT
import Datasets
import Foundation
import Training

/// `bert predict`: labels and probabilities for texts, from a fine-tuned model folder.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Run a fine-tuned model folder: classify texts, tag entities, or answer questions.",
        discussion: """
            Sequence classifiers: plain mode reads one text per line (a tab separates a pair) \
            and prints the label and its probability. With --jsonl each input line is \
            {"text": ..., "text_pair": ...} and each output line is {"label", "label_id", \
            "probabilities"} (label-id order). Token classifiers print {"text", "entities"} \
            per line. Question-answering models read JSON lines {"question": ..., "context": ...} \
            and print {"score", "start", "end", "answer"} per line (a list with --top-k > 1), \
            spans in characters of the context, as transformers' question-answering pipeline.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup(title: "Compute") var compute: ComputeOptions

    @Option(name: .long, help: "Input file, or '-' for standard input.")
    var input: String = "-"

    @Option(name: .long, help: "Write results here (atomically) instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Read and write JSON lines.")
    var jsonl = false

    @Option(name: .long, parsing: .unconditional, help: "Sequences per forward pass.")
    var batchSize: Int = 32

    @Option(name: .long, parsing: .unconditional, help: "Truncate inputs to this many tokens (default: the model's limit).")
    var maxLength: Int?

    @Option(
        name: .long,
        help: "Read --input as a tsv, csv or jsonl table (default: from a .tsv/.csv/.jsonl extension, unless --jsonl).")
    var format: String?

    @OptionGroup(title: "Question-answering models") var answering: AnswerOptions

    @Option(name: .long, parsing: .unconditional, help: "Multi-label models: the probability above which a label is predicted.")
    var threshold: Float = 0.5

    @Option(name: .long, help: "A table's text column: a header name, a JSON key, or a 0-based index.")
    var textColumn: String = "text"

    @Option(name: .long, help: "A table's second text column, for sentence pairs.")
    var textPairColumn: String?

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Whether a tsv/csv table's first row is a header (default: yes if it holds the named columns).")
    var header: Bool?

    /// The table format to read `--input` as, or `nil` for the line protocols.
    var tableFormat: TableFormat? {
        if let format { return TableFormat(rawValue: format) }
        guard !jsonl, input != "-" else { return nil }
        return TableFormat(pathExtension: URL(fileURLWithPath: input).pathExtension)
    }

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be ≥ 2") }
        if let format {
            guard TableFormat(rawValue: format) != nil else {
                throw ValidationError("--format must be tsv, csv or jsonl")
            }
            if jsonl { throw ValidationError("--format and --jsonl cannot be combined") }
            if input == "-" { throw ValidationError("--format needs --input FILE") }
        }
    }

    func run() throws {
        let configuration = try BertConfiguration.load(
            from: modelOptions.modelURL.appendingPathComponent("config.json"))
        if configuration.architectures?.contains("BertForTokenClassification") == true {
            try runTokenClassification()
            return
        }
        if configuration.architectures?.contains("BertForQuestionAnswering") == true {
            try runQuestionAnswering()
            return
        }
        if let option = answering.given.first(where: \.given) {
            throw CLIError("\(option.name) is for question-answering models (BertForQuestionAnswering)")
        }
        let classifier = try TextClassifier(folder: modelOptions.modelURL, maxLength: maxLength)
        classifier.threshold = threshold
        for line in Self.loadWarnings(classifier.loadReport, model: modelOptions.model) {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        compute.apply()
        classifier.model.setPrecision(compute.precision)
        if let tableFormat {
            let headerMode: HeaderMode =
                header == nil ? .detect : (header == true ? .present : .absent)
            let columns = TableColumns(
                text: ColumnReference(textColumn),
                textPair: textPairColumn.map(ColumnReference.init), label: nil)
            let text = try TablePrediction.run(
                classifier: classifier, input: input, format: tableFormat, columns: columns,
                header: headerMode, batchSize: batchSize)
            try OutputFile.write(text, to: output)
            return
        }
        let lines = try LineInput.read(input)
        var inputs: [(text: String, pair: String?)] = []
        try lines.forEachLine { line, number in
            if jsonl {
                inputs.append(
                    try TokenizeCommand.parseJSONInput(line, source: lines.source, line: number))
            } else {
                let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
                inputs.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : nil))
            }
        }
        let predictions = try classifier.predict(inputs, batchSize: batchSize)
        var text = ""
        let problemType = classifier.model.effectiveProblemType
        for prediction in predictions {
            let probabilities =
                "[" + prediction.probabilities.map { JSONText.number(Double($0)) }
                .joined(separator: ",") + "]"
            switch (problemType, jsonl) {
            case (.regression, true):
                text += JSONText.object([("score", JSONText.number(Double(prediction.value ?? 0)))])
            case (.regression, false):
                text += "\(prediction.value ?? 0)"
            case (.multiLabelClassification, true):
                text += JSONText.object([
                    ("labels", "[" + prediction.labels.map(JSONText.string).joined(separator: ",") + "]"),
                    ("probabilities", probabilities),
                ])
            case (.multiLabelClassification, false):
                text += prediction.labels.joined(separator: ",") + "\t" + probabilities
            case (.singleLabelClassification, true):
                text += JSONText.object([
                    ("label", JSONText.string(prediction.label)),
                    ("label_id", String(prediction.labelID)), ("probabilities", probabilities),
                ])
            case (.singleLabelClassification, false):
                text += "\(prediction.label)\t\(prediction.probabilities[prediction.labelID])"
            }
            text += "\n"
        }
        try OutputFile.write(text, to: output)
    }
}

/// Writes command output to standard output or, atomically, to a file.
enum OutputFile {
    static func write(_ text: String, to path: String?) throws {
        guard let path, path != "-" else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            // Linux Foundation's replaceItemAt fails when the destination does not exist yet.
            if FileManager.default.fileExists(atPath: url.path) {
                _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: url)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CLIError("\(path): cannot write: \(error.localizedDescription)")
        }
    }
}

extension PredictCommand {
    /// `bert predict` on a BertForTokenClassification folder: one JSON line per input line
    /// (a text, or with `--jsonl` an object with `text`), `{"text": …, "entities": [{"entity_group",
    /// "score", "word", "start", "end"}]}`, as transformers' token-classification pipeline
    /// with `aggregation_strategy="simple"` gives them (offsets in code points of the text).
    func runTokenClassification() throws {
        if tableFormat != nil {
            throw CLIError("\(modelOptions.model): a token-classification model reads lines or JSON lines, not tables (--format)")
        }
        let classifier = try TokenClassifier(folder: modelOptions.modelURL, maxLength: maxLength)
        for line in Self.loadWarnings(
            classifier.loadReport, model: modelOptions.model, modelClass: "BertForTokenClassification")
        {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        compute.apply()
        classifier.model.setPrecision(compute.precision)
        let lines = try LineInput.read(input)
        var texts: [String] = []
        try lines.forEachLine { line, number in
            texts.append(
                jsonl
                    ? try TokenizeCommand.parseJSONInput(line, source: lines.source, line: number).text
                    : line)
        }
        var text = ""
        for (input, entities) in zip(texts, try classifier.predict(texts)) {
            let items = entities.map { entity in
                JSONText.object([
                    ("entity_group", JSONText.string(entity.entityGroup)),
                    ("score", JSONText.number(entity.score)),
                    ("word", JSONText.string(entity.word)),
                    ("start", String(entity.start)), ("end", String(entity.end)),
                ])
            }
            text += JSONText.object([
                ("text", JSONText.string(input)),
                ("entities", "[" + items.joined(separator: ",") + "]"),
            ]) + "\n"
        }
        try OutputFile.write(text, to: output)
    }

    /// transformers' loading warnings, one line each: a newly initialized head (predictions
    /// from random weights) and checkpoint tensors the model did not use.
    static func loadWarnings(
        _ report: LoadReport, model: String, modelClass: String = "BertForSequenceClassification"
    ) -> [String] {
        var lines: [String] = []
        if !report.newlyInitialized.isEmpty {
            let names = report.newlyInitialized.map { "'\($0)'" }.joined(separator: ", ")
            lines.append(
                "warning: Some weights of \(modelClass) were not initialized "
                    + "from the model checkpoint at \(model) and are newly initialized: [\(names)]; "
                    + "its predictions are those of random weights (fine-tune it first)")
        }
        if !report.unused.isEmpty {
            let names = report.unused.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
            let more = report.unused.count > 5 ? ", … (\(report.unused.count) in all)" : ""
            lines.append(
                "warning: Some weights of the model checkpoint at \(model) were not used when "
                    + "initializing \(modelClass): [\(names)\(more)]")
        }
        return lines
    }
}
