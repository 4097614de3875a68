// swift-bert — BERT tokenization.

/// The character classes BERT's tokenizer uses, defined as `tokenizers` defines them.
///
/// `tokenizers` takes general categories (control, punctuation, nonspacing mark) from the
/// `unicode_categories` crate, whose tables are Unicode 8.0, while whitespace and case come
/// from Rust's standard library (current Unicode). So a scalar assigned after Unicode 8.0 is
/// unassigned (Cn) for those three tests: kept, not punctuation, not stripped as an accent.
/// Swift's own tables are newer; ``isInCategoryTables(_:)`` restores the older view.
/// Tests/Fixtures/tokenizer/codepoints.tsv checks every scalar.
public enum CharacterClass {
    /// Whether `scalar` was assigned by Unicode 8.0, the version of the category tables of
    /// `tokenizers`.
    @inlinable
    public static func isInCategoryTables(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 8 || (age.major == 8 && age.minor == 0)
    }

    /// A nonspacing mark (Mn), which accent stripping removes after NFD.
    @inlinable
    public static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        // Mn in Unicode 8.0, spacing marks (Mc) since.
        case 0x1734, 0x1171E: return true
        // Mc or Po in Unicode 8.0, Mn since.
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false
        default:
            return scalar.properties.generalCategory == .nonspacingMark
                && isInCategoryTables(scalar)
        }
    }

    /// Whether `tokenizers`' normalization tables decompose `scalar` as Swift's do: U+11938
    /// (DIVES AKURU VOWEL SIGN O) gained its canonical decomposition after those tables.
    @inlinable
    public static func hasReferenceDecomposition(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value != 0x11938
    }

    /// Control characters that cleaning drops: general categories Cc, Cf, Co and Cs, except
    /// tab, LF and CR (which count as whitespace). Unassigned code points (Cn) are kept, as
    /// `tokenizers`' `is_control` keeps them.
    @inlinable
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        default: break
        }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse, .surrogate: return isInCategoryTables(scalar)
        default: return false
        }
    }

    /// Whitespace: tab, LF, CR and Unicode's White_Space property (Rust's `char::is_whitespace`).
    @inlinable
    public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D, 0x20: return true
        case 0..<0x80: return false
        default: return scalar.properties.isWhitespace
        }
    }

    /// Punctuation by BERT's rule: the ASCII symbol ranges (so `$`, `+`, `^`, `` ` `` count)
    /// plus every Unicode punctuation category (P*).
    @inlinable
    public static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 0x80 {
            return (33...47).contains(value) || (58...64).contains(value)
                || (91...96).contains(value) || (123...126).contains(value)
        }
        // Punctuation (Po) in Unicode 8.0, a symbol or a mark since.
        if value == 0x166D || value == 0x111C9 { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return isInCategoryTables(scalar)
        default:
            return false
        }
    }

    /// CJK ideographs, the blocks BERT splits into single-character words.
    ///
    /// Matches `tokenizers`' `is_chinese_char`. Hiragana, Katakana and Hangul are not in it.
    @inlinable
    public static func isCJKIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
            0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
