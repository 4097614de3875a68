// swift-bert — the `bert` command.

import ArgumentParser
import Foundation

/// The model argument shared by every subcommand that loads a checkpoint or tokenizer.
struct ModelOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "A Hugging Face model folder (config.json, tokenizer.json or vocab.txt, model.safetensors).")
    var model: String

    var modelURL: URL { URL(fileURLWithPath: model) }

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw ValidationError("\(model): no such model folder")
        }
    }
}
