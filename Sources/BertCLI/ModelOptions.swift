// swift-bert — the `bert` command.

import ArgumentParser
import Checkpoints
import Foundation

/// The model argument shared by every subcommand that loads a checkpoint or tokenizer.
struct ModelOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            A Hugging Face model folder (config.json, tokenizer.json or vocab.txt, \
            model.safetensors), or a Hub id (bert-base-uncased, org/name) resolved through the \
            HF cache and downloaded into it if missing.
            """)
    var model: String

    @Option(name: .long, help: "The Hub branch, tag or commit of a Hub id.")
    var revision: String = "main"

    /// The model folder: `--model` itself, or its snapshot in the HF cache.
    ///
    /// Resolving a Hub id reads the cache and, for files it lacks, the network (never when
    /// `HF_HUB_OFFLINE=1`); repeated reads find everything cached and make no request.
    var modelURL: URL {
        get throws { try HubModels.resolver().resolve(model, revision: revision) }
    }

    /// Checks the argument's form only: no file is read from the cache and no request is made.
    func validate() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model, isDirectory: &isDirectory),
            isDirectory.boolValue
        {
            return
        }
        let looksLikePath = model.hasPrefix("/") || model.hasPrefix(".") || model.hasPrefix("~")
        guard !looksLikePath, (try? ModelResolver.validateRepositoryID(model)) != nil else {
            throw ValidationError("\(model): no such model folder")
        }
        if let problem = HubNames.revisionProblem(revision) {
            throw ValidationError("--revision '\(revision)': \(problem)")
        }
    }
}

/// The CLI's resolver: settings from the environment, download progress on stderr.
enum HubModels {
    /// - Throws: `CheckpointError` for a Hub environment variable of the wrong form.
    static func resolver() throws -> ModelResolver {
        try HubSettings.validate(environment: ProcessInfo.processInfo.environment)
        return ModelResolver(settings: HubSettings()) { event in
            switch event {
            case .downloading(let repository, let file, let size):
                let amount = size.map { String(format: " (%.1f MB)", Double($0) / 1e6) } ?? ""
                FileHandle.standardError.write(
                    Data("Downloading \(repository)/\(file)\(amount)\n".utf8))
            case .received, .downloaded:
                break
            }
        }
    }
}
