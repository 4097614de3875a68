// swift-bert — Datasets tests: text files for masked language modeling (run_mlm line_by_line).

import Datasets
import Foundation
import XCTest
import _TestSupport

final class TextFileTests: XCTestCase {
    private func fixture() throws -> [String: Any] {
        let url = TestPaths.fixture("mlm/lines.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        let fixture = try XCTUnwrap(object as? [String: Any])
        let meta = try XCTUnwrap(fixture["meta"] as? [String: Any])
        XCTAssertEqual(meta["format"] as? String, "swift-bert-fixture")
        return fixture
    }

    private func message(_ text: String, _ format: TextFileFormat, field: String = "text")
        -> String
    {
        message(Data(text.utf8), format, field: field)
    }

    private func message(_ data: Data, _ format: TextFileFormat, field: String = "text")
        -> String
    {
        do {
            _ = try TextFile(data: data, file: "f.txt", format: format, textField: field)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testTextAndJSONLinesFilesKeepWhatDatasetsAndRunMLMKeep() throws {
        let fixture = try fixture()
        for (key, format) in [("lines", TextFileFormat.lines), ("jsonl", .jsonl)] {
            let part = try XCTUnwrap(fixture[key] as? [String: Any], key)
            let path = try XCTUnwrap(part["file"] as? String)
            let raw = try XCTUnwrap(part["raw"] as? [String])
            let kept = try XCTUnwrap(part["kept"] as? [[String: Any]]).map { $0["text"] as? String }
            let file = try TextFile(
                contentsOf: TestPaths.repositoryRoot.appendingPathComponent(path), format: format)
            XCTAssertEqual(file.texts, kept.compactMap { $0 }, key)
            XCTAssertEqual(file.skipped, raw.count - kept.count, key)
            XCTAssertGreaterThan(file.skipped, 1, "\(key): the fixture drops blank texts")
            // Every kept text sits at its line of the raw rows (one row per line).
            if format == .lines {
                for (text, line) in zip(file.texts, file.lines) {
                    XCTAssertEqual(raw[line - 1], text, "line \(line)")
                }
            }
        }
    }

    func testLinesEndAtLFCRLFAndLoneCRAndNowhereElse() throws {
        let file = try TextFile(
            data: Data("a\r\nb\rc\n\nd\u{2028}e\u{85}f\r".utf8), file: "f.txt", format: .lines)
        XCTAssertEqual(file.texts, ["a", "b", "c", "d\u{2028}e\u{85}f"])
        XCTAssertEqual(file.lines, [1, 2, 3, 5])
        XCTAssertEqual(file.skipped, 1)
    }

    func testBlankIsPythonsIsspaceOnEveryCodePoint() throws {
        let spaces = Set(try XCTUnwrap(fixture()["isspace"] as? [Int]))
        XCTAssertTrue(spaces.contains(0x1C), "Python counts U+001C, Swift does not")
        var disagreements: [Int] = []
        for value in 0..<0x11_0000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = String(scalar)
            if TextFile.isBlank(text) != spaces.contains(value) || TextFile.isBlank(text + "x") {
                disagreements.append(value)
            }
        }
        XCTAssertEqual(disagreements, [], "code points where the filter is not str.isspace")
        XCTAssertTrue(TextFile.isBlank(" \u{1F}\u{3000}\u{2029}"))
        XCTAssertTrue(TextFile.isBlank(""))
    }

    func testBadFilesAreOneLineErrorsNamingFileLineAndField() {
        var invalid = Data("ok\rstill ok\n".utf8)
        invalid.append(contentsOf: [0x61, 0xFF, 0x0A])
        XCTAssertEqual(message(invalid, .lines), "f.txt:3: invalid UTF-8")
        XCTAssertEqual(
            message(" \n\t\n\u{3000}\n", .lines), "f.txt: no examples: the training set is empty")
        XCTAssertEqual(message("", .lines), "f.txt: no examples: the training set is empty")
        XCTAssertEqual(
            message("{\"text\": \"a\"}\n{\"sentence\": \"b\"}\n", .jsonl),
            "f.txt:2: field 'text': expected a string (the key is missing), found \"\"")
        XCTAssertEqual(
            message("{\"text\": 12}\n", .jsonl),
            "f.txt:1: field 'text': expected a string, found \"integer\"")
        XCTAssertEqual(
            message("{\"text\": null}\n", .jsonl),
            "f.txt:1: field 'text': expected a string, found \"null\"")
        XCTAssertEqual(
            message("{\"body\": [\"x\"]}\n", .jsonl, field: "body"),
            "f.txt:1: field 'body': expected a string, found \"array\"")
        XCTAssertEqual(
            message("{\"text\": \"a\"\n", .jsonl), "f.txt:1: invalid JSON: not a valid JSON value")
        XCTAssertEqual(
            message("{\"text\": \"a\", \"text\": \"b\"}\n", .jsonl),
            "f.txt:1: invalid JSON: duplicate key \"text\" (at byte 15)")
        XCTAssertEqual(
            message("{\"text\": \"  \"}\n", .jsonl), "f.txt: no examples: the training set is empty"
        )
    }

    func testMissingFileAndFolderAreRefusedByName() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.txt")
        XCTAssertThrowsError(try TextFile(contentsOf: missing, format: .lines)) {
            XCTAssertEqual("\($0)", "\(missing.path): no such file or folder")
        }
        XCTAssertThrowsError(try TextFile(contentsOf: folder, format: .lines)) {
            XCTAssertTrue("\($0)".hasPrefix("\(folder.path): cannot read: is a directory"), "\($0)")
        }
    }

    func testFormatsFollowTheExtension() {
        XCTAssertEqual(TextFileFormat(pathExtension: "TXT"), .lines)
        XCTAssertEqual(TextFileFormat(pathExtension: "jsonl"), .jsonl)
        XCTAssertEqual(TextFileFormat(pathExtension: "json"), .jsonl)
        XCTAssertNil(TextFileFormat(pathExtension: "csv"))
    }
}
