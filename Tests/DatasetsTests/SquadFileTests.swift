// swift-bert — Datasets tests: SQuAD files (JSON documents, flat rows, JSON lines).

import Datasets
import Foundation
import XCTest
import _TestSupport

final class SquadFileTests: XCTestCase {
    private func read(_ text: String, _ format: SquadFormat) throws -> SquadFile {
        try SquadFile(data: Data(text.utf8), file: "f.\(format.rawValue)", format: format)
    }

    private func message(_ text: String, _ format: SquadFormat = .json) -> String {
        do {
            _ = try read(text, format)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// A SQuAD 2.0 document with one paragraph whose `qas` are given as JSON text.
    private func document(context: String = "The cat sat on the mat.", qas: String) -> String {
        """
        {"version": "v2.0", "data": [{"title": "Cats", "paragraphs": [
            {"context": \(quoted(context)), "qas": [\(qas)]}]}]}
        """
    }

    /// `text` as a JSON string literal (the tests' texts have no control characters).
    private func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    // MARK: The sample files

    func testSampleFilesReadAsTheLoaderYieldsThem() throws {
        let train = try SquadFile(
            contentsOf: TestPaths.fixture("squad/train-v2.json"), format: .json)
        XCTAssertEqual(train.version, "v2.0")
        XCTAssertEqual(train.examples.count, 300)
        let impossible = train.examples.filter(\.isImpossible).count
        XCTAssertGreaterThan(impossible, 50)
        XCTAssertLessThan(impossible, 150)
        for example in train.examples where !example.isImpossible {
            let scalars = Array(example.context.unicodeScalars)
            for answer in example.answers {
                XCTAssertEqual(
                    String(String.UnicodeScalarView(scalars[answer.span])), answer.text,
                    example.id)
            }
        }
        let dev = try SquadFile(contentsOf: TestPaths.fixture("squad/dev-v2.json"), format: .json)
        XCTAssertEqual(dev.examples.count, 80)
        XCTAssertTrue(dev.examples.contains { $0.answers.count > 1 }, "dev sets repeat answers")
        let v1 = try SquadFile(contentsOf: TestPaths.fixture("squad/dev-v1.json"), format: .json)
        XCTAssertEqual(v1.version, "1.1")
        XCTAssertFalse(v1.examples.contains(where: \.isImpossible))
        XCTAssertEqual(v1.examples, dev.examples.filter { !$0.isImpossible })
        XCTAssertFalse(train.examples.contains { $0.title.isEmpty || $0.context.isEmpty })
    }

    /// The same questions as 🤗 datasets' rows, one per line or under `data` in one JSON
    /// document (run_qa.py's `--train_file`), give the same examples.
    func testRowsAsJSONLinesOrUnderDataGiveTheSameExamples() throws {
        let dev = try SquadFile(contentsOf: TestPaths.fixture("squad/dev-v2.json"), format: .json)
        let rows: [[String: Any]] = dev.examples.map {
            [
                "id": $0.id, "title": $0.title, "question": $0.question, "context": $0.context,
                "answers": [
                    "text": $0.answers.map(\.text), "answer_start": $0.answers.map(\.start),
                ],
            ]
        }
        let lines = try rows.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self)
        }
        let jsonl = try read(lines.joined(separator: "\r\n") + "\r\n\n", .jsonl)
        XCTAssertNil(jsonl.version)
        XCTAssertEqual(jsonl.examples, dev.examples)
        let flat = try read("{\"data\": [" + lines.joined(separator: ",\n") + "]}", .json)
        XCTAssertEqual(flat.examples, dev.examples)
    }

    func testFormatFromExtension() {
        XCTAssertEqual(SquadFormat(pathExtension: "JSON"), .json)
        XCTAssertEqual(SquadFormat(pathExtension: "jsonl"), .jsonl)
        XCTAssertEqual(SquadFormat(pathExtension: "ndjson"), .jsonl)
        XCTAssertNil(SquadFormat(pathExtension: "csv"))
    }

    // MARK: Accepted as they are

