// swift-bert — Datasets tests: CoNLL and JSON Lines token-classification files.

import Datasets
import Foundation
import XCTest
import _TestSupport

final class TokenClassificationFileTests: XCTestCase {
    private func read(
        _ text: String, _ format: TokenClassificationFormat, labelNames: [String]? = nil
    ) throws -> TokenClassificationFile {
        try TokenClassificationFile(
            data: Data(text.utf8), file: "f.\(format.rawValue)", format: format,
            labelNames: labelNames)
    }

    private func message(
        _ text: String, _ format: TokenClassificationFormat, labelNames: [String]? = nil
    ) -> String {
        do {
            _ = try read(text, format, labelNames: labelNames)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testCoNLL2003FileKeepsTokenAndLastColumnAndSkipsDocstart() throws {
        let text = """
            -DOCSTART- -X- -X- O

            EU NNP B-NP B-ORG
            rejects VBZ B-VP O
            German JJ B-NP B-MISC

            Peter NNP B-NP B-PER
            Blackburn NNP I-NP I-PER


            -DOCSTART- -X- -X- O

            BRUSSELS NNP B-NP B-LOC

            """
        let read = try read(text, .conll)
        XCTAssertEqual(
            read.sentences,
            [
                TaggedSentence(
                    line: 3, words: ["EU", "rejects", "German"], tags: ["B-ORG", "O", "B-MISC"]),
                TaggedSentence(line: 7, words: ["Peter", "Blackburn"], tags: ["B-PER", "I-PER"]),
                TaggedSentence(line: 13, words: ["BRUSSELS"], tags: ["B-LOC"]),
            ])
        // run_ner.py's get_label_list: the distinct tags, sorted.
        XCTAssertEqual(read.labels, ["B-LOC", "B-MISC", "B-ORG", "B-PER", "I-PER", "O"])
    }

    func testCoNLLAcceptsTabsCRLFNoFinalNewlineAndByteOrderMark() throws {
        let cases: [(String, String)] = [
            ("two tab columns", "a\tB-X\nb\tO\n\nc\tO"),
            ("CR LF", "a B-X\r\nb O\r\n\r\nc O\r\n"),
            ("CR only", "a B-X\rb O\r\rc O\r"),
            ("spaces and tabs mixed, blank line of spaces", "a  \tB-X\nb O \n   \nc O\n\n\n"),
            ("byte-order mark", "\u{FEFF}a B-X\nb O\n\nc O\n"),
        ]
        for (label, text) in cases {
            let read = try read(text, .conll)
            XCTAssertEqual(read.sentences.map(\.words), [["a", "b"], ["c"]], label)
            XCTAssertEqual(read.sentences.map(\.tags), [["B-X", "O"], ["O"]], label)
            XCTAssertEqual(read.sentences.map(\.line), [1, 4], label)
        }
    }

    func testJSONLinesTakesStringTagsOrIntegerIdsIntoGivenLabels() throws {
        let text = """
            {"tokens": ["New", "York"], "tags": ["B-LOC", "I-LOC"]}

            {"tokens": ["is"], "tags": ["O"], "id": 7}
            """
        let read = try read(text, .jsonl)
        XCTAssertEqual(read.sentences.map(\.line), [1, 3])
        XCTAssertEqual(read.sentences.map(\.words), [["New", "York"], ["is"]])
        XCTAssertEqual(read.labels, ["B-LOC", "I-LOC", "O"])

        let ids = try self.read(
            "{\"tokens\": [\"a\", \"b\"], \"tags\": [2, 0]}\n", .jsonl,
            labelNames: ["O", "B-PER", "I-PER"])
        XCTAssertEqual(ids.sentences.map(\.tags), [["I-PER", "O"]])
        XCTAssertEqual(ids.labels, ["O", "B-PER", "I-PER"])
    }

    func testLabelsAreSortedByCodePointAsPythonSorts() throws {
        // "é" (U+00E9) sorts after "z" in Python; "B" before "a".
        let read = try read("x é\ny z\nw a\nv B\n", .conll)
        XCTAssertEqual(read.labels, ["B", "a", "z", "é"])
    }

    func testBadFilesAreOneLineErrorsNamingFileLineAndField() {
        var invalid = Data("a O\n".utf8)
        invalid.append(contentsOf: [0x62, 0xC3, 0x20, 0x4F, 0x0A])
        XCTAssertEqual(error(of: invalid), "f.conll:2: invalid UTF-8")
        let cases: [(String, TokenClassificationFormat, [String]?, String)] = [
            (
                "a O\nlonely\n", .conll, nil,
                "f.conll:2: field 'tag': expected a token and a tag separated by spaces or tabs, "
                    + "found \"lonely\""
            ),
            (
                "a NN O\nb O\n", .conll, nil,
                "f.conll:2: expected 3 fields (as in the first row), found 2"
            ),
            (
                "\n\n-DOCSTART- O\n\n", .conll, nil,
                "f.conll: no examples: the training set is empty"
            ),
            ("", .jsonl, nil, "f.jsonl: no examples: the training set is empty"),
            (
                "a B-X\n", .conll, ["O"],
                "f.conll:1: field 'tags': expected one of the labels O, found \"B-X\""
            ),
            (
                "{\"tokens\": [\"a\", \"b\"], \"tags\": [\"O\"]}\n", .jsonl, nil,
                "f.jsonl:1: field 'tags': expected 2 tags, one per token, found \"1 tags\""
            ),
            (
                "{\"tokens\": [\"a\"], \"tags\": [\"O\"]}\n"
                    + "{\"tokens\": [\"a\", 3], \"tags\": [\"O\", \"O\"]}\n",
                .jsonl, nil,
                "f.jsonl:2: field 'tokens[1]': expected a string, found \"integer\""
            ),
            (
                "{\"tokens\": \"a b\", \"tags\": [\"O\"]}\n", .jsonl, nil,
                "f.jsonl:1: field 'tokens': expected an array, found \"string\""
            ),
            (
                "{\"tags\": [\"O\"]}\n", .jsonl, nil,
                "f.jsonl:1: field 'tokens': expected an array (the key is missing), found \"\""
            ),
            (
                "{\"tokens\": [], \"tags\": []}\n", .jsonl, nil,
                "f.jsonl:1: field 'tokens': expected at least one token, found \"[]\""
            ),
            (
                "{\"tokens\": [\"a\"], \"tags\": [1]}\n", .jsonl, nil,
                "f.jsonl:1: field 'tags[0]': expected a string tag (integer tags need the label "
                    + "names), found \"1\""
            ),
            (
                "{\"tokens\": [\"a\"], \"tags\": [5]}\n", .jsonl, ["O", "B-X"],
                "f.jsonl:1: field 'tags[0]': expected a label id in 0..<2, found \"5\""
            ),
            (
                "{\"tokens\": [\"a\"], \"tags\": [\"\"]}\n", .jsonl, nil,
                "f.jsonl:1: field 'tags[0]': expected a non-empty string tag, found \"\""
            ),
            (
                "{\"tokens\": [\"a\"], \"tags\": [true]}\n", .jsonl, nil,
                "f.jsonl:1: field 'tags[0]': expected a non-empty string tag, found \"boolean\""
            ),
            (
                "{\"tokens\": [\"a\"], \"tags\": [\"O\"]\n", .jsonl, nil,
                "f.jsonl:1: invalid JSON: not a valid JSON value"
            ),
        ]
        for (text, format, labelNames, expected) in cases {
            let found = message(text, format, labelNames: labelNames)
            XCTAssertEqual(found, expected, text.debugDescription)
            XCTAssertFalse(found.contains("\n"), text.debugDescription)
        }
    }

    func testMissingFileAndFolderAreRefusedByName() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("none.conll")
        XCTAssertThrowsError(try TokenClassificationFile(contentsOf: missing, format: .conll)) {
            XCTAssertEqual($0 as? DatasetError, .fileNotFound(file: missing.path))
        }
        XCTAssertThrowsError(try TokenClassificationFile(contentsOf: folder, format: .conll)) {
            XCTAssertTrue("\($0)".hasPrefix("\(folder.path): cannot read: is a directory"), "\($0)")
        }
        let file = folder.appendingPathComponent("ok.conll")
        try Data("a O\n".utf8).write(to: file)
        XCTAssertEqual(
            try TokenClassificationFile(contentsOf: file, format: .conll).sentences.count, 1)
    }

    private func error(of data: Data) -> String {
        do {
            _ = try TokenClassificationFile(data: data, file: "f.conll", format: .conll)
            return "no error"
        } catch {
            return "\(error)"
        }
    }
}
