// swift-bert — training: word pieces back to text, as the tokenizers WordPiece decoder.

/// Joins WordPiece tokens into text as tokenizers' `decoders.WordPiece(prefix="##",
/// cleanup=True)` does, which is what transformers 5's `BertTokenizer.convert_tokens_to_string`
/// calls (and so what the NER pipeline shows as an entity's `word`).
///
/// It lives here rather than in Tokenization because only the pipeline's grouping needs it.
public enum WordPieceDecoder {
    /// Decodes `tokens` (tokenizers' `WordPiece::decode_chain`, then the joined pieces).
    ///
    /// Every token after the first loses a leading `prefix` or, without one, gets a space in
    /// front; then, when `cleanup` is on, **each token on its own** has the clean-up
    /// replacements applied (` .` → `.`, ` ?`, ` !`, ` ,`, ` ' ` → `'`, ` n't`, ` 'm`,
    /// ` do not` → ` don't`, ` 's`, ` 've`, ` 're`). Because it works per token, `a ' s`
    /// stays as it is, unlike transformers' Python `clean_up_tokenization` on the whole text.
    /// The first token keeps its prefix (`##ble` decodes to `##ble`).
    public static func decode(_ tokens: [String], prefix: String = "##", cleanup: Bool = true)
        -> String
    {
        var text = ""
        for (index, token) in tokens.enumerated() {
            var piece = token
            if index != 0 {
                // By bytes, as Rust's `starts_with`: Swift's `hasPrefix` compares characters,
                // so it misses "##" followed by a combining mark.
                if !prefix.isEmpty, piece.utf8.starts(with: prefix.utf8) {
                    piece = String(decoding: piece.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                } else {
                    piece = " " + piece
                }
            }
            text += cleanup ? cleaned(piece) : piece
        }
        return text
    }

    /// tokenizers' `decoders::wordpiece::cleanup`, in its order.
    private static let replacements: [(String, String)] = [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
        (" 'm", "'m"), (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ]

    private static func cleaned(_ piece: String) -> String {
        var piece = piece
        for (from, to) in replacements {
            piece = replacingAll(from, with: to, in: piece)
        }
        return piece
    }

    /// Rust's `str::replace`: every non-overlapping match, left to right, compared by bytes
    /// (Swift's `==` on strings would match canonical equivalents, which Rust does not).
    static func replacingAll(_ target: String, with replacement: String, in text: String)
        -> String
    {
        let source = Array(text.utf8)
        let pattern = Array(target.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(source.count)
        var index = 0
        while index < source.count {
            if index + pattern.count <= source.count,
                source[index..<(index + pattern.count)].elementsEqual(pattern)
            {
                output.append(contentsOf: replacement.utf8)
                index += pattern.count
            } else {
                output.append(source[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
