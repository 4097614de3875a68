// swift-bert — training: a classification task from the user's own TSV, CSV or JSON Lines files.

import Datasets
import Foundation
import Tokenization

/// Where a table task's files are and how to read them.
public struct TableTaskFiles: Sendable {
    /// The training file.
    public var train: URL
    /// A validation file; without one, the training file is split.
    public var validation: URL?
    /// A held-out test file, evaluated after training.
    public var test: URL?
    /// The files' format.
    public var format: TableFormat
    /// The text, second-text and label columns.
    public var columns: TableColumns
    /// Whether the files' first rows are headers (CSV and TSV).
    public var header: HeaderMode

    /// Describes a table task's files.
    public init(
        train: URL, validation: URL? = nil, test: URL? = nil, format: TableFormat,
        columns: TableColumns, header: HeaderMode = .detect
    ) {
        self.train = train
        self.validation = validation
        self.test = test
        self.format = format
        self.columns = columns
        self.header = header
    }

    /// Reads one file's examples (labels as written; see
    /// ``Datasets/TableFile/examples(_:floatLabels:)`` for `floatLabels`).
    public func read(_ url: URL, floatLabels: Bool = false) throws -> [TableExample] {
        try TableFile(contentsOf: url, format: format, header: header, columns: columns.all)
            .examples(columns, floatLabels: floatLabels)
    }
}

extension ClassificationData {
    /// A task from the user's own files: labels from the training file in
    /// ``Datasets/LabelSet``'s stable order, the training file split into train and
    /// validation (`validationFraction`, `splitSeed`) unless a validation file is given, and
    /// the test file (if any) held out as `test`.
    ///
    /// - Throws: ``Datasets/DatasetError``: unreadable or malformed files, a missing column,
    ///   an empty training file, or a validation or test label never seen in training
    ///   (naming the file, line and label column).
    public static func table(
        _ files: TableTaskFiles, tokenizer: BertTokenizer, maxLength: Int = 64,
        validationFraction: Double = 0.1, splitSeed: UInt64 = 2018
    ) throws -> ClassificationData {
        let rawTraining = try files.read(files.train)
        guard !rawTraining.isEmpty else {
            throw DatasetError.noExamples(file: files.train.path)
        }
        let labels = LabelSet(sorting: rawTraining.compactMap(\.label))
        let all = try labels.labeled(rawTraining)
        let split: TrainValidationSplit
        let validation: EncodedExamples
        if let validationURL = files.validation {
            split = TrainValidationSplit(train: Array(all.indices), validation: [])
            validation = encode(
                try labels.labeled(files.read(validationURL)), tokenizer: tokenizer,
                maxLength: maxLength)
        } else {
            split = try trainValidationSplit(
                count: all.count, validationFraction: validationFraction, seed: splitSeed)
            validation = encode(
                split.validation.map { all[$0] }, tokenizer: tokenizer, maxLength: maxLength)
        }
        var tests: [(name: String, examples: EncodedExamples)] = []
        if let testURL = files.test {
            tests.append(
                ("test",
                    encode(
                        try labels.labeled(files.read(testURL)), tokenizer: tokenizer,
                        maxLength: maxLength)))
        }
        let lengths = all.map { example in
            tokenizer.encode(example.text, pair: example.textPair, truncation: false).inputIDs.count
        }
        return ClassificationData(
            labelNames: labels.names, allTraining: all, split: split,
            train: encode(split.train.map { all[$0] }, tokenizer: tokenizer, maxLength: maxLength),
            validation: validation, tests: tests, untruncatedTrainingLengths: lengths)
    }
}
