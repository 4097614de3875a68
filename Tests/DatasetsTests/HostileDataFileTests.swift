// swift-bert — Datasets tests: data files that would be read wrongly without a word.

import Datasets
import Foundation
import XCTest

final class HostileDataFileTests: XCTestCase {
    private let columns = TableColumns(
        text: ColumnReference("text"), label: ColumnReference("label"))

    private func examples(_ text: String, _ format: TableFormat) throws -> [TableExample] {
        try TableFile(
            data: Data(text.utf8), file: "f.\(format.rawValue)", format: format,
            columns: columns.all
        ).examples(columns)
    }

    func testCROnlyFileIsReadLineByLine() throws {
        for format in [TableFormat.csv, .tsv] {
            let separator = format == .csv ? "," : "\t"
            let text = ["text\(separator)label", "a\(separator)x", "b\(separator)y"]
                .joined(separator: "\r") + "\r"
            let rows = try examples(text, format)
            XCTAssertEqual(rows.map(\.text), ["a", "b"], "\(format)")
            XCTAssertEqual(rows.map(\.location.line), [2, 3], "\(format)")
        }
        let jsonl = "{\"text\": \"a\", \"label\": 1}\r{\"text\": \"b\", \"label\": 0}\r"
        XCTAssertEqual(try examples(jsonl, .jsonl).map(\.label), ["1", "0"])
    }

    func testEmptyLabelIsAnErrorNamingFileLineAndColumn() throws {
        let cases: [(String, TableFormat, Int)] = [
            ("text,label\na,x\nb,\nc,y\n", .csv, 3),
            ("text\tlabel\na\tx\nb\t  \n", .tsv, 3),
            ("{\"text\": \"a\", \"label\": \"\"}\n", .jsonl, 1),
        ]
        for (text, format, line) in cases {
            XCTAssertThrowsError(try examples(text, format), "\(format)") { error in
                XCTAssertTrue(
                    "\(error)".hasPrefix("f.\(format.rawValue):\(line): field 'label': expected a label"),
                    "\(error)")
            }
        }
    }

    func testDuplicateHeaderNameOrJSONKeyIsAnErrorNamingIt() throws {
        XCTAssertThrowsError(try examples("text,label,text\na,x,b\n", .csv)) { error in
            XCTAssertTrue("\(error)".hasPrefix("f.csv:1: field 'text':"), "\(error)")
        }
        let lines = "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"a\", \"label\": 1, \"l\\u0061bel\": 2}\n"
        XCTAssertThrowsError(try examples(lines, .jsonl)) { error in
            XCTAssertEqual(
                "\(error)", "f.jsonl:2: invalid JSON: duplicate key \"label\" (at byte 27)")
        }
        // The same key in two different objects is no duplicate.
        XCTAssertNoThrow(
            try examples("{\"text\": \"a\", \"label\": 1, \"m\": {\"label\": 2}}\n", .jsonl))
    }
}
