// swift-bert — the `bert` command.

import ArgumentParser
import BERT
import Datasets
import Foundation
import Tokenization
import Training

/// Which task's data to read, and how to tokenize it (`data`, `train`, `evaluate`).
struct TaskOptions: ParsableArguments {
    /// The tasks: the tutorial's CoLA, or the user's own files in one of three formats.
    static let tasks = ["cola", "tsv", "csv", "jsonl", "ner", "squad", "mlm"]
    /// The tasks whose data is `--train FILE` [`--validation FILE`] of their own format.
    static let fileTasks = ["ner", "squad", "mlm"]

    @Option(
        name: .long,
        help: "cola (the tutorial's zip, --data), tsv, csv, jsonl (your own files, --train), or, bert train only: ner (token classification on CoNLL or JSON-lines files), squad (question answering on SQuAD v1.1/v2.0 JSON or JSON lines), mlm (masked-LM fine-tuning on a text file, one text a line, or JSON lines with \"text\").")
    var task: String = "cola"

    @Option(name: .long, help: "cola_public_1.1.zip or its unzipped folder (--task cola).")
    var data: String?

    @Option(name: .long, help: "Training file (--task tsv|csv|jsonl).")
    var train: String?

    @Option(
        name: .long,
        help: "Validation file (default: split the training file, --validation-fraction).")
    var validation: String?

    @Option(name: .long, help: "Test file, evaluated after training.")
    var test: String?

    @Option(name: .long, help: "Text column: a header name, a JSON key, or a 0-based index.")
    var textColumn: String?

    @Option(name: .long, help: "Second text column, for sentence pairs.")
    var textPairColumn: String?

    @Option(name: .long, help: "Label column (strings or integers).")
    var labelColumn: String?

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Whether a tsv/csv file's first row is a header (default: yes if it holds the named columns).")
    var header: Bool?

    @Option(
        name: .customLong("max-length"), parsing: .unconditional,
        help: "Truncate inputs to this many tokens, special tokens included (--task ner: split longer sentences into windows; squad: windows of question and context). Default: 64; squad 384; mlm 512.")
    var maxLengthOption: Int?

    /// `--max-length`, or the task's default: 64 (the tutorial's), `run_qa.py`'s 384 for
    /// SQuAD, 512 for masked-LM texts (`run_mlm.py` takes the tokenizer's limit, at most 1024;
    /// the model's positions cap it in ``maxLength(forModelAt:)``).
    var maxLength: Int { maxLengthOption ?? (task == "squad" ? 384 : task == "mlm" ? 512 : 64) }

    @Option(name: .long, parsing: .unconditional, help: "--task ner: word pieces shared by consecutive windows of a long sentence.")
    var stride: Int = 0

    var dataURL: URL { URL(fileURLWithPath: data ?? "") }

    /// `--max-length`, capped at the model's `max_position_embeddings` as `bert predict` and
    /// transformers' tokenizers (`model_max_length`) cap it: a longer input has no position.
    func maxLength(forModelAt folder: URL) throws -> Int {
        let configuration = try BertConfiguration.load(
            from: folder.appendingPathComponent("config.json"))
        return min(maxLength, configuration.maxPositionEmbeddings)
    }

    /// The format of a table task, `nil` for CoLA.
    var tableFormat: TableFormat? { TableFormat(rawValue: task) }

    /// The columns given on the command line.
    var columns: TableColumns {
        TableColumns(
            text: ColumnReference(textColumn ?? "text"),
            textPair: textPairColumn.map(ColumnReference.init),
            label: ColumnReference(labelColumn ?? "label"))
    }

    var headerMode: HeaderMode {
        switch header {
        case nil: return .detect
        case true?: return .present
        case false?: return .absent
        }
    }

    /// The table task's files; `train` must be given.
    func tableFiles(format: TableFormat) throws -> TableTaskFiles {
        guard let train else { throw CLIError("--task \(task) needs --train FILE") }
        return TableTaskFiles(
            train: URL(fileURLWithPath: train),
            validation: validation.map { URL(fileURLWithPath: $0) },
            test: test.map { URL(fileURLWithPath: $0) }, format: format, columns: columns,
            header: headerMode)
    }

    func validate() throws {
        guard Self.tasks.contains(task) else {
            throw ValidationError("--task must be one of \(Self.tasks.joined(separator: ", "))")
        }
        if maxLength < 2 { throw ValidationError("--max-length must be ≥ 2") }
        let tableOptions: [(String, Bool)] = [
            ("--train", train != nil), ("--validation", validation != nil),
            ("--test", test != nil), ("--text-column", textColumn != nil),
            ("--text-pair-column", textPairColumn != nil), ("--label-column", labelColumn != nil),
            ("--header/--no-header", header != nil),
        ]
        if stride < 0 { throw ValidationError("--stride must be ≥ 0") }
        if stride > 0 && task != "ner" { throw ValidationError("--stride is for --task ner") }
        if Self.fileTasks.contains(task) {
            if data != nil { throw ValidationError("--data is for --task cola; use --train FILE") }
            if let option = tableOptions.first(where: { $0.1 && !["--train", "--validation", "--test"].contains($0.0) }) {
                throw ValidationError("\(option.0) is for --task tsv|csv|jsonl, not \(task)")
            }
            guard train != nil else { throw ValidationError("--task \(task) needs --train FILE") }
            if test != nil { throw ValidationError("--task \(task) takes --train and --validation, not --test (yet)") }
            return
        }
        if task == "cola" {
            guard data != nil else { throw ValidationError("--task cola needs --data ZIP_OR_FOLDER") }
            if let option = tableOptions.first(where: { $0.1 }) {
                throw ValidationError("\(option.0) is for --task tsv|csv|jsonl, not cola")
            }
            return
        }
        if data != nil { throw ValidationError("--data is for --task cola; use --train FILE") }
        if train == nil && validation == nil && test == nil {
            throw ValidationError("--task \(task) needs --train FILE (and optionally --validation, --test)")
        }
        guard textColumn != nil else { throw ValidationError("--task \(task) needs --text-column") }
        guard labelColumn != nil else { throw ValidationError("--task \(task) needs --label-column") }
        if task == "jsonl" && header != nil {
            throw ValidationError("--header/--no-header apply to tsv and csv files, not jsonl")
        }
    }
}

/// The train/validation split of the training file (`data`, `train`).
struct SplitOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "Fraction of the training file held out for validation.")
    var validationFraction: Double = 0.1

    @Option(name: .long, parsing: .unconditional, help: "Seed of the train/validation split.")
    var splitSeed: UInt64 = 2018

    func validate() throws {
        if !(0..<1).contains(validationFraction) {
            throw ValidationError("--validation-fraction must be in [0, 1)")
        }
    }

    /// Loads and tokenizes the task's data with this split, truncating to `maxLength` (default
    /// `--max-length`).
    func load(_ task: TaskOptions, tokenizer: BertTokenizer, maxLength: Int? = nil) throws
        -> ClassificationData
    {
        let maxLength = maxLength ?? task.maxLength
        guard let format = task.tableFormat else {
            return try ClassificationData.cola(
                contentsOf: task.dataURL, tokenizer: tokenizer, maxLength: maxLength,
                validationFraction: validationFraction, splitSeed: splitSeed)
        }
        return try ClassificationData.table(
            task.tableFiles(format: format), tokenizer: tokenizer, maxLength: maxLength,
            validationFraction: validationFraction, splitSeed: splitSeed)
    }
}
