// swift-bert — training.

import BERT
import Foundation
import Randomness
import Tokenization

/// A question-answering model ready to use: a folder's tokenizer and BertForQuestionAnswering
/// together, answering as transformers' `pipeline("question-answering")` does (its windows of
/// `max_seq_len` tokens sharing `doc_stride`, then ``AnswerDecoder``).
///
/// ```swift
/// let qa = try QuestionAnswerer(folder: URL(fileURLWithPath: "runs/squad"))
/// let best = try qa.answer(question: "Where does Anna live?", context: "Anna lives in Oslo.")[0]
/// print(best.answer, best.start, best.end, best.score)
/// ```
public final class QuestionAnswerer: @unchecked Sendable {
    public let tokenizer: BertTokenizer
    public let model: BertForQuestionAnswering
    public let loadReport: LoadReport
    /// The folder the model came from (named in errors).
    public let folder: URL
    /// The windows' length and overlap.
    public let windowing: AnswerWindowing
    /// How answers are chosen from the logits.
    public var options = AnswerDecodingOptions()
    private let activations: QuestionAnsweringActivations

    /// Loads the tokenizer and model of a Hugging Face folder.
    /// - Parameters:
    ///   - maxSequenceLength: `max_seq_len` (default: the tokenizer's `model_max_length`, at
    ///     most 384, and never past the model's positions).
    ///   - documentStride: `doc_stride` (default: half the window, at most 128).
    /// - Throws: ``ModelError/vocabularyMismatch(folder:tokenizer:embeddingRows:)``,
    ///   `TrainingError.invalidOption` for a stride past the window, and loading errors.
    public init(folder: URL, maxSequenceLength: Int? = nil, documentStride: Int? = nil) throws {
        self.folder = folder
        (tokenizer, model, loadReport) = try BertForQuestionAnswering.loadForInference(
            from: folder)
        let positions = model.configuration.maxPositionEmbeddings
        windowing = try AnswerWindowing(
            modelMaxLength: model.inputLimit(nil, tokenizer: tokenizer),
            maxSequenceLength: maxSequenceLength.map { min($0, positions) },
            documentStride: documentStride)
        activations = QuestionAnsweringActivations(configuration: model.configuration)
    }

    /// The best answers (``AnswerDecodingOptions/topK``, best first) to `question` in
    /// `context`, spans in code points of the context.
    /// - Throws: `TrainingError.invalidOption` for an empty question or context (the pipeline
    ///   refuses them), `TokenizerError` when the question leaves no room for the context,
    ///   ``ModelError/nonFiniteLogits(folder:input:)``.
    public func answer(question: String, context: String, index: Int = 0) throws -> [ExtractedAnswer] {
        for (name, text) in [("question", question), ("context", context)] where text.isEmpty {
            throw TrainingError.invalidOption(name: name, value: "empty", expected: "a non-empty text")
        }
        let encodings = try tokenizer.encode(
            question: question, context: context, maxLength: windowing.maxSequenceLength,
            stride: windowing.documentStride)
        let logits = try model.logits(for: PackedBatch(encodings: encodings), activations: activations)
        if logits.contains(where: { $0.start.contains { !$0.isFinite } || $0.end.contains { !$0.isFinite } }) {
            throw ModelError.nonFiniteLogits(folder: folder.path, input: index)
        }
        let windows = zip(encodings, logits).map { encoding, logits in
            AnswerWindow(
                tokenIDs: encoding.inputIDs.map(Int.init), sequenceIDs: encoding.sequenceIDs,
                wordIDs: encoding.wordIDs, offsets: encoding.offsets, startLogits: logits.start,
                endLogits: logits.end)
        }
        return AnswerDecoder.answers(
            context: context, windows: windows,
            clsTokenID: Int(tokenizer.specialTokens.classifier), options: options)
    }
}
