// swift-bert — the `bert` command.

import BERT
import Datasets
import Distributed
import Foundation
import Randomness
import Tokenization
import Training

extension TrainCommand {
    /// `bert train --task mlm`: BertForMaskedLM on a text file (one text a line) or JSON lines
    /// (`"text"`), as transformers' `run_mlm.py --line_by_line` trains it: each text truncated
    /// to `--max-length`, 15 % of the tokens masked afresh every epoch as
    /// DataCollatorForLanguageModeling masks them (80 % [MASK], 10 % a random token, 10 % kept;
    /// whole words with `--whole-word-mask`), seeded by `--seed` so a run repeats; after every
    /// epoch the validation texts' masked-token loss and perplexity (`exp(loss)`). A checkpoint
    /// without the MLM head gets it newly initialized, and says so. Saves an HF folder that
    /// transformers' `BertForMaskedLM` and the fill-mask pipeline load.
    func runMaskedLanguageModeling(_ communicator: Communicator) throws {
        let modelURL = try modelOptions.modelURL
        guard let trainPath = taskOptions.train else { throw CLIError("--task mlm needs --train FILE") }
        try checkOutput(model: modelURL, communicator)
        try refuseUnsupportedOptions(for: "--task mlm")
        let tokenizer = try BertTokenizer.load(from: modelURL)
        let maxLength = try taskOptions.maxLength(forModelAt: modelURL)
        let (trainTexts, validationTexts) = try trainAndValidation(
            try Self.readTexts(trainPath), validation: Self.readTexts)
        let masking = try MaskedLanguageModeling(
            tokenizer: tokenizer, seed: training.seed, probability: mlmOptions.mlmProbability,
            wholeWordMask: mlmOptions.wholeWordMask)
        let train = MaskedLanguageModelingExamples(
            texts: trainTexts, tokenizer: tokenizer, maxLength: maxLength, masking: masking)
        let validation = MaskedLanguageModelingExamples(
            texts: validationTexts, tokenizer: tokenizer, maxLength: maxLength, masking: masking)

        var generator = SeededGenerator(seed: training.seed, stream: Self.initializationStream)
        let (model, report) = try BertForMaskedLM.load(
            from: modelURL, dropout: training.dropout, generator: &generator)
        try model.checkVocabulary(of: tokenizer, folder: modelOptions.model)
        let out = reporter(communicator)
        out.text(
            "\(grouped(train.count)) training and \(grouped(validation.count)) validation texts, "
                + "\(fixed(mlmOptions.mlmProbability * 100, 0)) % of tokens masked"
                + (mlmOptions.wholeWordMask ? " by whole words" : ""))
        if MaskedLanguageModeling.resetsReplacement(
            wholeWordMask: mlmOptions.wholeWordMask, maskReplaceProbability: 0.8)
        {
            out.notice(
                "warning: random token replacement is not supported with whole word masking: "
                    + "every selected word becomes [MASK] (as transformers does)")
        }
        _ = try fineTune(
            model, report: report, on: train, validation: validation, out: out,
            communicator: communicator)
        guard communicator.isWriter else { return }
        try saveFinalModel(model, out: out)
    }

    /// A text file (one text a line; `.jsonl`: JSON lines with `"text"`), blank lines dropped.
    static func readTexts(_ path: String) throws -> [String] {
        let url = URL(fileURLWithPath: path)
        let format = TextFileFormat(pathExtension: url.pathExtension) ?? .lines
        let texts = try TextFile(contentsOf: url, format: format).texts
        guard !texts.isEmpty else { throw CLIError("\(path): no text to train on (every line is blank)") }
        return texts
    }
}
