// swift-bert — training.

import Datasets
import Foundation
import Tokenization

/// A classification task's data, tokenized: the training set split into train and
/// validation parts, and held-out test sets.
public struct ClassificationData: Sendable {
    /// Label names by id (`id2label`).
    public var labelNames: [String]
    /// Every training example before the split, in file order.
    public var allTraining: [LabeledExample]
    /// The split of ``allTraining`` indices.
    public var split: TrainValidationSplit
    /// The training part, tokenized (no padding).
    public var train: EncodedExamples
    /// The validation part, tokenized; empty when the validation fraction is 0.
    public var validation: EncodedExamples
    /// Held-out sets by name (CoLA: out_of_domain_dev, in_domain_dev), tokenized.
    public var tests: [(name: String, examples: EncodedExamples)]
    /// Token counts of every training example with special tokens, before truncation
    /// (the tutorial's "Max sentence length").
    public var untruncatedTrainingLengths: [Int]

    /// Tokenizes examples (with `[CLS]`/`[SEP]`, truncated to `maxLength`), as the tutorial's
    /// `tokenizer.encode_plus(..., max_length=64, truncation=True)` without the padding.
    public static func encode(
        _ examples: [LabeledExample], tokenizer: BertTokenizer, maxLength: Int
    ) -> EncodedExamples {
        var encoded = EncodedExamples()
        encoded.reserveCapacity(examples: examples.count, tokens: examples.count * 16)
        for example in examples {
            let encoding = tokenizer.encode(
                example.text, pair: example.textPair, maxLength: maxLength)
            encoded.append(
                inputIDs: encoding.inputIDs, tokenTypeIDs: encoding.tokenTypeIDs,
                label: Int32(example.label))
        }
        return encoded
    }

    /// CoLA as the tutorial uses it: in_domain_train split into train and validation;
    /// out_of_domain_dev (the tutorial's test set) and in_domain_dev held out.
    /// - Throws: `DatasetError` for unreadable or malformed data.
    public static func cola(
        contentsOf url: URL, tokenizer: BertTokenizer, maxLength: Int = 64,
        validationFraction: Double = 0.1, splitSeed: UInt64 = 2018
    ) throws -> ClassificationData {
        let cola = try CoLA(contentsOf: url)
        let all = cola.examples(.inDomainTrain)
        guard !all.isEmpty else {
            throw DatasetError.noExamples(
                file: "\(cola.origin)/\(CoLA.Split.inDomainTrain.relativePath)")
        }
        let split = try trainValidationSplit(
            count: all.count, validationFraction: validationFraction, seed: splitSeed)
        let lengths = all.map { tokenizer.tokenize($0.text).count + 2 }
        return ClassificationData(
            labelNames: CoLA.labelNames, allTraining: all, split: split,
            train: encode(split.train.map { all[$0] }, tokenizer: tokenizer, maxLength: maxLength),
            validation: encode(
                split.validation.map { all[$0] }, tokenizer: tokenizer, maxLength: maxLength),
            tests: [
                ("out_of_domain_dev",
                    encode(cola.examples(.outOfDomainDev), tokenizer: tokenizer, maxLength: maxLength)),
                ("in_domain_dev",
                    encode(cola.examples(.inDomainDev), tokenizer: tokenizer, maxLength: maxLength)),
            ],
            untruncatedTrainingLengths: lengths)
    }
}
