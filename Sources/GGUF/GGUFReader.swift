/// A bounds-checked little-endian cursor over the file's bytes.
struct GGUFReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    var remaining: Int { bytes.count - position }

    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws(GGUFError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated(reading: what(), offset: position) }
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += size
        return T(littleEndian: value)
    }

    /// Reads a u64 element count and rejects counts the rest of the file cannot hold.
    mutating func readCount(_ what: @autoclosure () -> String, minimumBytesEach: Int) throws(GGUFError) -> Int {
        let count = try read(UInt64.self, what())
        guard count <= UInt64(remaining / max(minimumBytesEach, 1)) else {
            throw .truncated(reading: "\(what()) (\(count) entries)", offset: position)
        }
        return Int(count)
    }

    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let length = try read(UInt64.self, what())
        guard length <= UInt64(remaining) else { throw .truncated(reading: what(), offset: position) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<position + Int(length)])
        position += Int(length)
        // Vocabularies hold byte-level tokens that are valid UTF-8; repair rather than fail otherwise.
        return String(decoding: slice, as: UTF8.self)
    }

    mutating func readValue(of type: GGUFValueType, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        let what = "the value of '\(key)'"
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, what))
        case .int8: return .int8(try read(Int8.self, what))
        case .uint16: return .uint16(try read(UInt16.self, what))
        case .int16: return .int16(try read(Int16.self, what))
        case .uint32: return .uint32(try read(UInt32.self, what))
        case .int32: return .int32(try read(Int32.self, what))
        case .uint64: return .uint64(try read(UInt64.self, what))
        case .int64: return .int64(try read(Int64.self, what))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, what)))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, what)))
        case .bool:
            let byte = try read(UInt8.self, what)
            guard byte <= 1 else { throw .invalidMetadata(key: key, reason: "boolean byte \(byte)") }
            return .bool(byte == 1)
        case .string: return .string(try readString(what))
        case .array:
            guard depth < 4 else { throw .invalidMetadata(key: key, reason: "arrays nested too deeply") }
            let rawType = try read(UInt32.self, "the element type of '\(key)'")
            guard let elementType = GGUFValueType(rawValue: rawType) else { throw .unknownValueType(rawType, key: key) }
            let count = try readCount("the length of '\(key)'", minimumBytesEach: elementType.minimumEncodedSize)
            var values: [GGUFValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                values.append(try readValue(of: elementType, key: key, depth: depth + 1))
            }
            return .array(elementType: elementType, values: values)
        }
    }
}

extension GGUFValueType {
    /// The fewest bytes one value of this type takes on disk (strings and arrays: their length field).
    var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64, .string: 8
        case .array: 12
        }
    }
}
