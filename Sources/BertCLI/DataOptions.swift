// swift-bert — the `bert` command.

import ArgumentParser
import Foundation
import Tokenization
import Training

/// Which task's data to read, and how to tokenize it (`data`, `train`, `evaluate`).
struct TaskOptions: ParsableArguments {
    @Option(name: .long, help: "The task; only 'cola' for now.")
    var task: String = "cola"

    @Option(name: .long, help: "cola_public_1.1.zip or its unzipped folder.")
    var data: String

    @Option(name: .long, help: "Truncate inputs to this many tokens, special tokens included.")
    var maxLength: Int = 64

    var dataURL: URL { URL(fileURLWithPath: data) }

    func validate() throws {
        guard task == "cola" else { throw ValidationError("--task: only 'cola' is supported") }
        if maxLength < 2 { throw ValidationError("--max-length must be ≥ 2") }
    }
}

/// The train/validation split of the training file (`data`, `train`).
struct SplitOptions: ParsableArguments {
    @Option(name: .long, help: "Fraction of the training file held out for validation.")
    var validationFraction: Double = 0.1

    @Option(name: .long, help: "Seed of the train/validation split.")
    var splitSeed: UInt64 = 2018

    func validate() throws {
        if !(0..<1).contains(validationFraction) {
            throw ValidationError("--validation-fraction must be in [0, 1)")
        }
    }

    /// Loads and tokenizes the task's data with this split.
    func load(_ task: TaskOptions, tokenizer: BertTokenizer) throws -> ClassificationData {
        try ClassificationData.cola(
            contentsOf: task.dataURL, tokenizer: tokenizer, maxLength: task.maxLength,
            validationFraction: validationFraction, splitSeed: splitSeed)
    }
}
