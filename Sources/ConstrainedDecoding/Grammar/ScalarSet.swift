/// A set of Unicode scalar values as sorted, disjoint, non-adjacent closed ranges.
struct ScalarSet: Sendable, Equatable {
    private(set) var ranges: [ClosedRange<UInt32>] = []

    static let maximum: UInt32 = 0x10FFFF
    static let all = ScalarSet([0...maximum]).subtracting(ScalarSet([0xD800...0xDFFF]))

    init() {}

    init(_ ranges: [ClosedRange<UInt32>]) {
        for range in ranges { insert(range) }
    }

    mutating func insert(_ range: ClosedRange<UInt32>) {
        var merged = range
        var result: [ClosedRange<UInt32>] = []
        var placed = false
        for existing in ranges {
            if existing.upperBound &+ 1 < merged.lowerBound {
                result.append(existing)
            } else if merged.upperBound &+ 1 < existing.lowerBound {
                if !placed { result.append(merged); placed = true }
                result.append(existing)
            } else {
                merged = min(existing.lowerBound, merged.lowerBound)...max(existing.upperBound, merged.upperBound)
            }
        }
        if !placed { result.append(merged) }
        ranges = result
    }

    mutating func insert(_ scalar: UInt32) { insert(scalar...scalar) }

    func union(_ other: ScalarSet) -> ScalarSet {
        var result = self
        for range in other.ranges { result.insert(range) }
        return result
    }

    /// All valid scalars not in this set.
    var inverted: ScalarSet {
        var result = ScalarSet()
        var next: UInt32 = 0
        var reachedEnd = false
        for range in ranges {
            if range.lowerBound > next { result.insert(next...(range.lowerBound - 1)) }
            if range.upperBound >= ScalarSet.maximum { reachedEnd = true; break }
            next = range.upperBound + 1
        }
        if !reachedEnd { result.insert(next...ScalarSet.maximum) }
        return result.subtracting(ScalarSet([0xD800...0xDFFF]))
    }

    func subtracting(_ other: ScalarSet) -> ScalarSet {
        var result: [ClosedRange<UInt32>] = []
        for range in ranges {
            var pieces = [range]
            for cut in other.ranges {
                var next: [ClosedRange<UInt32>] = []
                for piece in pieces {
                    if cut.upperBound < piece.lowerBound || cut.lowerBound > piece.upperBound {
                        next.append(piece)
                        continue
                    }
                    if cut.lowerBound > piece.lowerBound { next.append(piece.lowerBound...(cut.lowerBound - 1)) }
                    if cut.upperBound < piece.upperBound { next.append((cut.upperBound + 1)...piece.upperBound) }
                }
                pieces = next
            }
            result.append(contentsOf: pieces)
        }
        return ScalarSet(result)
    }

    func intersection(_ other: ScalarSet) -> ScalarSet {
        subtracting(other.inverted)
    }

    func contains(_ scalar: UInt32) -> Bool {
        ranges.contains { $0.contains(scalar) }
    }

    var isEmpty: Bool { ranges.isEmpty }

    /// The set as UTF-8 byte-range sequences (one sequence per alternative), as in the
    /// `utf8-ranges` construction: each range is split until every byte position is a
    /// simple range.
    var utf8Sequences: [[ClosedRange<UInt8>]] {
        var result: [[ClosedRange<UInt8>]] = []
        let lengthBounds: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x7FF, 0x800...0xFFFF, 0x10000...0x10FFFF]
        for range in ranges {
            for bound in lengthBounds {
                let low = max(range.lowerBound, bound.lowerBound)
                let high = min(range.upperBound, bound.upperBound)
                if low <= high { ScalarSet.split(low, high, into: &result) }
            }
        }
        return result
    }

    private static func split(_ low: UInt32, _ high: UInt32, into result: inout [[ClosedRange<UInt8>]]) {
        let length = encodedLength(low)
        if length > 1 {
            for index in 1..<length {
                let mask: UInt32 = (1 << (6 * UInt32(index))) - 1
                if low & ~mask != high & ~mask {
                    if low & mask != 0 {
                        split(low, low | mask, into: &result)
                        split((low | mask) + 1, high, into: &result)
                        return
                    }
                    if high & mask != mask {
                        split(low, (high & ~mask) - 1, into: &result)
                        split(high & ~mask, high, into: &result)
                        return
                    }
                }
            }
        }
        let lows = encode(low)
        let highs = encode(high)
        result.append(zip(lows, highs).map { $0...$1 })
    }

    private static func encodedLength(_ scalar: UInt32) -> Int {
        scalar < 0x80 ? 1 : scalar < 0x800 ? 2 : scalar < 0x10000 ? 3 : 4
    }

    private static func encode(_ scalar: UInt32) -> [UInt8] {
        switch encodedLength(scalar) {
        case 1: return [UInt8(scalar)]
        case 2: return [UInt8(0xC0 | (scalar >> 6)), UInt8(0x80 | (scalar & 0x3F))]
        case 3:
            return [UInt8(0xE0 | (scalar >> 12)), UInt8(0x80 | ((scalar >> 6) & 0x3F)), UInt8(0x80 | (scalar & 0x3F))]
        default:
            return [
                UInt8(0xF0 | (scalar >> 18)), UInt8(0x80 | ((scalar >> 12) & 0x3F)),
                UInt8(0x80 | ((scalar >> 6) & 0x3F)), UInt8(0x80 | (scalar & 0x3F)),
            ]
        }
    }
}

extension GrammarBuilder {
    /// One character from `set`, as UTF-8. Sequences sharing a lead byte range are merged
    /// into one branch so that the automaton stays nearly deterministic.
    mutating func scalars(_ set: ScalarSet) -> Fragment {
        let sequences = set.utf8Sequences
        var branches: [Fragment] = []
        for sequence in sequences {
            var sets: [ByteSet] = []
            for range in sequence { sets.append(ByteSet(range)) }
            branches.append(byteSequence(sets))
        }
        if branches.isEmpty { return byteSet(ByteSet()) }
        return choice(branches)
    }
}
