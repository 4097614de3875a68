// swift-bert — the BERT model.

import Kernels

/// The weights a forward or backward pass reads: the fp32 parameters and, in bf16, their
/// bf16 copy (what the GEMMs read), with the precision the GEMMs run in.
///
/// Offsets come from the model's ``ParameterTable``, resolved once by the encoder and the
/// heads, so a pass looks nothing up by name (no string building, no hashing, no allocation).
public struct ModelWeights {
    public let values: UnsafePointer<Float>
    public let bfloat16: UnsafePointer<UInt16>?
    public let precision: Precision

    public init(values: UnsafePointer<Float>, bfloat16: UnsafePointer<UInt16>?, precision: Precision) {
        self.values = values
        self.bfloat16 = bfloat16
        self.precision = precision
    }

    /// The fp32 tensor at `offset`.
    @inline(__always) public subscript(offset: Int) -> UnsafePointer<Float> { values + offset }

    /// The bf16 tensor at `offset`, when there is a bf16 copy.
    @inline(__always) public func bfloat16(_ offset: Int) -> UnsafePointer<UInt16>? {
        bfloat16.map { $0 + offset }
    }
}
