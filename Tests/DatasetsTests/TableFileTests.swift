// swift-bert — Datasets tests: CSV, TSV and JSON Lines data files, columns and labels.

import Datasets
import Foundation
import XCTest

final class TableFileTests: XCTestCase {
    private func error(_ body: () throws -> Void) -> DatasetError? {
        do {
            try body()
            return nil
        } catch let error as DatasetError {
            return error
        } catch {
            XCTFail("unexpected error \(error)")
            return nil
        }
    }

    private func csv(_ text: String) throws -> [DelimitedText.Record] {
        try DelimitedText.records(in: Data(text.utf8), dialect: .csv, file: "f.csv")
    }

    func testCSVQuotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let cases: [(String, String, [[String]], [Int])] = [
            ("plain", "a,b\nc,d\n", [["a", "b"], ["c", "d"]], [1, 2]),
            ("CRLF and no final newline", "a,b\r\nc,d", [["a", "b"], ["c", "d"]], [1, 2]),
            ("embedded comma", "\"x, y\",z\n", [["x, y", "z"]], [1]),
            ("doubled quote", "\"say \"\"hi\"\"\",2\n", [["say \"hi\"", "2"]], [1]),
            ("line break inside quotes", "\"one\ntwo\",3\nnext,4\n", [["one\ntwo", "3"], ["next", "4"]], [1, 3]),
            ("CRLF inside quotes kept", "\"a\r\nb\",c\r\n", [["a\r\nb", "c"]], [1]),
            ("empty fields", ",,\n\"\",x,\n", [["", "", ""], ["", "x", ""]], [1, 2]),
            ("blank lines skipped but counted", "a\n\n\r\nb\n", [["a"], ["b"]], [1, 4]),
            ("byte-order mark", "\u{FEFF}h,i\n", [["h", "i"]], [1]),
            ("bare quote inside unquoted field", "it's 5\" long,x\n", [["it's 5\" long", "x"]], [1]),
            ("unicode", "naïve,日本\n", [["naïve", "日本"]], [1]),
        ]
        for (label, text, fields, lines) in cases {
            let records = try csv(text)
            XCTAssertEqual(records.map(\.fields), fields, label)
            XCTAssertEqual(records.map(\.line), lines, label)
        }
    }

    func testCSVLineRoundTripsThroughTheParser() throws {
        let rows = [["a", "b, c", "say \"x\"", "line\nbreak", ""], ["1", "2", "3", "4", "5"]]
        let text = rows.map { DelimitedText.line($0, dialect: .csv) }.joined(separator: "\n")
        XCTAssertEqual(try csv(text).map(\.fields), rows)
    }

    func testMalformedCSVNamesFileAndLine() {
        XCTAssertEqual(
            error { _ = try csv("a,b\nc,\"open\nstill open\n") },
            .invalidCSV(file: "f.csv", line: 2, reason: "field 2: quoted field is never closed"))
        let after = error { _ = try csv("a,b\n\"x\"y,b\n") }
        XCTAssertEqual(
            after, .invalidCSV(file: "f.csv", line: 2, reason: "field 1: text after the closing quote"))
        XCTAssertEqual(after?.description, "f.csv:2: invalid CSV: field 1: text after the closing quote")
        var bad = Data("ok\nfine\n".utf8)
        bad.append(contentsOf: [0x61, 0xFF, 0x0A])
        XCTAssertEqual(
            error { _ = try DelimitedText.records(in: bad, dialect: .csv, file: "f.csv") },
            .invalidUTF8(file: "f.csv", line: 3))
    }

    func testTSVHasNoQuoting() throws {
        let records = try DelimitedText.records(
            in: Data("\"a\tb\"\tc\r\nx\ty\tz\n".utf8), dialect: .tsv, file: "f.tsv")
        XCTAssertEqual(records.map(\.fields), [["\"a", "b\"", "c"], ["x", "y", "z"]])
    }

    func testRaggedRowNamesFileAndLine() {
        for (format, text) in [(TableFormat.csv, "a,b\n1,2\n\n1,2,3\n"), (.tsv, "a\tb\n1\t2\n\n1\n")] {
            let found = error {
                _ = try TableFile(data: Data(text.utf8), file: "d", format: format)
            }
            XCTAssertEqual(found?.line, 4, "\(format)")
            XCTAssertEqual(found?.file, "d", "\(format)")
        }
        let found = error { _ = try TableFile(data: Data("a,b\n1,2,3\n".utf8), file: "d", format: .csv) }
        XCTAssertEqual(found, .raggedRow(file: "d", line: 2, expected: 2, actual: 3))
        XCTAssertEqual(found?.description, "d:2: expected 2 fields (as in the first row), found 3")
    }

    func testInvalidJSONLineNamesItsLine() {
        let cases: [(String, String, Int, String)] = [
            ("truncated", "{\"text\": \"a\", \"label\": 1}\n\n{\"text\": \"b\"\n", 3, "not a valid JSON value"),
            ("array", "{\"text\": \"a\"}\n[1, 2]\n", 2, "expected an object"),
            ("trailing garbage", "{\"text\": \"a\"} x\n", 1, "not a valid JSON value"),
        ]
        for (label, text, line, reason) in cases {
            XCTAssertEqual(
                error { _ = try JSONLines.objects(in: Data(text.utf8), file: "d.jsonl") },
                .invalidJSON(file: "d.jsonl", line: line, reason: reason), label)
        }
    }

    func testJSONLinesValuesKeepIntegersApartFromOtherNumbers() throws {
        let text = "{\"a\": \"s\", \"b\": 3, \"c\": 1.5, \"d\": true, \"e\": null, \"f\": [1]}\r\n"
        let objects = try JSONLines.objects(in: Data(text.utf8), file: "d")
        XCTAssertEqual(
            objects.first?.fields,
            ["a": .string("s"), "b": .integer("3"), "c": .number("1.5"), "d": .other("boolean"),
                "e": .other("null"), "f": .array([.integer("1")])])
        XCTAssertEqual(objects.first?.text, String(text.dropLast()), "\\r\\n is one Character")
    }

    func testColumnsByNameOrIndexWithHeaderDetection() throws {
        let text = "premise,hypothesis,label\nA cat.,An animal.,entailment\n"
        let byName = TableColumns(
            text: .name("premise"), textPair: .name("hypothesis"), label: .name("label"))
        let table = try TableFile(data: Data(text.utf8), file: "d", format: .csv, columns: byName.all)
        XCTAssertEqual(table.header, ["premise", "hypothesis", "label"])
        let expected = TableExample(
            text: "A cat.", textPair: "An animal.", label: "entailment",
            location: SourceLocation(file: "d", line: 2), labelField: "label")
        XCTAssertEqual(try table.examples(byName), [expected])

        let byIndex = TableColumns(text: ColumnReference("0"), textPair: ColumnReference("1"), label: ColumnReference("2"))
        XCTAssertEqual(byIndex.text, .index(0))
        let noHeader = try TableFile(data: Data(text.utf8), file: "d", format: .csv, columns: byIndex.all)
        XCTAssertNil(noHeader.header, "indices alone detect no header")
        XCTAssertEqual(try noHeader.examples(byIndex).count, 2)
        let forced = try TableFile(
            data: Data(text.utf8), file: "d", format: .csv, header: .present, columns: byIndex.all)
        XCTAssertEqual(try forced.examples(byIndex).map(\.label), ["entailment"])
    }

    func testMissingColumnNamesFileLineAndColumn() throws {
        let columns = TableColumns(text: .name("sentence"), label: .name("label"))
        let text = "text,label\nhello,1\n"
        let table = try TableFile(
            data: Data(text.utf8), file: "d.csv", format: .csv, header: .present,
            columns: columns.all)
        let found = error { _ = try table.examples(columns) }
        XCTAssertEqual(
            found, .missingColumn(file: "d.csv", line: 1, column: "sentence", available: ["text", "label"]))
        XCTAssertEqual(found?.description, "d.csv:1: field 'sentence': no such column; columns: text, label")

        let jsonl = "{\"text\": \"a\", \"label\": 0}\n{\"text\": \"b\"}\n"
        let jsonTable = try TableFile(data: Data(jsonl.utf8), file: "d.jsonl", format: .jsonl)
        let missing = error {
            _ = try jsonTable.examples(TableColumns(text: .name("text"), label: .name("label")))
        }
        XCTAssertEqual(missing, .missingColumn(file: "d.jsonl", line: 2, column: "label", available: ["text"]))
        let wrongKind = try TableFile(data: Data("{\"text\": 5, \"label\": 0}\n".utf8), file: "d.jsonl", format: .jsonl)
        XCTAssertEqual(
            error { _ = try wrongKind.examples(TableColumns(text: .name("text"), label: .name("label"))) },
            .invalidValue(file: "d.jsonl", line: 1, field: "text", value: "integer", expected: "a string"))
    }

    func testLabelsMapToIdsInAStableOrder() {
        let cases: [(String, [String], [String])] = [
            ("strings sort by code point", ["neutral", "entailment", "contradiction", "neutral"],
                ["contradiction", "entailment", "neutral"]),
            ("upper case first", ["b", "B", "a"], ["B", "a", "b"]),
            ("integers sort numerically", ["10", "2", "-1", "2", "0"], ["-1", "0", "2", "10"]),
            ("leading zeros are the same integer", ["01", "1", "3"], ["1", "3"]),
            ("mixed are strings", ["10", "2", "x"], ["10", "2", "x"]),
        ]
        for (label, input, names) in cases {
            XCTAssertEqual(LabelSet(sorting: input).names, names, label)
            XCTAssertEqual(LabelSet(sorting: input.reversed()).names, names, "\(label), reversed")
        }
        let integers = LabelSet(sorting: ["1", "0"])
        XCTAssertEqual(integers.id(of: "01"), 1)
        XCTAssertNil(integers.id(of: "2"))
    }

    func testUnseenLabelNamesFileLineAndField() {
        let labels = LabelSet(sorting: ["entailment", "neutral"])
        let example = TableExample(
            text: "t", textPair: nil, label: "contradiction",
            location: SourceLocation(file: "test.csv", line: 7), labelField: "gold")
        let found = error { _ = try labels.labeled([example]) }
        XCTAssertEqual(
            found,
            .invalidValue(
                file: "test.csv", line: 7, field: "gold", value: "contradiction",
                expected: "a label seen in training (entailment, neutral)"))
        XCTAssertEqual(
            found?.description,
            "test.csv:7: field 'gold': expected a label seen in training (entailment, neutral), "
                + "found \"contradiction\"")
    }
}
