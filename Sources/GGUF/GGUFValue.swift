/// The metadata value types of the GGUF format, with their on-disk codes.
public enum GGUFValueType: UInt32, Sendable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6
    case bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12
}

/// One metadata value.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    indirect case array(elementType: GGUFValueType, values: [GGUFValue])

    /// Any integer type as `Int` (`nil` if it does not fit or is not an integer).
    public var intValue: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        case .bool(let v): v ? 1 : 0
        default: nil
        }
    }

    /// Any number as `Double`.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: intValue.map(Double.init)
        }
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var arrayValues: [GGUFValue]? { if case .array(_, let values) = self { values } else { nil } }
}

/// The metadata of a GGUF file, with typed accessors that throw naming the key.
public struct GGUFMetadata: Sendable {
    public let values: [String: GGUFValue]
    /// Keys in file order, for listings.
    public let keys: [String]

    public subscript(key: String) -> GGUFValue? { values[key] }

    public func string(_ key: String) throws(GGUFError) -> String {
        guard let value = values[key] else { throw .missingKey(key) }
        guard let string = value.stringValue else { throw .invalidMetadata(key: key, reason: "expected a string") }
        return string
    }

    public func int(_ key: String) throws(GGUFError) -> Int {
        guard let value = values[key] else { throw .missingKey(key) }
        guard let int = value.intValue else { throw .invalidMetadata(key: key, reason: "expected an integer") }
        return int
    }

    public func double(_ key: String) throws(GGUFError) -> Double {
        guard let value = values[key] else { throw .missingKey(key) }
        guard let number = value.doubleValue else { throw .invalidMetadata(key: key, reason: "expected a number") }
        return number
    }

    public func stringArray(_ key: String) throws(GGUFError) -> [String] {
        guard let value = values[key] else { throw .missingKey(key) }
        guard let array = value.arrayValues else { throw .invalidMetadata(key: key, reason: "expected an array") }
        var strings: [String] = []
        strings.reserveCapacity(array.count)
        for element in array {
            guard let string = element.stringValue else {
                throw .invalidMetadata(key: key, reason: "expected an array of strings")
            }
            strings.append(string)
        }
        return strings
    }

    public func intArray(_ key: String) throws(GGUFError) -> [Int] {
        guard let value = values[key] else { throw .missingKey(key) }
        guard let array = value.arrayValues else { throw .invalidMetadata(key: key, reason: "expected an array") }
        var ints: [Int] = []
        ints.reserveCapacity(array.count)
        for element in array {
            guard let int = element.intValue else {
                throw .invalidMetadata(key: key, reason: "expected an array of integers")
            }
            ints.append(int)
        }
        return ints
    }
}
