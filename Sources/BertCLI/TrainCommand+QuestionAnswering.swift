// swift-bert — the `bert` command.

import BERT
import Datasets
import Distributed
import Foundation
import Randomness
import Tokenization
import Training

extension TrainCommand {
    /// `bert train --task squad`: BertForQuestionAnswering on SQuAD v1.1/v2.0 JSON or JSON
    /// lines, as transformers' `run_qa.py` trains it: question first, the context cut into
    /// windows of `--max-length` tokens sharing `--doc-stride`, answers as start/end positions
    /// ([CLS] when a window does not hold it), and after every epoch the official SQuAD exact
    /// match and F1 of the post-processed answers on the validation questions (the
    /// `--validation` file, or `--validation-fraction` of the training questions). Saves an HF
    /// folder that transformers' `BertForQuestionAnswering` loads.
    func runQuestionAnswering(_ communicator: Communicator) throws {
        let modelURL = try modelOptions.modelURL
        guard let trainPath = taskOptions.train else { throw CLIError("--task squad needs --train FILE") }
        try checkOutput(model: modelURL, communicator)
        try refuseUnsupportedOptions(for: "--task squad")
        let tokenizer = try BertTokenizer.load(from: modelURL)
        let maxLength = try taskOptions.maxLength(forModelAt: modelURL)
        let (trainExamples, validationExamples) = try trainAndValidation(
            try Self.readSquad(trainPath), validation: Self.readSquad)
        let unanswerable = (trainExamples + validationExamples).filter(\.isImpossible).count
        let stride = squadOptions.docStride
        let train = QuestionAnsweringSet(
            examples: [],
            features: try QuestionAnsweringFeatures(
                examples: trainExamples, tokenizer: tokenizer, maxLength: maxLength,
                stride: stride, keepingOffsets: false),
            postprocessing: squadOptions.postprocessing)
        let validation = QuestionAnsweringSet(
            examples: validationExamples,
            features: try QuestionAnsweringFeatures(
                examples: validationExamples, tokenizer: tokenizer, maxLength: maxLength,
                stride: stride),
            postprocessing: squadOptions.postprocessing)

        var generator = SeededGenerator(seed: training.seed, stream: Self.initializationStream)
        let (model, report) = try BertForQuestionAnswering.load(
            from: modelURL, dropout: training.dropout, generator: &generator)
        try model.checkVocabulary(of: tokenizer, folder: modelOptions.model)
        let out = reporter(communicator)
        out.text(
            "\(grouped(trainExamples.count)) training questions (\(grouped(train.count)) windows), "
                + "\(grouped(validationExamples.count)) validation questions "
                + "(\(grouped(validation.count)) windows), SQuAD "
                + (squadOptions.version2WithNegative ? "v2.0 (unanswerable questions allowed)" : "v1.1"))
        if unanswerable > 0 && !squadOptions.version2WithNegative {
            out.notice(
                "warning: \(unanswerable) questions have no answer (SQuAD v2.0): they train on "
                    + "[CLS], but evaluation never predicts no answer without --version-2-with-negative")
        }
        _ = try fineTune(
            model, report: report, on: train, validation: validation, out: out,
            communicator: communicator)
        guard communicator.isWriter else { return }
        try saveFinalModel(model, out: out)
    }

    /// A SQuAD JSON file (`.json`) or JSON lines (`.jsonl`) of questions.
    static func readSquad(_ path: String) throws -> [QuestionAnsweringExample] {
        let url = URL(fileURLWithPath: path)
        let format = SquadFormat(pathExtension: url.pathExtension) ?? .json
        return try SquadFile(contentsOf: url, format: format).examples
    }
}
