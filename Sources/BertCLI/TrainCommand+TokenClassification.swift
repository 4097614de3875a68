// swift-bert — the `bert` command.

import BERT
import Datasets
import Distributed
import Foundation
import Randomness
import Tokenization
import Training

extension TrainCommand {
    /// `bert train --task ner`: BertForTokenClassification on CoNLL or JSON-lines files, as
    /// transformers' token-classification example (`run_ner.py`) trains it: labels on each
    /// word's first piece, sentences longer than `--max-length` split into windows, and after
    /// every epoch seqeval's entity precision, recall and F1 on the validation sentences (the
    /// `--validation` file, or `--validation-fraction` of the training file), per type at the
    /// end. Saves an HF folder that transformers' `BertForTokenClassification` loads.
    func runTokenClassification(_ communicator: Communicator) throws {
        let modelURL = try modelOptions.modelURL
        guard let trainPath = taskOptions.train else { throw CLIError("--task ner needs --train FILE") }
        try checkOutput(model: modelURL, communicator)
        try refuseUnsupportedOptions(for: "--task ner")
        let tokenizer = try BertTokenizer.load(from: modelURL)
        let maxLength = try taskOptions.maxLength(forModelAt: modelURL)
        let trainFile = try Self.readTagged(trainPath, labels: nil)
        let labels = trainFile.labels
        guard labels.count >= 2 else {
            throw CLIError("\(trainPath): the tags hold \(labels.count) label; token classification needs at least 2")
        }
        let (trainSentences, validationSentences) = try trainAndValidation(trainFile.sentences) {
            try Self.readTagged($0, labels: labels).sentences
        }
        func encode(_ sentences: [TaggedSentence]) throws -> TokenClassificationExamples {
            let ids = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, Int32($0)) })
            return try TokenClassificationExamples(
                sentences: sentences.map { ($0.words, $0.tags.map { ids[$0]! }) },
                tokenizer: tokenizer, maxLength: maxLength, stride: taskOptions.stride)
        }
        let train = try encode(trainSentences)
        let validation = try encode(validationSentences)

        var generator = SeededGenerator(seed: training.seed, stream: Self.initializationStream)
        let (model, report) = try BertForTokenClassification.load(
            from: modelURL, labels: labels, dropout: training.dropout, generator: &generator)
        try model.checkVocabulary(of: tokenizer, folder: modelOptions.model)
        let out = reporter(communicator)
        out.text(
            "\(grouped(trainSentences.count)) training sentences (\(grouped(train.count)) windows), "
                + "\(grouped(validationSentences.count)) validation sentences, labels: "
                + labels.joined(separator: " "))
        let summary = try fineTune(
            model, report: report, on: train, validation: validation, out: out, labels: labels,
            communicator: communicator)
        guard communicator.isWriter else { return }
        if let entities = summary.epochs.last?.validation?.entities {
            out.text("")
            out.text("Validation entities (seqeval):")
            out.text("  type        precision  recall  f1     support")
            for (type, scores) in zip(entities.types, entities.perType) {
                out.text(
                    "  \(type.padding(toLength: 10, withPad: " ", startingAt: 0))  "
                        + "\(fixed(scores.precision, 3))      \(fixed(scores.recall, 3))   "
                        + "\(fixed(scores.f1, 3))  \(scores.support)")
                out.json([
                    ("event", JSONText.string("entity_type")), ("type", JSONText.string(type)),
                    ("precision", JSONText.number(scores.precision)),
                    ("recall", JSONText.number(scores.recall)),
                    ("f1", JSONText.number(scores.f1)), ("support", String(scores.support)),
                ])
            }
            out.text(
                "  micro avg   \(fixed(entities.precision, 3))      \(fixed(entities.recall, 3))   "
                    + "\(fixed(entities.f1, 3))")
        }
        try saveFinalModel(model, out: out)
    }

    /// A CoNLL (`.conll`, `.txt`, …) or JSON-lines (`.jsonl`) file of tagged sentences.
    static func readTagged(_ path: String, labels: [String]?) throws -> TokenClassificationFile {
        let url = URL(fileURLWithPath: path)
        let format = TokenClassificationFormat(pathExtension: url.pathExtension) ?? .conll
        return try TokenClassificationFile(contentsOf: url, format: format, labelNames: labels)
    }
}
