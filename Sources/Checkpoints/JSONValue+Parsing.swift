// swift-bert — Checkpoints: a strict JSON parser (RFC 8259) that keeps number literals.

extension JSONValue {
    /// Parses a JSON document.
    ///
    /// Strict RFC 8259: no comments, no trailing commas, no `NaN`; strings must be valid UTF-8
    /// and may not contain lone surrogate escapes; an object may not repeat a key (Python would
    /// keep the last, serde_json's maps too, but a repeated key in a checkpoint is a mistake
    /// worth reporting). Whitespace may surround the value.
    ///
    /// - Parameters:
    ///   - bytes: The document, UTF-8 encoded.
    ///   - file: The file name that errors report.
    /// - Throws: ``CheckpointError/invalidJSON(file:offset:reason:)`` naming the byte offset.
    public init(parsing bytes: UnsafeRawBufferPointer, file: String) throws {
        var parser = JSONParser(bytes: bytes, file: file)
        self = try parser.parseDocument()
    }

    /// Parses a JSON document held in an array of bytes, as the raw-buffer initializer does.
    public init(parsing bytes: [UInt8], file: String) throws {
        self = try bytes.withUnsafeBytes { try JSONValue(parsing: $0, file: file) }
    }

    /// Parses a JSON document held in a string.
    public init(parsing text: String, file: String) throws {
        try self.init(parsing: Array(text.utf8), file: file)
    }
}

/// A recursive-descent parser over UTF-8 bytes.
private struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var position = 0
    var depth = 0
    static let maximumDepth = 512

    init(bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count { throw error("unexpected text after the JSON value") }
        return value
    }

    func error(_ reason: String, at offset: Int? = nil) -> CheckpointError {
        .invalidJSON(file: file, offset: offset ?? position, reason: reason)
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard current == byte else {
            throw error("expected \(what)" + (current == nil ? ", found end of input" : ""))
        }
        position += 1
    }

    mutating func parseValue() throws -> JSONValue {
        guard let byte = current else { throw error("expected a value, found end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try parseLiteral("true", .bool(true))
        case UInt8(ascii: "f"): return try parseLiteral("false", .bool(false))
        case UInt8(ascii: "n"): return try parseLiteral("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character '\(Unicode.Scalar(byte))'")
        }
    }

    mutating func parseLiteral(_ word: String, _ value: JSONValue) throws -> JSONValue {
        for expected in word.utf8 {
            guard current == expected else { throw error("invalid literal, expected '\(word)'") }
            position += 1
        }
        return value
    }

    mutating func enter() throws {
        depth += 1
        if depth > Self.maximumDepth { throw error("nesting deeper than \(Self.maximumDepth)") }
    }

    mutating func parseObject() throws -> JSONValue {
        try enter()
        position += 1  // {
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            let keyOffset = position
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            let value = try parseValue()
            if object.updateValue(value, forKey: key) != nil {
                throw error("duplicate key \(JSONValue.quoted(key))", at: keyOffset)
            }
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            depth -= 1
            return .object(object)
        }
    }

    mutating func parseArray() throws -> JSONValue {
        try enter()
        position += 1  // [
        var array: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(array)
        }
        while true {
            skipWhitespace()
            array.append(try parseValue())
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            depth -= 1
            return .array(array)
        }
    }

    mutating func parseNumber() throws -> JSONValue {
        let start = position
        func digits(_ parser: inout JSONParser) -> Int {
            var count = 0
            while let byte = parser.current, byte >= 0x30 && byte <= 0x39 {
                parser.position += 1
                count += 1
            }
            return count
        }
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else if digits(&self) == 0 {
            throw error("invalid number: expected a digit")
        }
        if current == UInt8(ascii: ".") {
            position += 1
            if digits(&self) == 0 { throw error("invalid number: expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            if digits(&self) == 0 { throw error("invalid number: expected an exponent digit") }
        }
        return .number(String(decoding: bytes[start..<position], as: UTF8.self))
    }

    mutating func parseString() throws -> String {
        let start = position
        position += 1  // opening quote
        var buffer: [UInt8] = []
        var segmentStart = position
        while true {
            guard let byte = current else {
                throw error("unterminated string", at: start)
            }
            if byte == UInt8(ascii: "\"") {
                buffer.append(contentsOf: bytes[segmentStart..<position])
                position += 1
                break
            }
            if byte < 0x20 { throw error("control character in a string") }
            if byte != UInt8(ascii: "\\") {
                position += 1
                continue
            }
            buffer.append(contentsOf: bytes[segmentStart..<position])
            position += 1
            guard let escape = current else { throw error("unterminated string", at: start) }
            position += 1
            switch escape {
            case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"): buffer.append(contentsOf: try parseUnicodeEscape())
            default: throw error("invalid escape '\\\(Unicode.Scalar(escape))'", at: position - 2)
            }
            segmentStart = position
        }
        guard let string = String(validating: buffer, as: UTF8.self) else {
            throw error("string is not valid UTF-8", at: start)
        }
        return string
    }

    /// Reads the four hex digits after `\u` (and a second escape for a surrogate pair) and
    /// returns the scalar's UTF-8 bytes.
    mutating func parseUnicodeEscape() throws -> [UInt8] {
        let escapeStart = position - 2
        let high = try parseHex4()
        var value = UInt32(high)
        if (0xD800..<0xDC00).contains(high) {
            guard current == UInt8(ascii: "\\") else {
                throw error("lone surrogate \\u\(String(high, radix: 16))", at: escapeStart)
            }
            position += 1
            guard current == UInt8(ascii: "u") else {
                throw error("lone surrogate \\u\(String(high, radix: 16))", at: escapeStart)
            }
            position += 1
            let low = try parseHex4()
            guard (0xDC00..<0xE000).contains(low) else {
                throw error("lone surrogate \\u\(String(high, radix: 16))", at: escapeStart)
            }
            value = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        } else if (0xDC00..<0xE000).contains(high) {
            throw error("lone surrogate \\u\(String(high, radix: 16))", at: escapeStart)
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error("invalid \\u escape", at: escapeStart)
        }
        return Array(String(scalar).utf8)
    }

    mutating func parseHex4() throws -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw error("unterminated \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in a \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }
}
