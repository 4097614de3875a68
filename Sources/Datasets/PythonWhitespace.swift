// swift-bert — datasets.

extension Unicode.Scalar {
    /// Python's `str.isspace()` for one code point, which `run_mlm.py`'s blank-line filter,
    /// `run_qa.py`'s `lstrip()` and the SQuAD script's `split()` all rest on: bidirectional
    /// class WS, B or S, or general category Zs (the list is `[c for c in range(0x110000) if
    /// chr(c).isspace()]`). Unlike Unicode's White_Space it includes U+001C–U+001F.
    public var isPythonWhitespace: Bool {
        switch value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029,
            0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }
}
