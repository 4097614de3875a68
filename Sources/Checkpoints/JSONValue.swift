// swift-bert — Checkpoints: a JSON value that round-trips Hugging Face files faithfully.

/// A JSON value, as read from a safetensors header or a `config.json`.
///
/// Numbers keep their literal text (`1e-12`, `0.1`, `512`), so a file that is read and written
/// back keeps every value it had, and integers are told apart from floats exactly as Python's
/// `json` module tells them apart (a literal with `.`, `e` or `E` is a float). Objects are
/// unordered; ``serialized(style:)`` sorts keys by Unicode code point, as
/// `json.dumps(sort_keys=True)` does.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// A number, as its JSON literal text.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// An integer number.
    public init(_ value: Int) { self = .number(String(value)) }

    /// A floating-point number, written as Python's `repr(float)` writes it (`0.1`, `1e-12`,
    /// `2.0`), so that Python reads back a `float`.
    ///
    /// - Precondition: `value` is finite (JSON has no infinities or NaN).
    public init(_ value: Double) {
        precondition(value.isFinite, "JSON cannot hold the non-finite number \(value)")
        self = .number(Self.pythonRepr(value))
    }

    /// The value as an `Int`, when it is a number whose literal is an integer that fits.
    public var intValue: Int? {
        if case .number(let literal) = self { return Int(literal) }
        return nil
    }

    /// The value as a `Double`, when it is a number (integer or not).
    public var doubleValue: Double? {
        if case .number(let literal) = self { return Double(literal) }
        return nil
    }

    /// The value as a `String`, when it is a string.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The value as a dictionary, when it is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The value as an array, when it is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    /// A word for the value's kind, for error messages: `null`, `boolean`, `integer`,
    /// `number`, `string`, `array` or `object`.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let literal): return Int(literal) != nil ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Python's `repr` of a finite float: the shortest round-tripping digits, in positional
    /// notation for exponents -4 ..< 16 (always with a fractional part) and in exponent
    /// notation with at least two exponent digits otherwise.
    static func pythonRepr(_ value: Double) -> String {
        // Swift's description gives the same shortest digits; only the layout differs.
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let eIndex = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<eIndex]
            exponent = Int(text[text.index(after: eIndex)...]) ?? 0
        }
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa = mantissa.dropFirst() }
        // Digits without the point, and the decimal exponent of the first digit.
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = parts.first.map(String.init) ?? ""
        let fractionPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = integerPart + fractionPart
        var pointPosition = integerPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        if digits == "0" { return negative ? "-0.0" : "0.0" }
        let decimalExponent = pointPosition - 1
        var result: String
        if decimalExponent >= -4 && decimalExponent < 16 {
            if pointPosition <= 0 {
                result = "0." + String(repeating: "0", count: -pointPosition) + digits
            } else if pointPosition >= digits.count {
                result =
                    digits + String(repeating: "0", count: pointPosition - digits.count)
                    + ".0"
            } else {
                let split = digits.index(digits.startIndex, offsetBy: pointPosition)
                result = digits[..<split] + "." + digits[split...]
            }
        } else {
            let head = String(digits.prefix(1))
            let tail = digits.dropFirst()
            let exponentText = String(abs(decimalExponent))
            result =
                head + (tail.isEmpty ? "" : "." + tail) + "e"
                + (decimalExponent < 0 ? "-" : "+")
                + (exponentText.count < 2 ? "0" + exponentText : exponentText)
        }
        return negative ? "-" + result : result
    }
}

// MARK: - Writing

extension JSONValue {
    /// How ``serialized(style:)`` lays out its output.
    public enum Style: Sendable {
        /// No whitespace, keys sorted, non-ASCII characters written as they are (serde_json).
        case compact
        /// Python's `json.dumps(value, indent=2, sort_keys=True)`: two-space indent,
        /// `": "` between key and value, non-ASCII characters escaped as `\uXXXX`
        /// (`ensure_ascii`), as transformers writes `config.json`.
        case pythonIndented
    }

    /// The value as JSON text.
    public func serialized(style: Style = .compact) -> String {
        var output = ""
        write(into: &output, style: style, depth: 0)
        return output
    }

    /// A JSON string literal for `string`, quoted and escaped as serde_json does (`"`, `\`
    /// and control characters), or additionally with non-ASCII characters as `\uXXXX`
    /// escapes (UTF-16, as Python's `ensure_ascii`).
    public static func quoted(_ string: String, asciiOnly: Bool = false) -> String {
        var output = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            default:
                if scalar.value < 0x20 || (asciiOnly && scalar.value > 0x7F) {
                    for unit in String(scalar).utf16 { output += unicodeEscape(unit) }
                } else {
                    output.unicodeScalars.append(scalar)
                }
            }
        }
        output += "\""
        return output
    }

    private static func unicodeEscape(_ unit: UInt16) -> String {
        let hex = String(unit, radix: 16)
        return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
    }

    /// Keys in Unicode code-point order, as Python's `sorted` orders `str` keys.
    static func sortedKeys(_ object: [String: JSONValue]) -> [String] {
        object.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
    }

    private func write(into output: inout String, style: Style, depth: Int) {
        let asciiOnly = style == .pythonIndented
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .number(let literal): output += literal
        case .string(let string): output += Self.quoted(string, asciiOnly: asciiOnly)
        case .array(let elements):
            if elements.isEmpty {
                output += "[]"
                return
            }
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += "," }
                newline(&output, style: style, depth: depth + 1)
                element.write(into: &output, style: style, depth: depth + 1)
            }
            newline(&output, style: style, depth: depth)
            output += "]"
        case .object(let object):
            if object.isEmpty {
                output += "{}"
                return
            }
            output += "{"
            for (index, key) in Self.sortedKeys(object).enumerated() {
                if index > 0 { output += "," }
                newline(&output, style: style, depth: depth + 1)
                output += Self.quoted(key, asciiOnly: asciiOnly)
                output += style == .compact ? ":" : ": "
                object[key, default: .null].write(into: &output, style: style, depth: depth + 1)
            }
            newline(&output, style: style, depth: depth)
            output += "}"
        }
    }

    private func newline(_ output: inout String, style: Style, depth: Int) {
        guard style == .pythonIndented else { return }
        output += "\n" + String(repeating: " ", count: 2 * depth)
    }
}

// MARK: - Codable

extension JSONValue: Codable {
    /// Decodes any JSON value; numbers are kept as `Int` when they decode as one, else `Double`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = JSONValue(value)
        } else if let value = try? container.decode(Double.self) {
            self = JSONValue(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value; a number encodes as `Int` when its literal is one, else `Double`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let literal):
            if let value = Int(literal) {
                try container.encode(value)
            } else {
                try container.encode(Double(literal) ?? 0)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
