// swift-bert — the `bert` command.

import ArgumentParser
import Foundation
import Training

/// `bert fill-mask`: the likeliest tokens for every `[MASK]` of each line, from a
/// BertForMaskedLM folder, as transformers' `pipeline("fill-mask")` gives them.
struct FillMaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fill-mask",
        abstract: "Fill the [MASK] tokens of texts with a masked-language model (BertForMaskedLM).",
        discussion: """
            Reads one text per line (with --jsonl, {"text": ...}), each with at least one \
            [MASK], and prints one JSON line per text: {"text", "masks"}, where "masks" holds \
            one list per [MASK], in order, of --top-k propositions {"score", "token", \
            "token_str", "sequence"}, best first. A folder without the masked-LM head (a \
            BertModel such as a sentence encoder) loads with a newly initialized one and says \
            so: its propositions are those of random weights.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup(title: "Compute") var compute: ComputeOptions

    @Option(name: .long, help: "Input file, or '-' for standard input.")
    var input: String = "-"

    @Option(name: .long, help: "Write results here (atomically) instead of standard output.")
    var output: String?

    @Flag(name: .long, help: "Read JSON lines {\"text\": ...}.")
    var jsonl = false

    @Option(name: .long, parsing: .unconditional, help: "Propositions per mask.")
    var topK: Int = 5

    @Option(name: .long, parsing: .unconditional, help: "Truncate inputs to this many tokens (default: the model's limit).")
    var maxLength: Int?

    func validate() throws {
        if topK < 1 { throw ValidationError("--top-k must be ≥ 1") }
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be ≥ 2") }
    }

    func run() throws {
        let filler = try MaskFiller(folder: modelOptions.modelURL, maxLength: maxLength)
        for line in PredictCommand.loadWarnings(
            filler.loadReport, model: modelOptions.model, modelClass: "BertForMaskedLM")
        {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        compute.apply()
        filler.model.setPrecision(compute.precision)
        let lines = try LineInput.read(input)
        var text = ""
        var index = 0
        try lines.forEachLine { line, number in
            let input =
                jsonl ? try TokenizeCommand.parseJSONInput(line, source: lines.source, line: number).text : line
            let masks: [[FillMaskPrediction]]
            do {
                masks = try filler.predict(input, topK: topK, index: index)
            } catch let error as TrainingError {
                throw CLIError("\(lines.source):\(number): \(error)")
            }
            index += 1
            let lists = masks.map { predictions in
                "["
                    + predictions.map { prediction in
                        JSONText.object([
                            ("score", JSONText.number(Double(prediction.score))),
                            ("token", String(prediction.token)),
                            ("token_str", JSONText.string(prediction.tokenString)),
                            ("sequence", JSONText.string(prediction.sequence)),
                        ])
                    }.joined(separator: ",") + "]"
            }
            text += JSONText.object([
                ("text", JSONText.string(input)), ("masks", "[" + lists.joined(separator: ",") + "]"),
            ]) + "\n"
        }
        try OutputFile.write(text, to: output)
    }
}