    func testTextThatDiffersFromTheContextIsKeptAsItIs() throws {
        let file = try read(
            document(qas: """
                {"id": "q1", "question": "Who sat?", "answers": [{"text": "A dog", "answer_start": 4}]}
                """), .json)
        XCTAssertEqual(file.examples[0].answers, [.init(text: "A dog", start: 4)])
        XCTAssertEqual(file.examples[0].answers[0].span, 4..<9)
    }

    func testOffsetsCountUnicodeScalarsAsPython() throws {
        // "e\u{301}" and "👍🏽" are one Character each but two scalars; Python counts two.
        let context = "Cafe\u{301} 👍🏽 here"
        let file = try read(
            document(context: context, qas: """
                {"id": "q", "question": "Where?", "answers": [{"text": "here", "answer_start": 9}]}
                """), .json)
        XCTAssertEqual(file.examples[0].answers[0].start, 9)
        XCTAssertEqual(message(document(context: context, qas: """
            {"id": "q", "question": "Where?", "answers": [{"text": "here", "answer_start": 10}]}
            """)),
            "f.json: field 'data[0].paragraphs[0].qas[0].answers[0].answer_start': expected a "
                + "start where the answer's 4 characters fit in the context's 13 (they would end "
                + "at 14), found \"10\"")
    }

    func testByteOrderMarkMissingTitleAndUnknownKeysAreFine() throws {
        let text = "\u{FEFF}" + """
            {"data": [{"paragraphs": [{"context": "x y", "extra": 1, "qas": [
                {"id": "q", "question": "", "answers": [], "plausible_answers": [{"text": "y", "answer_start": 2}],
                 "is_impossible": true}]}]}]}
            """
        let file = try read(text, .json)
        XCTAssertNil(file.version)
        XCTAssertEqual(
            file.examples,
            [QuestionAnsweringExample(id: "q", title: "", question: "", context: "x y", answers: [])])
        XCTAssertTrue(file.examples[0].isImpossible)
    }

    func testCanonicallyEquivalentIdsAreDistinct() throws {
        let file = try read(
            document(qas: """
                {"id": "caf\\u00e9", "question": "a", "answers": []},
                {"id": "cafe\\u0301", "question": "b", "answers": []}
                """), .json)
        XCTAssertEqual(file.examples.count, 2)
    }

    // MARK: Hostile files: one line naming the file and the value

    func testSyntaxErrorsNameTheLine() {
        XCTAssertEqual(
            message("{\"data\": [\n  {\"paragraphs\": [}\n]}"),
            "f.json:2: invalid JSON: unexpected character '}' (at byte 30)")
        XCTAssertEqual(
            message(
                "{\"id\": \"a\", \"question\": \"q\", \"context\": \"c\", \"answers\": "
                    + "{\"text\": [], \"answer_start\": []}}\n{\"id\": \"b\",}\n", .jsonl),
            "f.jsonl:2: invalid JSON: expected a string key (at byte 12)")
        XCTAssertEqual(
            message("{\"data\": [], \"data\": []}"),
            "f.json:1: invalid JSON: duplicate key \"data\" (at byte 14)")
        XCTAssertEqual(
            message(document(qas: "{\"id\": \"\\ud800\", \"question\": \"q\", \"answers\": []}"))
                .hasPrefix("f.json:2: invalid JSON:"), true)
    }

