// swift-bert — CLI tests.

import Foundation
import XCTest
import _TestSupport

final class TokenizeCommandTests: XCTestCase {
    func testPlainModePrintsTheTutorialIds() throws {
        let model = try TestPaths.miniLM().path
        let result = try BertBinary.run(
            ["tokenize", "--model", model],
            input: Data("Our friends won't buy this analysis, let alone the next one we propose.\n".utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(
            result.stdout,
            "101 2256 2814 2180 1005 1056 4965 2023 4106 1010 2292 2894 1996 2279 2028 2057 16599 1012 102\n"
        )
    }

    func testTokensFlagPrintsWordPieces() throws {
        let result = try BertBinary.run(
            ["tokenize", "--model", try TestPaths.miniLM().path, "--tokens"],
            input: Data("Naïve café\n".utf8))
        XCTAssertEqual(result.stdout, "[CLS] naive cafe [SEP]\n")
    }

    func testJSONLinesCarryPairsTruncationAndPadding() throws {
        let result = try BertBinary.run(
            ["tokenize", "--model", try TestPaths.miniLM().path, "--jsonl", "--max-length", "8",
                "--padding", "max_length"],
            input: Data(#"{"text": "hello world", "text_pair": "one two three four five"}"#.utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(
            result.stdout,
            #"{"input_ids":[101,7592,2088,102,2028,2048,2093,102],"token_type_ids":[0,0,0,0,1,1,1,1],"attention_mask":[1,1,1,1,1,1,1,1],"tokens":["[CLS]","hello","world","[SEP]","one","two","three","[SEP]"]}"#
                + "\n")
    }

    func testInvalidUTF8IsAOneLineErrorNamingTheLine() throws {
        var input = Data("fine\n".utf8)
        input.append(contentsOf: [0x62, 0xFF, 0x0A])
        let result = try BertBinary.run(
            ["tokenize", "--model", try TestPaths.miniLM().path], input: input)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stderr, "Error: stdin:2: input is not valid UTF-8\n")
        XCTAssertEqual(result.stdout, "")
    }

    func testInvalidJSONLineIsAOneLineError() throws {
        let result = try BertBinary.run(
            ["tokenize", "--model", try TestPaths.miniLM().path, "--jsonl"],
            input: Data("{\"text\": \"a\"}\n{\"txt\": 1}\n".utf8))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(result.stderr, "Error: stdin:2: field 'text': missing or not a string\n")
    }

    func testModelFolderWithoutVocabularyIsAClearError() throws {
        let folder = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try BertBinary.run(["tokenize", "--model", folder.path], input: Data("a\n".utf8))
        XCTAssertNotEqual(result.status, 0)
        XCTAssertEqual(
            result.stderr,
            "Error: \(folder.path): no vocabulary: expected tokenizer.json or vocab.txt in the folder\n")
    }
}
