// swift-bert — tokenizer tests.

import Foundation
import Tokenization
import XCTest
import _TestSupport

/// Every Unicode scalar, normalized and pre-tokenized between two letters, against what
/// transformers' tokenizer does with it (Tests/Fixtures/tokenizer/codepoints.tsv, made by
/// Tools/reference/make_codepoint_fixture.py).
final class CodePointParityTests: XCTestCase {
    private func words(_ text: String, normalizer: BertNormalizer) -> [String] {
        var normalized: [Unicode.Scalar] = []
        normalizer.normalize(text.unicodeScalars, into: &normalized)
        var words: [String] = []
        BertPreTokenizer.forEachWord(in: normalized) { word in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: word)
            words.append(String(view))
        }
        return words
    }

    private func hexScalars(_ text: Substring) -> String {
        text.unicodeScalars.map { String($0.value, radix: 16, uppercase: true) }.joined(
            separator: " ")
    }

    /// The fixture's class for one scalar, computed the fixture's way from Swift's output.
    private func observedClass(of scalar: Unicode.Scalar, normalizer: BertNormalizer) -> String? {
        let result = words("x\(String(scalar))x", normalizer: normalizer)
        if result == ["xx"] { return "drop" }
        if result == ["x", "x"] { return "space" }
        if result.count == 3, result[0] == "x", result[2] == "x" {
            let middle = hexScalars(Substring(result[1]))
            return middle == String(scalar.value, radix: 16, uppercase: true)
                ? "split" : "split\t\(middle)"
        }
        // Compare scalars, not Characters: "x" and a combining mark form one Character.
        if result.count == 1, let first = result[0].unicodeScalars.first,
            let last = result[0].unicodeScalars.last, first == "x", last == "x",
            result[0].unicodeScalars.count >= 2
        {
            let middle = Substring(result[0].unicodeScalars.dropFirst().dropLast())
            if middle.unicodeScalars.elementsEqual(CollectionOfOne(scalar)) { return nil }
            return "map\t\(hexScalars(middle))"
        }
        return "words\t" + result.map { hexScalars(Substring($0)) }.joined(separator: "|")
    }

    func testEveryScalarIsNormalizedAndSplitAsTransformersDoes() throws {
        let text = try String(
            contentsOf: TestPaths.fixture("tokenizer/codepoints.tsv"), encoding: .utf8)
        var expected: [UInt32: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", maxSplits: 1)
            let span = fields[0].split(separator: "-").compactMap { UInt32($0, radix: 16) }
            let kind = String(fields[1])
            for value in span[0]...(span.count > 1 ? span[1] : span[0]) { expected[value] = kind }
        }
        let normalizer = BertNormalizer(lowercase: true)
        var mismatches: [String] = []
        var checked = 0
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            checked += 1
            let want = expected[value]
            let got = observedClass(of: scalar, normalizer: normalizer)
            if want != got {
                mismatches.append(
                    "U+\(String(value, radix: 16, uppercase: true)): want \(want ?? "keep") got \(got ?? "keep")"
                )
            }
        }
        XCTAssertEqual(checked, 0x110000 - 0x800)
        XCTAssertTrue(
            mismatches.isEmpty,
            "\(mismatches.count) scalars differ; first: \(mismatches.prefix(40).joined(separator: "; "))")
    }
}
