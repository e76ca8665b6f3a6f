/// One tensor of a safetensors file: its type, shape and bytes (a view into the mapping,
/// valid while the `SafetensorsFile` lives).
public struct SafetensorsTensor: @unchecked Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// The tensor's bytes inside the file's mapping.
    public let bytes: UnsafeRawBufferPointer

    /// Elements in the tensor (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements as `Float`s, converted from F32, F16 or BF16 (copied into a new array).
    public func floats() throws(EmbeddingsError) -> [Float] {
        let count = elementCount
        switch dtype {
        case .f32:
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                // Copied bytewise: a header may place a tensor at an offset that is not 4-aligned.
                if let base = buffer.baseAddress, let source = bytes.baseAddress {
                    UnsafeMutableRawPointer(base).copyMemory(from: source, byteCount: count * 4)
                }
                initialized = count
            }
        case .f16:
            return (0..<count).map { Float(Float16(bitPattern: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
        case .bf16:
            return (0..<count).map {
                Float(bitPattern: UInt32(bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) << 16)
            }
        default:
            throw .badTensor(name: name, reason: "has type \(dtype.rawValue); a float type (F32, F16, BF16) is needed")
        }
    }
}
