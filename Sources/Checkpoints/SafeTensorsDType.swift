// swift-bert — Checkpoints: safetensors element types and their conversions to Float.

/// The element type of a tensor in a safetensors file, spelled as in the file's header.
///
/// The cases are declared in the order of the Rust `safetensors::Dtype` enum (increasing
/// alignment), which the writer uses to order tensors the way `safetensors.torch.save_file`
/// does. The sub-byte types of recent versions (`F4`, `F6_*`) are not supported and read as an
/// unknown dtype.
public enum SafeTensorsDType: String, CaseIterable, Sendable, Hashable {
    case bool = "BOOL"
    case uint8 = "U8"
    case int8 = "I8"
    case float8E5M2 = "F8_E5M2"
    case float8E4M3 = "F8_E4M3"
    case float8E8M0 = "F8_E8M0"
    case int16 = "I16"
    case uint16 = "U16"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int32 = "I32"
    case uint32 = "U32"
    case float32 = "F32"
    case complex64 = "C64"
    case float64 = "F64"
    case int64 = "I64"
    case uint64 = "U64"

    /// The size of one element in bytes.
    public var byteSize: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E5M2, .float8E4M3, .float8E8M0: return 1
        case .int16, .uint16, .float16, .bfloat16: return 2
        case .int32, .uint32, .float32: return 4
        case .complex64, .float64, .int64, .uint64: return 8
        }
    }

    /// Whether ``SafeTensorsFile/floats(_:)`` can read this type.
    public var isReadableAsFloat: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }

    /// Whether ``SafeTensorsFile/integers(_:)`` can read this type.
    public var isReadableAsInteger: Bool {
        switch self {
        case .bool, .uint8, .int8, .int16, .uint16, .int32, .uint32, .int64, .uint64: return true
        default: return false
        }
    }

    /// The position in the Rust library's `Dtype` order; larger means stored earlier.
    var alignmentRank: Int {
        // allCases is in declaration order, which is the Rust order.
        Self.allCases.firstIndex(of: self) ?? 0
    }
}

/// Bit-exact conversions of 16-bit floating-point formats to `Float`.
///
/// Written on bit patterns rather than with `Float16` because `Float16` is unavailable on
/// macOS on Intel. Every non-NaN value matches PyTorch's `tensor.float()` bit for bit; a NaN
/// stays a NaN with its payload (PyTorch's CPU kernels may return a canonical NaN instead).
public enum HalfPrecision {
    /// Converts an IEEE 754 binary16 bit pattern to `Float` exactly (subnormals, signed
    /// zeros, infinities and NaN payloads preserved), as `torch.float16` → `torch.float32`
    /// and the x86 F16C instruction `vcvtph2ps` do.
    @inlinable
    public static func float(fromFloat16Bits bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits) & 0x3FF
        if exponent == 0x1F {
            // Infinity or NaN: keep the payload in the top mantissa bits.
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        if exponent == 0 {
            // Zero or subnormal: the value is mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// Converts a bfloat16 bit pattern to `Float` (exact: bfloat16 is the top half of a
    /// binary32), as `torch.bfloat16` → `torch.float32` does.
    @inlinable
    public static func float(fromBFloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }
}
