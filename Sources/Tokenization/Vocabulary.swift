// swift-bert — BERT tokenization.

/// A WordPiece vocabulary: token strings and their ids.
public struct Vocabulary: Sendable {
    /// Token string for each id (`vocab.txt` line order).
    public let tokens: [String]
    private let ids: [String: Int32]

    /// Creates a vocabulary from tokens in id order.
    public init(tokens: [String]) {
        self.tokens = tokens
        var ids = [String: Int32](minimumCapacity: tokens.count)
        for (index, token) in tokens.enumerated() where ids[token] == nil {
            ids[token] = Int32(index)
        }
        self.ids = ids
    }

    /// The number of ids.
    public var count: Int { tokens.count }

    /// The id of `token`, or nil when it is not in the vocabulary.
    @inlinable public func id(for token: String) -> Int32? { lookup(token) }

    @usableFromInline func lookup(_ token: String) -> Int32? { ids[token] }

    /// The token of `id`, or `"[UNK]"`-style placeholder text when out of range.
    public func token(for id: Int32) -> String {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : "<id \(id)>"
    }

    /// Parses `vocab.txt`: one token per line, the id is the 0-based line number.
    ///
    /// Matches transformers' `load_vocab`, which strips only the trailing `\n` of each line.
    public static func parse(vocabText: String) -> Vocabulary {
        var tokens = vocabText.split(separator: "\n", omittingEmptySubsequences: false).map(
            String.init)
        if tokens.last == "" { tokens.removeLast() }
        return Vocabulary(tokens: tokens)
    }
}
