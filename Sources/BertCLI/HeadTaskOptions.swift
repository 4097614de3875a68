// swift-bert — the `bert` command.

import ArgumentParser
import Training

/// `bert train --task squad`'s options, with `run_qa.py`'s names and defaults.
struct QuestionAnsweringOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "--task squad: tokens shared by consecutive windows of a long context (run_qa's doc_stride).")
    var docStride: Int = 128

    @Flag(name: .customLong("version-2-with-negative"), help: "--task squad: SQuAD v2.0, where a question may have no answer: the null answer competes in evaluation (run_qa's version_2_with_negative).")
    var version2WithNegative = false

    @Option(name: .long, parsing: .unconditional, help: "--task squad: the null answer wins when its score beats the best span's by more than this.")
    var nullScoreDiffThreshold: Float = 0

    @Option(name: .long, parsing: .unconditional, help: "--task squad: start and end positions paired, and answers kept, per question.")
    var nBestSize: Int = 20

    @Option(name: .long, parsing: .unconditional, help: "--task squad: the longest answer, in tokens.")
    var maxAnswerLength: Int = 30

    /// What was given on the command line, for refusing it outside `--task squad`.
    var given: [(name: String, given: Bool)] {
        [
            ("--doc-stride", docStride != 128), ("--version-2-with-negative", version2WithNegative),
            ("--null-score-diff-threshold", nullScoreDiffThreshold != 0),
            ("--n-best-size", nBestSize != 20), ("--max-answer-length", maxAnswerLength != 30),
        ]
    }

    var postprocessing: SquadPostprocessingOptions {
        SquadPostprocessingOptions(
            versionTwoWithNegative: version2WithNegative, nBestSize: nBestSize,
            maxAnswerLength: maxAnswerLength, nullScoreDifferenceThreshold: nullScoreDiffThreshold)
    }

    func validate() throws {
        if docStride < 0 { throw ValidationError("--doc-stride must be ≥ 0") }
        if nBestSize < 1 { throw ValidationError("--n-best-size must be ≥ 1") }
        if maxAnswerLength < 1 { throw ValidationError("--max-answer-length must be ≥ 1") }
        if !nullScoreDiffThreshold.isFinite {
            throw ValidationError("--null-score-diff-threshold must be a finite number")
        }
    }
}

/// `bert train --task mlm`'s options, as `run_mlm.py` and DataCollatorForLanguageModeling
/// name them.
struct MaskedLMOptions: ParsableArguments {
    @Option(name: .long, parsing: .unconditional, help: "--task mlm: the share of tokens masked.")
    var mlmProbability: Double = 0.15

    @Flag(name: .long, help: "--task mlm: mask whole words (all their pieces) at once.")
    var wholeWordMask = false

    var given: [(name: String, given: Bool)] {
        [("--mlm-probability", mlmProbability != 0.15), ("--whole-word-mask", wholeWordMask)]
    }

    func validate() throws {
        if !(mlmProbability > 0 && mlmProbability <= 1) {
            throw ValidationError("--mlm-probability must be in (0, 1]")
        }
    }
}
