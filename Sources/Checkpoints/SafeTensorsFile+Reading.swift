// swift-bert — Checkpoints: typed reads of safetensors tensors.

extension SafeTensorsFile {
    /// Reads a floating-point tensor as `Float`s, in row-major order.
    ///
    /// F32 is copied as it is; F16 and BF16 are widened exactly (as PyTorch's
    /// `tensor.float()`); F64 is rounded to nearest.
    /// - Parameter name: The tensor's name.
    /// - Returns: ``TensorInfo/elementCount`` values.
    /// - Throws: ``CheckpointError/tensorNotFound(file:tensor:)``, or
    ///   ``CheckpointError/dtypeMismatch(file:tensor:dtype:expected:)`` for a tensor of
    ///   integers.
    /// - Complexity: O(elements).
    public func floats(_ name: String) throws -> [Float] {
        let tensor = try info(name)
        try checkFloatDType(tensor)
        return try [Float](unsafeUninitializedCapacity: tensor.elementCount) {
            buffer, initializedCount in
            try floats(name, into: buffer)
            initializedCount = tensor.elementCount
        }
    }

    /// Reads a floating-point tensor into a caller-provided buffer, such as a tensor's slice of
    /// a model's flat parameter storage, without an intermediate copy.
    ///
    /// Converts as ``floats(_:)`` does.
    /// - Parameters:
    ///   - name: The tensor's name.
    ///   - destination: Exactly ``TensorInfo/elementCount`` floats, overwritten in row-major
    ///     order.
    /// - Throws: ``CheckpointError/tensorNotFound(file:tensor:)``,
    ///   ``CheckpointError/dtypeMismatch(file:tensor:dtype:expected:)``, or
    ///   ``CheckpointError/elementCountMismatch(file:tensor:expected:actual:)`` when
    ///   `destination` has another size.
    /// - Complexity: O(elements).
    public func floats(_ name: String, into destination: UnsafeMutableBufferPointer<Float>)
        throws
    {
        let tensor = try info(name)
        try checkFloatDType(tensor)
        let count = tensor.elementCount
        guard destination.count == count else {
            throw CheckpointError.elementCountMismatch(
                file: url.path, tensor: name, expected: count, actual: destination.count)
        }
        guard count > 0, let output = destination.baseAddress else { return }
        try withUnsafeBytes(of: name) { source in
            switch tensor.dtype {
            case .float32:
                #if _endian(little)
                    UnsafeMutableRawBufferPointer(destination).copyMemory(from: source)
                #else
                    for index in 0..<count {
                        let bits = source.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)
                        output[index] = Float(bitPattern: UInt32(littleEndian: bits))
                    }
                #endif
            case .float16:
                for index in 0..<count {
                    let bits = source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)
                    output[index] = HalfPrecision.float(fromFloat16Bits: UInt16(littleEndian: bits))
                }
            case .bfloat16:
                for index in 0..<count {
                    let bits = source.loadUnaligned(fromByteOffset: 2 * index, as: UInt16.self)
                    output[index] = HalfPrecision.float(
                        fromBFloat16Bits: UInt16(littleEndian: bits))
                }
            case .float64:
                for index in 0..<count {
                    let bits = source.loadUnaligned(fromByteOffset: 8 * index, as: UInt64.self)
                    output[index] = Float(Double(bitPattern: UInt64(littleEndian: bits)))
                }
            default:
                preconditionFailure("checkFloatDType let \(tensor.dtype) through")
            }
        }
    }

    /// Reads an integer or boolean tensor as `Int`s, in row-major order (fixtures and
    /// checkpoints store token ids and `position_ids` as I64).
    ///
    /// Accepts I64, I32, I16, I8, U64, U32, U16, U8 and BOOL (as 0 or 1).
    /// - Parameter name: The tensor's name.
    /// - Returns: ``TensorInfo/elementCount`` values.
    /// - Throws: ``CheckpointError/tensorNotFound(file:tensor:)``,
    ///   ``CheckpointError/dtypeMismatch(file:tensor:dtype:expected:)`` for a floating-point
    ///   tensor, or ``CheckpointError/valueOutOfRange(file:tensor:index:value:)`` for a U64
    ///   element above `Int.max`.
    /// - Complexity: O(elements).
    public func integers(_ name: String) throws -> [Int] {
        let tensor = try info(name)
        guard tensor.dtype.isReadableAsInteger else {
            throw CheckpointError.dtypeMismatch(
                file: url.path, tensor: name, dtype: tensor.dtype.rawValue,
                expected: "an integer dtype (I64, I32, I16, I8, U64, U32, U16, U8, BOOL)")
        }
        let count = tensor.elementCount
        return try withUnsafeBytes(of: name) { source in
            var values = [Int](repeating: 0, count: count)
            func read<T: FixedWidthInteger>(_: T.Type) {
                for index in 0..<count {
                    let raw = source.loadUnaligned(
                        fromByteOffset: MemoryLayout<T>.size * index, as: T.self)
                    values[index] = Int(T(littleEndian: raw))
                }
            }
            switch tensor.dtype {
            case .int64: read(Int64.self)
            case .int32: read(Int32.self)
            case .int16: read(Int16.self)
            case .int8: read(Int8.self)
            case .uint32: read(UInt32.self)
            case .uint16: read(UInt16.self)
            case .uint8: read(UInt8.self)
            case .bool:
                for index in 0..<count { values[index] = source[index] == 0 ? 0 : 1 }
            case .uint64:
                for index in 0..<count {
                    let raw = UInt64(
                        littleEndian: source.loadUnaligned(
                            fromByteOffset: 8 * index, as: UInt64.self))
                    guard let value = Int(exactly: raw) else {
                        throw CheckpointError.valueOutOfRange(
                            file: url.path, tensor: name, index: index, value: String(raw))
                    }
                    values[index] = value
                }
            default:
                preconditionFailure("isReadableAsInteger let \(tensor.dtype) through")
            }
            return values
        }
    }

    private func checkFloatDType(_ tensor: TensorInfo) throws {
        guard tensor.dtype.isReadableAsFloat else {
            throw CheckpointError.dtypeMismatch(
                file: url.path, tensor: tensor.name, dtype: tensor.dtype.rawValue,
                expected: "a floating-point dtype (F32, F16, BF16, F64)")
        }
    }
}
