// swift-bert — the `bert` command.

import ArgumentParser
import Foundation
import Tokenization

/// `bert tokenize`: text in, token ids out, exactly as transformers' tokenizer gives them.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize text from standard input with a model's BERT tokenizer.",
        discussion: """
            Plain mode reads one text per line and prints its ids (with [CLS] and [SEP]) \
            separated by spaces, or its word pieces with --tokens. With --jsonl each input line \
            is {"text": ..., "text_pair": ...} and each output line is {"input_ids", \
            "token_type_ids", "attention_mask", "tokens"}. Input must be UTF-8.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Flag(name: .long, help: "Read and write JSON lines.")
    var jsonl = false

    @Flag(name: .long, help: "Print word pieces instead of ids (plain mode).")
    var tokens = false

    @Option(name: .long, parsing: .unconditional, help: "Truncate to this many tokens, special tokens included.")
    var maxLength: Int?

    @Option(name: .long, help: "Padding: none, longest (per run of input), or max_length.")
    var padding: Padding = .none

    @Option(name: .long, help: "Read this file instead of standard input ('-' for stdin).")
    var input: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: "Benchmark: encode the whole input this many times and print the best time to stderr.")
    var repeatTiming: Int?

    func validate() throws {
        if let maxLength, maxLength < 1 { throw ValidationError("--max-length must be ≥ 1") }
        if padding == .maxLength && maxLength == nil {
            throw ValidationError("--padding max_length needs --max-length")
        }
        if jsonl && tokens { throw ValidationError("--tokens applies to plain mode only") }
    }

    func run() throws {
        let tokenizer = try BertTokenizer.load(from: modelOptions.modelURL)
        let lines = try LineInput.read(input)
        var inputs: [(text: String, pair: String?)] = []
        try lines.forEachLine { line, number in
            if jsonl {
                inputs.append(try Self.parseJSONInput(line, source: lines.source, line: number))
            } else {
                inputs.append((line, nil))
            }
        }
        if let repeatTiming { reportTiming(tokenizer, inputs, repeats: repeatTiming) }
        let encodings = tokenizer.encodeBatch(inputs, maxLength: maxLength, padding: padding)
        var output = ""
        for encoding in encodings {
            if jsonl {
                output += JSONText.object([
                    ("input_ids", JSONText.array(encoding.inputIDs)),
                    ("token_type_ids", JSONText.array(encoding.tokenTypeIDs)),
                    ("attention_mask", JSONText.array(encoding.attentionMask)),
                    ("tokens", JSONText.array(encoding.tokens)),
                ])
            } else if tokens {
                output += encoding.tokens.joined(separator: " ")
            } else {
                output += encoding.inputIDs.map(String.init).joined(separator: " ")
            }
            output += "\n"
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }

    /// Times `encodeBatch` over all inputs (single thread), best of `repeats`, on stderr.
    private func reportTiming(
        _ tokenizer: BertTokenizer, _ inputs: [(text: String, pair: String?)], repeats: Int
    ) {
        var best = Double.infinity
        var tokens = 0
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            let encodings = tokenizer.encodeBatch(inputs, maxLength: maxLength, padding: padding)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, seconds)
            tokens = encodings.reduce(0) { $0 + $1.inputIDs.count }
        }
        let line = "tokenize: \(inputs.count) inputs, \(tokens) tokens, best \(best) s\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Parses `{"text": ..., "text_pair": ...}`.
    static func parseJSONInput(_ line: String, source: String, line number: Int) throws -> (
        text: String, pair: String?
    ) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)),
            let fields = object as? [String: Any]
        else {
            throw CLIError("\(source):\(number): not a JSON object")
        }
        guard let text = fields["text"] as? String else {
            throw CLIError("\(source):\(number): field 'text': missing or not a string")
        }
        let pair = fields["text_pair"]
        if pair != nil, !(pair is String), !(pair is NSNull) {
            throw CLIError("\(source):\(number): field 'text_pair': not a string")
        }
        return (text, pair as? String)
    }
}

extension Padding: ExpressibleByArgument {}
