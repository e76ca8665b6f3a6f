/// A set of byte values, stored as a 256-bit bitmap.
struct ByteSet: Hashable, Sendable {
    var w0: UInt64 = 0
    var w1: UInt64 = 0
    var w2: UInt64 = 0
    var w3: UInt64 = 0

    init() {}

    init(_ byte: UInt8) { insert(byte) }

    init(_ range: ClosedRange<UInt8>) {
        for byte in range { insert(byte) }
    }

    @inline(__always)
    func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return w0 & bit != 0
        case 1: return w1 & bit != 0
        case 2: return w2 & bit != 0
        default: return w3 & bit != 0
        }
    }

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: w0 |= bit
        case 1: w1 |= bit
        case 2: w2 |= bit
        default: w3 |= bit
        }
    }

    func union(_ other: ByteSet) -> ByteSet {
        var result = self
        result.w0 |= other.w0
        result.w1 |= other.w1
        result.w2 |= other.w2
        result.w3 |= other.w3
        return result
    }

    var isEmpty: Bool { (w0 | w1 | w2 | w3) == 0 }
}
