// swift-bert — the `bert` command.

import ArgumentParser
import Checkpoints
import Foundation

/// `bert download`: fetches a Hub model into the HF cache ahead of time.
struct DownloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a Hub model into the HF cache and print its snapshot folder.",
        discussion: """
            Files land in huggingface_hub's layout (models--ORG--NAME/blobs, snapshots, refs) \
            under $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub, from \
            $HF_ENDPOINT (default https://huggingface.co) with $HF_TOKEN if set. Files already \
            cached are not downloaded again; with HF_HUB_OFFLINE=1 nothing is.
            """)

    @Argument(help: "A Hub repository id: bert-base-uncased or org/name.")
    var repoID: String

    @Option(name: .long, help: "The branch, tag or commit.")
    var revision: String = "main"

    func validate() throws {
        do {
            try ModelResolver.validateRepositoryID(repoID)
        } catch {
            throw ValidationError("\(error)")
        }
        if let problem = HubNames.revisionProblem(revision) {
            throw ValidationError("--revision '\(revision)': \(problem)")
        }
    }

    func run() throws {
        let folder = try HubModels.resolver().snapshot(
            repoID, revision: revision, includeOptional: true)
        print(folder.path)
    }
}
