// swift-bert — Checkpoints tests: the JSON reader and writer behind headers and configs.

import Checkpoints
import XCTest

final class JSONValueTests: XCTestCase {
    func testNumbersKeepTheirLiteralTextThroughAReadAndAWrite() throws {
        let text = #"{"eps":1e-12,"p":0.1,"n":512,"neg":-0.0,"big":12345678901234567890,"x":2.50}"#
        let value = try JSONValue(parsing: text, file: "t.json")
        guard case .object(let object) = value else { return XCTFail("\(value)") }
        XCTAssertEqual(object["eps"], .number("1e-12"))
        XCTAssertEqual(object["eps"]?.doubleValue, 1e-12)
        XCTAssertEqual(object["n"]?.intValue, 512)
        XCTAssertNil(object["p"]?.intValue, "0.1 is not an integer")
        XCTAssertNil(object["big"]?.intValue, "too big for Int")
        XCTAssertEqual(object["x"]?.kindName, "number")
        XCTAssertEqual(
            value.serialized(),
            #"{"big":12345678901234567890,"eps":1e-12,"n":512,"neg":-0.0,"p":0.1,"x":2.50}"#)
    }

    func testStringsDecodeEscapesAndSurrogatePairs() throws {
        let text = #"["a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "ü"]"#
        let value = try JSONValue(parsing: text, file: "t")
        XCTAssertEqual(value, .array([.string("a\"b\\c/d\n\té😀"), .string("ü")]))
        XCTAssertEqual(
            value.serialized(style: .compact), "[\"a\\\"b\\\\c/d\\n\\té😀\",\"ü\"]")
        XCTAssertEqual(
            value.serialized(style: .pythonIndented),
            "[\n  \"a\\\"b\\\\c/d\\n\\t\\u00e9\\ud83d\\ude00\",\n  \"\\u00fc\"\n]")
    }

    func testPythonIndentedStyleMatchesJSONDumpsWithSortedKeys() throws {
        let value = try JSONValue(
            parsing: #"{"b":[1,{"y":null,"x":true}],"a":{},"c":[],"B":"s"}"#, file: "t")
        // json.dumps(value, indent=2, sort_keys=True)
        let expected = """
            {
              "B": "s",
              "a": {},
              "b": [
                1,
                {
                  "x": true,
                  "y": null
                }
              ],
              "c": []
            }
            """
        XCTAssertEqual(value.serialized(style: .pythonIndented), expected)
    }

    func testDoublesAreWrittenAsPythonsReprWritesThem() {
        let cases: [(Double, String)] = [
            (0.1, "0.1"), (1e-12, "1e-12"), (2, "2.0"), (0.02, "0.02"), (1e-5, "1e-05"),
            (0.0001, "0.0001"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (-0.0, "-0.0"),
            (123.456, "123.456"), (-2.5e-7, "-2.5e-07"),
            (
                1.7976931348623157e308,
                "1.7976931348623157e+308"
            ), (.leastNonzeroMagnitude, "5e-324"), (0, "0.0"),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(JSONValue(value), .number(expected), "\(value)")
        }
    }

    func testMalformedDocumentsReportTheByteWhereParsingStopped() {
        let cases: [(String, Int, String)] = [
            ("", 0, "end of input"),
            ("{\"a\":1,}", 7, "expected a string key"),
            ("[1 2]", 3, "',' or ']'"),
            ("{\"a\":1,\"a\":2}", 7, "duplicate key \"a\""),
            ("[01]", 2, "',' or ']'"),
            ("[1.]", 3, "digit after '.'"),
            ("[NaN]", 1, "unexpected character 'N'"),
            ("\"\\ud800\"", 1, "lone surrogate"),
            ("\"tab\there\"", 4, "control character"),
            ("{} x", 3, "unexpected text"),
            ("[tru]", 4, "invalid literal"),
        ]
        for (text, offset, words) in cases {
            XCTAssertThrowsError(try JSONValue(parsing: text, file: "bad.json"), text) { error in
                guard
                    case .invalidJSON("bad.json", let actualOffset, let reason) =
                        error as? CheckpointError
                else { return XCTFail("\(text): \(error)") }
                XCTAssertEqual(actualOffset, offset, "\(text): \(reason)")
                XCTAssertTrue(reason.contains(words), "\(text): \(reason)")
            }
        }
    }

    func testDeepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertThrowsError(try JSONValue(parsing: text, file: "deep.json"))
    }
}
