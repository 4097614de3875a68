// swift-bert — training: the few Python string operations that SQuAD's scripts rely on.

import Datasets

/// Python 3's `str` semantics on Unicode scalars, for code that must agree with Python
/// scripts character for character.
///
/// Swift's `String` compares and hashes by canonical equivalence (`"é" == "e\u{301}"`) and
/// its `lowercased()` knows no final sigma; Python compares code points and lower-cases
/// `Σ` by context. Everything here works on `[Unicode.Scalar]` so that neither difference
/// leaks in. (Unicode data is Swift's, which may be newer than a given Python's; characters
/// assigned in between can differ.)
enum PythonText {
    /// `str.lower()`: each scalar's full lowercase mapping (SpecialCasing's unconditional
    /// entries, so `İ` becomes `i̇`), and `Σ` becomes `ς` in the Final_Sigma context, as
    /// CPython's `handle_capital_sigma`: preceded by a cased letter (skipping case-ignorable
    /// ones) and not followed by one.
    static func lower(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(scalars.count)
        for (index, scalar) in scalars.enumerated() {
            if scalar.value == 0x3A3 {
                output.append(isFinalSigma(scalars, at: index) ? "\u{3C2}" : "\u{3C3}")
            } else if scalar.properties.changesWhenLowercased {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            } else {
                output.append(scalar)
            }
        }
        return output
    }

    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0, scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count, scalars[after].properties.isCaseIgnorable { after += 1 }
        return after == scalars.count || !scalars[after].properties.isCased
    }

    /// `str.split()` without arguments: the runs of non-space characters.
    static func split(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var parts: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if scalar.isPythonWhitespace {
                if !current.isEmpty { parts.append(current) }
                current = []
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { parts.append(current) }
        return parts
    }

    /// A word character of `re` on `str` patterns (`\w`): `str.isalnum()` (a letter of
    /// category L*, or a character with a numeric value) or `_`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return scalar.properties.numericType != nil
        }
    }

    /// `s[from:to]` with Python's clamping, on code points.
    static func slice(_ scalars: [Unicode.Scalar], _ from: Int, _ to: Int) -> String {
        let start = min(max(from, 0), scalars.count)
        let end = min(max(to, start), scalars.count)
        return String(String.UnicodeScalarView(scalars[start..<end]))
    }

    /// Code-point equality of two strings (Python's `==`), not Swift's canonical one.
    static func equal(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.elementsEqual(b.unicodeScalars)
    }
}
