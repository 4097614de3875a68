// swift-bert — Datasets: one extractive question-answering (SQuAD) example.

/// A question about a context, with the answers found in that context, as 🤗 datasets'
/// `squad` and `squad_v2` rows hold it (`id`, `title`, `context`, `question`,
/// `answers: {text, answer_start}`).
public struct QuestionAnsweringExample: Sendable, Hashable {
    /// One answer: its text and where it starts in the context.
    public struct Answer: Sendable, Hashable {
        /// The answer as written in the file.
        public var text: String
        /// Where it starts, in Unicode scalars of the context (Python `str` indices, SQuAD's
        /// `answer_start`).
        public var start: Int

        /// Creates an answer.
        public init(text: String, start: Int) {
            self.text = text
            self.start = start
        }

        /// The answer's span in the context's scalars: `start ..< start + len(text)`, as
        /// `run_qa.py` computes `end_char` (it never compares the text with the context).
        public var span: Range<Int> { start..<(start + text.unicodeScalars.count) }
    }

    /// The question's id (SQuAD's `id`), unique within a file.
    public var id: String
    /// The article's title (`""` when the file has none, as 🤗 datasets' loader).
    public var title: String
    /// The question, as in the file (`run_qa.py` strips its leading whitespace when it
    /// tokenizes; the file's text is kept here).
    public var question: String
    /// The paragraph the answers come from.
    public var context: String
    /// The answers: one for SQuAD's training sets, several (possibly repeated) for its dev
    /// sets, none for an unanswerable SQuAD 2.0 question.
    public var answers: [Answer]

    /// Creates an example.
    public init(
        id: String, title: String = "", question: String, context: String, answers: [Answer]
    ) {
        self.id = id
        self.title = title
        self.question = question
        self.context = context
        self.answers = answers
    }

    /// Whether the question has no answer in the context (SQuAD 2.0's `is_impossible`).
    public var isImpossible: Bool { answers.isEmpty }
}
