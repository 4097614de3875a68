// swift-bert — the `bert` command.

import ArgumentParser
import Foundation
import Training

/// `bert predict`'s options for question-answering models, with the pipeline's names and
/// defaults.
struct AnswerOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Answers per question, best first.")
    var topK: Int = 1

    @Option(name: .long, parsing: .unconditional, help: "The longest answer, in tokens.")
    var maxAnswerLength: Int = 15

    @Flag(name: .long, help: "Let the empty answer (no answer in the context) compete.")
    var handleImpossibleAnswer = false

    @Option(name: .long, parsing: .unconditional, help: "Context tokens shared by consecutive windows (default: half the window, at most 128).")
    var docStride: Int?

    var given: [(name: String, given: Bool)] {
        [
            ("--top-k", topK != 1), ("--max-answer-length", maxAnswerLength != 15),
            ("--handle-impossible-answer", handleImpossibleAnswer), ("--doc-stride", docStride != nil),
        ]
    }

    func validate() throws {
        if topK < 1 { throw ValidationError("--top-k must be ≥ 1") }
        if maxAnswerLength < 1 { throw ValidationError("--max-answer-length must be ≥ 1") }
        if let docStride, docStride < 0 { throw ValidationError("--doc-stride must be ≥ 0") }
    }
}

extension PredictCommand {
    /// `bert predict` on a BertForQuestionAnswering folder: JSON lines `{"question", "context"}`
    /// in, `{"score", "start", "end", "answer"}` out (a list of `--top-k` of them when more
    /// than one), as transformers' `pipeline("question-answering")` gives them.
    func runQuestionAnswering() throws {
        // Its input is always JSON lines: a .jsonl file is that, not a table.
        if format != nil || (tableFormat != nil && tableFormat != .jsonl) {
            throw CLIError("\(modelOptions.model): a question-answering model reads JSON lines {\"question\", \"context\"}, not tsv or csv tables")
        }
        let answerer = try QuestionAnswerer(
            folder: modelOptions.modelURL, maxSequenceLength: maxLength,
            documentStride: answering.docStride)
        answerer.options = AnswerDecodingOptions(
            topK: answering.topK, maxAnswerLength: answering.maxAnswerLength,
            handleImpossibleAnswer: answering.handleImpossibleAnswer)
        for line in Self.loadWarnings(
            answerer.loadReport, model: modelOptions.model, modelClass: "BertForQuestionAnswering")
        {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        compute.apply()
        answerer.model.setPrecision(compute.precision)
        let lines = try LineInput.read(input)
        var text = ""
        var index = 0
        try lines.forEachLine { line, number in
            let (question, context) = try Self.parseQuestion(line, source: lines.source, line: number)
            let answers = try answerer.answer(question: question, context: context, index: index)
            index += 1
            let objects = answers.map { answer in
                JSONText.object([
                    ("score", JSONText.number(answer.score)), ("start", String(answer.start)),
                    ("end", String(answer.end)), ("answer", JSONText.string(answer.answer)),
                ])
            }
            text += (answering.topK == 1 ? objects.first ?? "null" : "[" + objects.joined(separator: ",") + "]") + "\n"
        }
        try OutputFile.write(text, to: output)
    }

    /// One input line: a JSON object with string fields `question` and `context`.
    static func parseQuestion(_ line: String, source: String, line number: Int) throws -> (
        question: String, context: String
    ) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)),
            let fields = object as? [String: Any]
        else {
            throw CLIError("\(source):\(number): not a JSON object with \"question\" and \"context\"")
        }
        var texts: [String] = []
        for name in ["question", "context"] {
            guard let value = fields[name] as? String else {
                throw CLIError("\(source):\(number): field '\(name)': missing or not a string")
            }
            guard !value.isEmpty else { throw CLIError("\(source):\(number): field '\(name)': empty") }
            texts.append(value)
        }
        return (texts[0], texts[1])
    }
}
