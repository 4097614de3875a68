// swift-bert — the `bert` command.

import ArgumentParser
import BERT
import Foundation

/// `bert predict`: labels and probabilities for texts, from a fine-tuned model folder.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify texts with a fine-tuned BertForSequenceClassification folder.",
        discussion: """
            Plain mode reads one text per line (a tab separates a pair) and prints the label \
            and its probability. With --jsonl each input line is {"text": ..., "text_pair": ...} \
            and each output line is {"label", "label_id", "probabilities"} (label-id order).
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(name: .long, help: "Input file, or '-' for standard input.")
    var input: String = "-"

    @Option(name: .long, help: "Write results here (atomically) instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Read and write JSON lines.")
    var jsonl = false

    @Option(name: .long, help: "Sequences per forward pass.")
    var batchSize: Int = 32

    @Option(name: .long, help: "Truncate inputs to this many tokens (default: the model's limit).")
    var maxLength: Int?

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be ≥ 2") }
    }

    func run() throws {
        let classifier = try TextClassifier(folder: modelOptions.modelURL, maxLength: maxLength)
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
        for prediction in predictions {
            if jsonl {
                text += JSONText.object([
                    ("label", JSONText.string(prediction.label)),
                    ("label_id", String(prediction.labelID)),
                    ("probabilities",
                        "[" + prediction.probabilities.map { JSONText.number(Double($0)) }
                            .joined(separator: ",") + "]"),
                ])
            } else {
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
            _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CLIError("\(path): cannot write: \(error.localizedDescription)")
        }
    }
}
