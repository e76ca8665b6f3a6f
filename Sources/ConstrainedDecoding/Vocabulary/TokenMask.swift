/// The set of tokens allowed at one step, as a bitset over the vocabulary.
public struct TokenMask: Sendable, Equatable {
    /// Bit `id % 64` of word `id / 64` is set when token `id` is allowed.
    public private(set) var words: [UInt64]
    /// Vocabulary size.
    public let count: Int

    public init(count: Int) {
        self.count = count
        self.words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    @inline(__always)
    public func isAllowed(_ id: Int) -> Bool {
        guard id >= 0, id < count else { return false }
        return words[id >> 6] & (UInt64(1) << UInt64(id & 63)) != 0
    }

    @inline(__always)
    public mutating func allow(_ id: Int) {
        guard id >= 0, id < count else { return }
        words[id >> 6] |= UInt64(1) << UInt64(id & 63)
    }

    @inline(__always)
    public mutating func disallow(_ id: Int) {
        guard id >= 0, id < count else { return }
        words[id >> 6] &= ~(UInt64(1) << UInt64(id & 63))
    }

    mutating func formUnion(_ other: [UInt64]) {
        for index in words.indices { words[index] |= other[index] }
    }

    /// Number of allowed tokens.
    public var allowedCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// The allowed token IDs, ascending.
    public var allowedIDs: [Int] {
        var result: [Int] = []
        for (index, word) in words.enumerated() where word != 0 {
            var bits = word
            while bits != 0 {
                let bit = bits.trailingZeroBitCount
                result.append(index * 64 + bit)
                bits &= bits - 1
            }
        }
        return result
    }

    /// Sets the logits of disallowed tokens to -infinity.
    public func apply(to logits: inout [Float]) {
        for id in logits.indices where !isAllowed(id) { logits[id] = -.infinity }
    }
}
