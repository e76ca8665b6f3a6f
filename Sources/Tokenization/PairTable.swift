/// An open-addressing hash table from a packed pair of 32-bit ids to a merge, with a cheap
/// multiplicative hash: the BPE inner loop looks pairs up constantly, and `Dictionary`'s
/// seeded SipHash costs several times more per lookup.
struct PairTable: Sendable {
    private var keys: [UInt64]
    private var values: [MergeTable.Merge]
    private let mask: Int
    private static let empty = UInt64.max

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = [UInt64](repeating: Self.empty, count: size)
        values = [MergeTable.Merge](repeating: MergeTable.Merge(rank: -1, result: -1), count: size)
        mask = size - 1
    }

    @inline(__always)
    private func slot(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    /// Inserts `value` unless `key` is already present (the first rule wins).
    mutating func insertIfAbsent(_ key: UInt64, _ value: MergeTable.Merge) {
        var index = slot(key)
        while keys[index] != Self.empty {
            if keys[index] == key { return }
            index = (index + 1) & mask
        }
        keys[index] = key
        values[index] = value
    }

    @inline(__always)
    func find(_ key: UInt64) -> MergeTable.Merge? {
        var index = slot(key)
        while true {
            let stored = keys[index]
            if stored == key { return values[index] }
            if stored == Self.empty { return nil }
            index = (index + 1) & mask
        }
    }
}
