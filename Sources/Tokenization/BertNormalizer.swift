// swift-bert — BERT tokenization.

import Foundation

/// Text normalization of BERT's tokenizer: cleaning, CJK spacing, accent stripping and
/// lower-casing, one Unicode scalar at a time.
///
/// Matches `tokenizers`' `BertNormalizer` (the backend of transformers' `BertTokenizer`):
/// 1. clean text: NUL, U+FFFD and control characters (categories Cc, Cf, Co, Cs other than
///    tab, LF and CR) are dropped; whitespace becomes a space;
/// 2. CJK ideographs get a space on each side, so each becomes its own word;
/// 3. strip accents: canonical decomposition (NFD), then nonspacing marks (Mn) removed;
/// 4. lower-case: each scalar's full lowercase mapping (context-free, as Rust's
///    `char::to_lowercase`; so a final Σ becomes σ, not ς).
/// Works on scalars, never on `Character`s: a grapheme cluster would hide combining marks.
public struct BertNormalizer: Sendable, Equatable {
    public var cleanText: Bool
    public var handleChineseCharacters: Bool
    public var stripAccents: Bool
    public var lowercase: Bool

    /// Creates a normalizer; `stripAccents` nil follows `lowercase`, as in transformers.
    public init(
        cleanText: Bool = true, handleChineseCharacters: Bool = true, stripAccents: Bool? = nil,
        lowercase: Bool = true
    ) {
        self.cleanText = cleanText
        self.handleChineseCharacters = handleChineseCharacters
        self.stripAccents = stripAccents ?? lowercase
        self.lowercase = lowercase
    }

    /// Appends the normalized form of `scalars` to `output`.
    public func normalize<S: Sequence>(_ scalars: S, into output: inout [Unicode.Scalar])
    where S.Element == Unicode.Scalar {
        for scalar in scalars {
            let value = scalar.value
            if value < 0x80 {
                appendASCII(UInt8(value), to: &output)
            } else {
                appendNonASCII(scalar, to: &output)
            }
        }
    }

    /// Appends the normalized form of `scalars` to `output`, and to `sources`, for each scalar
    /// appended, the index in `scalars` of the scalar it came from.
    ///
    /// This is `tokenizers`' `NormalizedString` alignment, one scalar at a time: every step
    /// of the pipeline maps one scalar to zero or more, so each output scalar has exactly one
    /// source (the spaces put around a CJK ideograph included). A word's span in the
    /// original text is therefore `sources[first]..<sources[last] + 1`.
    public func normalize(
        _ scalars: ArraySlice<Unicode.Scalar>, into output: inout [Unicode.Scalar],
        sources: inout [Int]
    ) {
        for index in scalars.indices {
            let scalar = scalars[index]
            let before = output.count
            if scalar.value < 0x80 {
                appendASCII(UInt8(scalar.value), to: &output)
            } else {
                appendNonASCII(scalar, to: &output)
            }
            for _ in before..<output.count { sources.append(index) }
        }
    }

    /// The normalized form of `text`, as a string (for tests and debugging).
    public func normalize(_ text: String) -> String {
        var output: [Unicode.Scalar] = []
        normalize(text.unicodeScalars, into: &output)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: output)
        return String(result)
    }

    @inline(__always)
    private func appendASCII(_ byte: UInt8, to output: inout [Unicode.Scalar]) {
        if cleanText {
            switch byte {
            case 0x09, 0x0A, 0x0D, 0x20:
                output.append(" ")
                return
            case 0x00...0x1F, 0x7F:
                return
            default: break
            }
        }
        if lowercase && byte >= 0x41 && byte <= 0x5A {
            output.append(Unicode.Scalar(byte + 0x20))
        } else {
            output.append(Unicode.Scalar(byte))
        }
    }

    private func appendNonASCII(_ scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        if cleanText {
            if scalar.value == 0xFFFD || CharacterClass.isControl(scalar) { return }
            if CharacterClass.isWhitespace(scalar) {
                output.append(" ")
                return
            }
        }
        let isCJK = handleChineseCharacters && CharacterClass.isCJKIdeograph(scalar)
        if isCJK { output.append(" ") }
        if stripAccents && CharacterClass.hasReferenceDecomposition(scalar) {
            for part in String(scalar).decomposedStringWithCanonicalMapping.unicodeScalars
            where !CharacterClass.isNonspacingMark(part) {
                appendLowercased(part, to: &output)
            }
        } else if !(stripAccents && CharacterClass.isNonspacingMark(scalar)) {
            appendLowercased(scalar, to: &output)
        }
        if isCJK { output.append(" ") }
    }

    @inline(__always)
    private func appendLowercased(_ scalar: Unicode.Scalar, to output: inout [Unicode.Scalar]) {
        guard lowercase, scalar.properties.changesWhenLowercased else {
            output.append(scalar)
            return
        }
        output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
    }
}
