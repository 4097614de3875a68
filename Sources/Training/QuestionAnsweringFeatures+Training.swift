// swift-bert — training: question-answering windows as a training set.

import BERT
import Datasets

/// SQuAD windows with their answer positions: two labels per sequence in a batch,
/// `[start0, end0, start1, end1, …]` (`PackedBatch.fill(from:indices:)` with features),
/// for transformers' `BertForQuestionAnswering` (`qa_outputs` with `num_labels` 2).
extension QuestionAnsweringFeatures: TrainingExamples {
    public func length(of index: Int) -> Int { encoded.length(of: index) }

    public func fill(_ batch: inout PackedBatch, indices: ArraySlice<Int>) {
        batch.fill(from: self, indices: indices)
    }

    /// The model must be a `BertForQuestionAnswering` (by its `architecture`) with two labels,
    /// a start and an end logit per token. The positions themselves lie inside their windows
    /// by construction.
    public func checkLabels(for model: BertPreTrainedModel) throws {
        let architecture = type(of: model).architecture
        guard architecture == "BertForQuestionAnswering" else {
            throw TrainingError.unsupportedProblemType("answer spans for \(architecture)")
        }
        guard model.configuration.numLabels == 2 else {
            throw TrainingError.invalidOption(
                name: "num_labels", value: "\(model.configuration.numLabels)",
                expected: "2, a start and an end logit per token")
        }
    }

    /// Not yet: evaluating answer spans needs the question-answering head's logits and
    /// run_qa's post-processing with the SQuAD metric, which are wired where they live.
    /// - Throws: ``TrainingError/unsupportedProblemType(_:)`` always, for now.
    public func evaluate(with tuner: FineTuner) throws -> EvaluationResult {
        throw TrainingError.unsupportedProblemType(
            "evaluating question-answering windows with \(type(of: tuner.model).architecture)")
    }
}
