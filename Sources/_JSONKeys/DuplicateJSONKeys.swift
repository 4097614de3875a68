// swift-bert — implementation detail: finding a duplicate key in a JSON document.

/// The first key that appears twice in one JSON object of a document.
///
/// `JSONSerialization` keeps the last of two equal keys without a word, as Python's
/// `json.loads` does; config.json and safetensors headers go through the project's own
/// parser, which refuses them, and every other JSON the project reads is checked here so the
/// rule is the same everywhere. Keys compare after unescaping (`"a"` and `"\u0061"` are one
/// key). Run it on a document that already parsed: it assumes well-formed JSON.
public enum DuplicateJSONKeys {
    /// The first duplicated key and the byte offset of its second occurrence, or `nil`.
    public static func first(in bytes: some Collection<UInt8>) -> (key: String, offset: Int)? {
        let bytes = Array(bytes)
        // One entry per open container: the keys seen so far, or nil for an array.
        var stack: [Set<String>?] = []
        var expectingKey = false
        var position = 0
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "{"):
                stack.append([])
                expectingKey = true
                position += 1
            case UInt8(ascii: "["):
                stack.append(nil)
                expectingKey = false
                position += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
                expectingKey = false
                position += 1
            case UInt8(ascii: ","):
                expectingKey = stack.last.map { $0 != nil } ?? false
                position += 1
            case UInt8(ascii: "\""):
                let start = position
                let (text, end) = string(bytes, from: position)
                position = end
                if expectingKey, var keys = stack.last ?? nil {
                    if keys.contains(text) { return (text, start) }
                    keys.insert(text)
                    stack[stack.count - 1] = keys
                    expectingKey = false
                }
            default:
                position += 1
            }
        }
        return nil
    }

    /// The unescaped string starting at the quote at `start`, and the offset past its end.
    private static func string(_ bytes: [UInt8], from start: Int) -> (String, Int) {
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        var position = start + 1
        var pendingHigh: UInt32?
        func flushRaw() {
            if !raw.isEmpty {
                scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                raw.removeAll()
            }
        }
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            guard bytes[position] == UInt8(ascii: "\\"), position + 1 < bytes.count else {
                raw.append(bytes[position])
                position += 1
                continue
            }
            flushRaw()
            let escape = bytes[position + 1]
            position += 2
            var value: UInt32
            switch escape {
            case UInt8(ascii: "n"): value = 0x0A
            case UInt8(ascii: "t"): value = 0x09
            case UInt8(ascii: "r"): value = 0x0D
            case UInt8(ascii: "b"): value = 0x08
            case UInt8(ascii: "f"): value = 0x0C
            case UInt8(ascii: "u"):
                let digits = bytes[position..<min(position + 4, bytes.count)]
                value = UInt32(String(decoding: digits, as: UTF8.self), radix: 16) ?? 0xFFFD
                position += 4
            default: value = UInt32(escape)
            }
            if (0xD800..<0xDC00).contains(value) {
                pendingHigh = value
                continue
            }
            if let high = pendingHigh, (0xDC00..<0xE000).contains(value) {
                value = 0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)
            }
            pendingHigh = nil
            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        flushRaw()
        return (String(scalars), position + 1)
    }
}
