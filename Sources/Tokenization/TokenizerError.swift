// swift-bert — BERT tokenization.

/// Everything that can go wrong while loading a tokenizer or reading text to tokenize.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The model folder has neither `tokenizer.json` nor `vocab.txt`.
    case missingVocabulary(folder: String)
    /// A file could not be read.
    case unreadableFile(path: String, reason: String)
    /// A JSON file is not valid JSON, or a field has the wrong type or value.
    case invalidField(file: String, field: String, reason: String)
    /// A feature of `tokenizer.json` that this tokenizer does not implement.
    case unsupported(file: String, field: String, value: String)
    /// A special token (`[CLS]`, `[SEP]`, …) is not in the vocabulary.
    case missingSpecialToken(file: String, token: String)
    /// A line of input is not valid UTF-8.
    case invalidUTF8(source: String, line: Int)
    /// A window stride that transformers rejects for this window length (see
    /// ``BertTokenizer/windowRanges(count:maxLength:stride:)``).
    case invalidStride(stride: Int, maxLength: Int)
    /// A question (the first text of a pair truncated `only_second`) that leaves no room for
    /// its context: transformers' "Sequence to truncate too short to respect the provided
    /// max_length" (see ``BertTokenizer/onlySecondWindows(first:second:maxLength:stride:)``).
    case questionTooLong(questionTokens: Int, maxLength: Int)
    /// A stride at least as long as the context part of a window (`maxLength` − 3 −
    /// `firstTokens`), where `tokenizers` panics.
    case invalidPairStride(stride: Int, maxLength: Int, firstTokens: Int)

    public var description: String {
        switch self {
        case .missingVocabulary(let folder):
            return "\(folder): no vocabulary: expected tokenizer.json or vocab.txt in the folder"
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .invalidField(let file, let field, let reason):
            return "\(file): field '\(field)': \(reason)"
        case .unsupported(let file, let field, let value):
            return "\(file): field '\(field)': unsupported value '\(value)'"
        case .missingSpecialToken(let file, let token):
            return "\(file): special token '\(token)' is not in the vocabulary"
        case .invalidUTF8(let source, let line):
            return "\(source):\(line): input is not valid UTF-8"
        case .invalidStride(let stride, let maxLength):
            return "stride \(stride) must be at least 0 and less than max_length \(maxLength) "
                + "minus the 2 special tokens"
        case .questionTooLong(let questionTokens, let maxLength):
            return "the question has \(questionTokens) tokens, which with the 3 special tokens "
                + "leave no room for the context in max_length \(maxLength); raise max_length "
                + "or shorten the question"
        case .invalidPairStride(let stride, let maxLength, let firstTokens):
            let room = maxLength - 3 - firstTokens
            return "stride \(stride) must be less than the \(room) context tokens a window holds "
                + "(max_length \(maxLength) minus the 3 special tokens and the question's "
                + "\(firstTokens) tokens)"
        }
    }
}
