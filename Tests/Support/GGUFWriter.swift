import Foundation

/// Builds GGUF files byte by byte for tests: any metadata, tensors of any type code, and
/// deliberate corruption (bad magic, wrong offsets, truncation).
public struct GGUFWriter {
    public enum Value {
        case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
        case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
        case array(elementType: UInt32, [Value])
        /// A raw type code with no payload, to test unknown types.
        case rawType(UInt32)

        var typeCode: UInt32 {
            switch self {
            case .uint8: 0
            case .int8: 1
            case .uint16: 2
            case .int16: 3
            case .uint32: 4
            case .int32: 5
            case .float32: 6
            case .bool: 7
            case .string: 8
            case .array: 9
            case .uint64: 10
            case .int64: 11
            case .float64: 12
            case .rawType(let code): code
            }
        }
    }

    public struct Tensor {
        public var name: String
        public var shape: [UInt64]
        public var typeCode: UInt32
        public var data: [UInt8]
        /// Overrides the offset written in the tensor table (to test corrupt files).
        public var offsetOverride: UInt64?

        public init(name: String, shape: [UInt64], typeCode: UInt32, data: [UInt8], offsetOverride: UInt64? = nil) {
            self.name = name
            self.shape = shape
            self.typeCode = typeCode
            self.data = data
            self.offsetOverride = offsetOverride
        }

        /// An F32 tensor holding `values`.
        public static func f32(_ name: String, shape: [UInt64], values: [Float]) -> Tensor {
            Tensor(name: name, shape: shape, typeCode: 0,
                   data: values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } })
        }
    }

    public var magic: UInt32 = 0x4655_4747
    public var version: UInt32 = 3
    public var metadata: [(String, Value)] = []
    public var tensors: [Tensor] = []
    public var alignment = 32

    public init(metadata: [(String, Value)] = [], tensors: [Tensor] = []) {
        self.metadata = metadata
        self.tensors = tensors
    }

    public func bytes() -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) {
            u64(UInt64(s.utf8.count))
            out.append(contentsOf: Array(s.utf8))
        }
        func payload(_ value: Value) {
            switch value {
            case .uint8(let v): out.append(v)
            case .int8(let v): out.append(UInt8(bitPattern: v))
            case .uint16(let v): withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
            case .int16(let v): withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
            case .uint32(let v): u32(v)
            case .int32(let v): u32(UInt32(bitPattern: v))
            case .uint64(let v): u64(v)
            case .int64(let v): u64(UInt64(bitPattern: v))
            case .float32(let v): u32(v.bitPattern)
            case .float64(let v): u64(v.bitPattern)
            case .bool(let v): out.append(v ? 1 : 0)
            case .string(let v): string(v)
            case .array(let elementType, let values):
                u32(elementType)
                u64(UInt64(values.count))
                values.forEach(payload)
            case .rawType: break
            }
        }
        u32(magic)
        u32(version)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (key, value) in metadata {
            string(key)
            u32(value.typeCode)
            payload(value)
        }
        var offsets: [UInt64] = []
        var running: UInt64 = 0
        for tensor in tensors {
            offsets.append(running)
            running += UInt64((tensor.data.count + alignment - 1) / alignment * alignment)
        }
        for (index, tensor) in tensors.enumerated() {
            string(tensor.name)
            u32(UInt32(tensor.shape.count))
            tensor.shape.forEach(u64)
            u32(tensor.typeCode)
            u64(tensor.offsetOverride ?? offsets[index])
        }
        while out.count % alignment != 0 { out.append(0) }
        for tensor in tensors {
            out.append(contentsOf: tensor.data)
            while out.count % alignment != 0 { out.append(0) }
        }
        return out
    }

    /// Writes the file (optionally only its first `truncatedTo` bytes) to a temporary path.
    public func write(truncatedTo: Int? = nil) throws -> String {
        var data = bytes()
        if let truncatedTo { data = Array(data.prefix(truncatedTo)) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("test-\(UUID().uuidString).gguf").path
        try Data(data).write(to: URL(fileURLWithPath: path))
        return path
    }
}
