// swift-bert — the `bert` command.

import ArgumentParser
import BERT
import Checkpoints
import Foundation
import Kernels

/// `bert embed`: sentence embeddings, as sentence-transformers' `encode` computes them.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Sentence embeddings from a model's last hidden state (sentence-transformers' encode).",
        discussion: """
            Reads one text per line (with --jsonl, {"text": ..., "text_pair": ...} per line) \
            and writes {"embedding": [...]} per line, or with --output FILE.npy a float32 \
            [n, hidden] NumPy array, or with --output FILE.safetensors the F32 [n, hidden] \
            tensor "embeddings". The default recipe is the folder's sentence-transformers \
            files (modules.json, 1_Pooling/config.json, a Normalize module, \
            sentence_bert_config.json's max_seq_length) when it has them, else mean pooling \
            without normalization; --pooling, --[no-]normalize and --max-length override it.
            """)

    @OptionGroup var modelOptions: ModelOptions

    @OptionGroup(title: "Compute") var compute: ComputeOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Pooling over the real tokens: mean, cls or max (default: the folder's Pooling module, else mean).",
            valueName: "mean|cls|max"))
    var pooling: PoolingMode?

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "L2-normalize each embedding (default: if the folder lists a Normalize module).")
    var normalize: Bool?

    @Option(name: .long, help: "Input file, or '-' for standard input.")
    var input: String = "-"

    @Flag(name: .long, help: "Read JSON lines {\"text\": ..., \"text_pair\": ...}.")
    var jsonl = false

    @Option(
        name: .long,
        help: "Write here, atomically: FILE.jsonl (JSON lines), FILE.npy or FILE.safetensors; '-' for standard output.")
    var output: String = "-"

    @Option(name: .long, parsing: .unconditional, help: "Sequences per forward pass.")
    var batchSize: Int = 32

    @Option(
        name: .long, parsing: .unconditional,
        help: "Truncate inputs to this many tokens (default: sentence_bert_config.json's max_seq_length, else the tokenizer's model_max_length, else 512; capped by max_position_embeddings).")
    var maxLength: Int?

    /// How `--output` is written, from its extension.
    enum OutputFormat { case jsonLines, numPy, safeTensors }

    var outputFormat: OutputFormat? {
        if output == "-" { return .jsonLines }
        switch URL(fileURLWithPath: output).pathExtension.lowercased() {
        case "jsonl": return .jsonLines
        case "npy": return .numPy
        case "safetensors": return .safeTensors
        default: return nil
        }
    }

    func validate() throws {
        if batchSize < 1 { throw ValidationError("--batch-size must be ≥ 1") }
        if let maxLength, maxLength < 2 { throw ValidationError("--max-length must be ≥ 2") }
        if outputFormat == nil {
            throw ValidationError("--output must be '-' or end in .jsonl, .npy or .safetensors")
        }
    }

    func run() throws {
        let outputURL = output == "-" ? nil : URL(fileURLWithPath: output)
        if let outputURL { try Self.checkWritableFolder(of: outputURL, path: output) }
        let lines = try LineInput.read(input)
        var inputs: [(text: String, pair: String?)] = []
        try lines.forEachLine { line, number in
            if jsonl {
                inputs.append(
                    try TokenizeCommand.parseJSONInput(line, source: lines.source, line: number))
            } else {
                inputs.append((line, nil))
            }
        }
        guard !inputs.isEmpty else { throw CLIError("\(lines.source): no texts to embed") }

        // A base model's classifier is newly initialized but never used here: no warning.
        let embedder = try SentenceEmbedder(
            folder: modelOptions.modelURL, pooling: pooling, normalize: normalize,
            maxLength: maxLength)
        compute.apply()
        embedder.model.setPrecision(compute.precision)
        let hidden = embedder.dimension

        switch outputFormat ?? .jsonLines {
        case .jsonLines:
            var text = ""
            try embedder.embed(inputs, batchSize: batchSize) { _, rows in
                for row in 0..<(rows.count / hidden) {
                    text += "{\"embedding\":["
                    for i in 0..<hidden {
                        if i > 0 { text += "," }
                        // Float's shortest digits: read back as float32, they give the same bits.
                        text += "\(rows[row * hidden + i])"
                    }
                    text += "]}\n"
                }
            }
            if let outputURL {
                try AtomicFile.write(Data(text.utf8), to: outputURL)
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        case .numPy, .safeTensors:
            var values: [Float] = []
            values.reserveCapacity(inputs.count * hidden)
            try embedder.embed(inputs, batchSize: batchSize) { _, rows in values += rows }
            guard let outputURL else { return }
            let shape = [inputs.count, hidden]
            if outputFormat == .numPy {
                try values.withUnsafeBufferPointer {
                    try NumPyWriter.write($0, shape: shape, to: outputURL)
                }
            } else {
                var writer = SafeTensorsWriter(metadata: [
                    "format": "pt", "pooling": embedder.pooling.rawValue,
                    "normalize": embedder.normalize ? "true" : "false",
                    "max_length": String(embedder.maxLength),
                ])
                try writer.add("embeddings", shape: shape, floats: values)
                try writer.write(to: outputURL)
            }
        }
    }

    /// Fails before any work when `url`'s folder is missing or not a folder.
    static func checkWritableFolder(of url: URL, path: String) throws {
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw CLIError("\(path): cannot write: no folder \(folder)")
        }
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            throw CLIError("\(path): cannot write: it is a folder")
        }
    }
}

extension SequencePooling.Mode: ExpressibleByArgument {}