    func testDeepNestingIsRefused() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertEqual(
            message("{\"data\": " + deep + "}"),
            "f.json:1: invalid JSON: nesting deeper than 512 (at byte 521)")
    }

    func testWrongShapesNameTheirPath() {
        let cases: [(String, String)] = [
            ("[]", "f.json: field '(root)': expected an object, found \"array\""),
            ("{}", "f.json: field 'data': expected an array (the key is missing), found \"\""),
            ("{\"data\": {}}", "f.json: field 'data': expected an array, found \"object\""),
            ("{\"version\": 2, \"data\": []}", "f.json: field 'version': expected a string, found \"integer\""),
            ("{\"data\": [7]}", "f.json: field 'data[0]': expected an object, found \"integer\""),
            ("{\"data\": [{\"paragraphs\": [{\"qas\": []}]}]}",
                "f.json: field 'data[0].paragraphs[0].context': expected a string (the key is missing), found \"\""),
            (document(qas: "{\"id\": 5, \"question\": \"q\", \"answers\": []}"),
                "f.json: field 'data[0].paragraphs[0].qas[0].id': expected a string, found \"integer\""),
            (document(qas: "{\"id\": \"\", \"question\": \"q\", \"answers\": []}"),
                "f.json: field 'data[0].paragraphs[0].qas[0].id': expected a non-empty id, found \"\""),
            (document(qas: "{\"id\": \"a\", \"question\": null, \"answers\": []}"),
                "f.json: field 'data[0].paragraphs[0].qas[0].question': expected a string, found \"null\""),
            (document(qas: "{\"id\": \"a\", \"question\": \"q\"}"),
                "f.json: field 'data[0].paragraphs[0].qas[0].answers': expected an array (the key is missing), found \"\""),
            (document(qas: "{\"id\": \"a\", \"question\": \"q\", \"answers\": [{\"text\": \"cat\"}]}"),
                "f.json: field 'data[0].paragraphs[0].qas[0].answers[0].answer_start': expected an integer (the key is missing), found \"\""),
        ]
        for (text, expected) in cases { XCTAssertEqual(message(text), expected, text) }
    }

    func testAnswerStartsOutsideTheContextOrNotIntegersAreRefused() {
        func answer(_ start: String, text: String = "cat") -> String {
            message(document(qas: """
                {"id": "a", "question": "q", "answers": [{"text": "cat", "answer_start": 4},
                    {"text": \(quoted(text)), "answer_start": \(start)}]}
                """))
        }
        let field = "f.json: field 'data[0].paragraphs[0].qas[0].answers[1].answer_start': "
        let range = "expected an integer in 0..<23, a position in the context, found "
        XCTAssertEqual(answer("23"), field + range + "\"23\"")
        XCTAssertEqual(answer("-1"), field + range + "\"-1\"")
        XCTAssertEqual(answer("4.0"), field + range + "\"4.0\"")
        XCTAssertEqual(answer("4e0"), field + range + "\"4e0\"")
        XCTAssertEqual(answer("99999999999999999999999"), field + range + "\"99999999999999999999999\"")
        XCTAssertEqual(answer("\"4\""), field + range + "\"string\"")
        XCTAssertEqual(answer("true"), field + range + "\"boolean\"")
        XCTAssertEqual(answer("20"), "no error", "the answer ends at the context's end")
        XCTAssertEqual(
            answer("21"),
            field + "expected a start where the answer's 3 characters fit in the context's 23 "
                + "(they would end at 24), found \"21\"")
        XCTAssertEqual(
            answer("4", text: ""),
            "f.json: field 'data[0].paragraphs[0].qas[0].answers[1].text': expected a non-empty "
                + "answer text, found \"\"")
    }

    func testDuplicateIdsAreRefusedWithBothPlaces() {
        let text = """
            {"data": [{"paragraphs": [{"context": "c", "qas": [{"id": "x", "question": "q", "answers": []}]},
                {"context": "d", "qas": [{"id": "x", "question": "q", "answers": []}]}]}]}
            """
        XCTAssertEqual(
            message(text),
            "f.json: field 'data[0].paragraphs[1].qas[0].id': expected an id not used before (it "
                + "is also at data[0].paragraphs[0].qas[0].id), found \"x\"")
        let lines = """
            {"id": "x", "question": "q", "context": "c", "answers": {"text": [], "answer_start": []}}

            {"id": "x", "question": "q", "context": "c", "answers": {"text": [], "answer_start": []}}
            """
        XCTAssertEqual(
            message(lines, .jsonl),
            "f.jsonl:3: field 'id': expected an id not used before (it is also at line 1), found \"x\"")
    }

    func testIsImpossibleMustAgreeWithTheAnswers() {
        let field = "f.json: field 'data[0].paragraphs[0].qas[0].is_impossible': "
        XCTAssertEqual(
            message(document(qas: """
                {"id": "a", "question": "q", "answers": [{"text": "cat", "answer_start": 4}], "is_impossible": true}
                """)),
            field + "expected false, since the question has 1 answers, found \"true\"")
        XCTAssertEqual(
            message(document(qas: "{\"id\": \"a\", \"question\": \"q\", \"answers\": [], \"is_impossible\": false}")),
            field + "expected true, since the question has no answers, found \"false\"")
        XCTAssertEqual(
            message(document(qas: "{\"id\": \"a\", \"question\": \"q\", \"answers\": [], \"is_impossible\": 1}")),
            field + "expected a boolean, found \"integer\"")
    }

    func testJSONLinesRowsNameLineAndField() {
        func row(_ answers: String, context: String = "The cat sat.") -> String {
            "{\"id\": \"a\", \"question\": \"q\", \"context\": \(quoted(context)), \"answers\": \(answers)}"
        }
        let cases: [(String, String)] = [
            (row("[]"), "f.jsonl:2: field 'answers': expected an object, found \"array\""),
            (row("{\"text\": [\"cat\"]}"),
                "f.jsonl:2: field 'answers.answer_start': expected an array (the key is missing), found \"\""),
            (row("{\"text\": [\"cat\", \"sat\"], \"answer_start\": [4]}"),
                "f.jsonl:2: field 'answers.answer_start': expected 2 starts, one per answer text, found \"1 starts\""),
            (row("{\"text\": [\"cat\", 3], \"answer_start\": [4, 8]}"),
                "f.jsonl:2: field 'answers.text[1]': expected a string, found \"integer\""),
            (row("{\"text\": [\"cat\", \"sat\"], \"answer_start\": [4, 12]}"),
                "f.jsonl:2: field 'answers.answer_start[1]': expected an integer in 0..<12, a position in the context, found \"12\""),
            ("{\"question\": \"q\", \"context\": \"c\", \"answers\": {\"text\": [], \"answer_start\": []}}",
                "f.jsonl:2: field 'id': expected a string (the key is missing), found \"\""),
            ("[1]", "f.jsonl:2: field '(root)': expected an object, found \"array\""),
        ]
        let first = row("{\"text\": [], \"answer_start\": []}").replacingOccurrences(
            of: "\"a\"", with: "\"first\"")
        for (text, expected) in cases {
            XCTAssertEqual(message(first + "\n" + text + "\n", .jsonl), expected, text)
        }
    }

    func testInvalidUTF8NamesTheLine() {
        var bytes = Array("{\"id\": \"a\"}\n{\"id\": \"".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("\"}\n".utf8)
        XCTAssertThrowsError(try SquadFile(data: Data(bytes), file: "f.jsonl", format: .jsonl)) {
            XCTAssertEqual("\($0)", "f.jsonl:2: invalid UTF-8")
        }
        XCTAssertThrowsError(try SquadFile(data: Data(bytes), file: "f.json", format: .json)) {
            XCTAssertTrue("\($0)".hasPrefix("f.json:2: invalid JSON:"), "\($0)")
        }
    }

    func testEmptyFilesHaveNoExamples() {
        XCTAssertEqual(message("{\"data\": []}"), "f.json: no examples: the training set is empty")
        XCTAssertEqual(message("\n\n", .jsonl), "f.jsonl: no examples: the training set is empty")
    }

    func testFilesThatAreMissingTooLargeOrNotRegularAreRefusedBeforeReading() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.json")
        XCTAssertThrowsError(try SquadFile(contentsOf: missing, format: .json)) {
            XCTAssertEqual($0 as? DatasetError, .fileNotFound(file: missing.path))
        }
        // A sparse file one byte over the limit: refused from its size, nothing is read.
        let large = folder.appendingPathComponent("large.json")
        XCTAssertTrue(FileManager.default.createFile(atPath: large.path, contents: nil))
        let handle = try FileHandle(forWritingTo: large)
        try handle.truncate(atOffset: UInt64(SquadFile.maximumFileSize + 1))
        try handle.close()
        XCTAssertThrowsError(try SquadFile(contentsOf: large, format: .json)) {
            XCTAssertEqual(
                "\($0)",
                "\(large.path): cannot read: \(SquadFile.maximumFileSize + 1) bytes, more than "
                    + "the \(SquadFile.maximumFileSize) this file may have")
        }
        XCTAssertThrowsError(try SquadFile(contentsOf: folder, format: .jsonl)) {
            XCTAssertTrue("\($0)".hasPrefix("\(folder.path): cannot read:"), "\($0)")
        }
    }
}
