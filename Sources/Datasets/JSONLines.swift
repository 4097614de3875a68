// swift-bert — Datasets: JSON Lines files (one JSON object per line).

import Foundation
import _JSONKeys

/// Splits a JSON Lines file into objects, one per non-empty line.
///
/// Every non-empty line must be one JSON object; empty lines (also CR LF ones) are skipped
/// but counted, so each object carries the 1-based line number an editor shows.
public enum JSONLines {
    /// A JSON value of one key, reduced to what a dataset needs.
    public enum Value: Sendable, Hashable {
        /// A string.
        case string(String)
        /// A number without a fractional part or exponent, as decimal text (`12`, `-3`).
        case integer(String)
        /// A number with a fractional part or an exponent, as its decimal text (`2.5`).
        case number(String)
        /// An array, its elements reduced the same way.
        case array([Value])
        /// Any other value; the word names its kind (`boolean`, `null`, `object`).
        case other(String)

        /// The kind of value, for error messages.
        public var kindName: String {
            switch self {
            case .string: return "string"
            case .integer: return "integer"
            case .number: return "number"
            case .array: return "array"
            case .other(let kind): return kind
            }
        }
    }

    /// One line: its number, its text (without the line end) and its object's keys.
    public struct Object: Sendable, Hashable {
        /// The 1-based line number.
        public var line: Int
        /// The line as it is in the file.
        public var text: String
        /// The object's keys and values.
        public var fields: [String: Value]
    }

    /// Decodes `data` and parses each non-empty line.
    ///
    /// - Throws: ``DatasetError/invalidUTF8(file:line:)``, or
    ///   ``DatasetError/invalidJSON(file:line:reason:)`` for a line that is not a JSON object.
    /// - Complexity: O(*n*) in the number of bytes.
    public static func objects(in data: Data, file: String) throws -> [Object] {
        try dictionaries(in: data, file: file).map { line in
            Object(
                line: line.number, text: line.text,
                fields: line.dictionary.mapValues(Self.value))
        }
    }

    /// Each non-empty line's number, text and object as `JSONSerialization` parsed it, for
    /// readers that need nested values (arrays) that ``Value`` reduces to their kind.
    ///
    /// - Throws: As ``objects(in:file:)``.
    static func dictionaries(in data: Data, file: String) throws
        -> [(number: Int, text: String, dictionary: [String: Any])]
    {
        try lines(in: classicLineEndingsConverted(data), file: file).map { line in
            let parsed: Any
            do {
                parsed = try JSONSerialization.jsonObject(with: Data(line.text.utf8))
            } catch {
                throw DatasetError.invalidJSON(
                    file: file, line: line.number, reason: "not a valid JSON value")
            }
            if let duplicate = DuplicateJSONKeys.first(in: line.text.utf8) {
                throw DatasetError.invalidJSON(
                    file: file, line: line.number,
                    reason: "duplicate key \"\(duplicate.key)\" (at byte \(duplicate.offset + 1))")
            }
            guard let dictionary = parsed as? [String: Any] else {
                throw DatasetError.invalidJSON(
                    file: file, line: line.number, reason: "expected an object")
            }
            return (line.number, line.text, dictionary)
        }
    }

    /// The non-empty lines of `data` (LF or CR LF ends, a leading byte-order mark dropped), or
    /// all of them with `keepingBlank` (CoNLL files mark sentence ends with blank lines).
    ///
    /// - Throws: ``DatasetError/invalidUTF8(file:line:)``.
    static func lines(in data: Data, file: String, keepingBlank: Bool = false) throws
        -> [(number: Int, text: String)]
    {
        var bytes = [UInt8](data)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            bytes.removeFirst(3)
        }
        if let line = DelimitedText.firstInvalidUTF8Line(bytes) {
            throw DatasetError.invalidUTF8(file: file, line: line)
        }
        var lines: [(number: Int, text: String)] = []
        var start = 0
        var number = 0
        while start < bytes.count {
            number += 1
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            let next = end + 1
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            let text = String(decoding: bytes[start..<end], as: UTF8.self)
            if keepingBlank || !text.allSatisfy(\.isWhitespace) { lines.append((number, text)) }
            start = next
        }
        return lines
    }

    /// The reduced form of one parsed JSON value.
    static func value(_ any: Any) -> Value {
        switch any {
        case let string as String:
            return .string(string)
        case let number as NSNumber:
            // JSONSerialization gives NSNumber for numbers and booleans; the Objective-C type
            // code tells them apart ("c": boolean, "d"/"f": a literal with '.' or exponent).
            switch String(cString: number.objCType) {
            case "c": return .other("boolean")
            case "d", "f": return .number(number.description)
            default: return .integer(number.description)
            }
        case is NSNull:
            return .other("null")
        case let array as [Any]:
            return .array(array.map(value))
        default:
            return .other("object")
        }
    }
}
