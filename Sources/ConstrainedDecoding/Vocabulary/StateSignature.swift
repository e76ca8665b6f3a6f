/// A canonical description of everything a per-state mask depends on: the part of the
/// automaton reachable from the state (byte edges, calls, returns), renumbered in
/// breadth-first order from it. Equal signatures mean equal masks, even across grammars,
/// so the common JSON pieces (strings, numbers, any value) are walked once per vocabulary.
extension GrammarStorage {
    /// Nil when more than `limit` states are reachable: such states are specific to one
    /// grammar anyway, and describing them would cost more than it saves.
    func signature(of state: Int32, limit: Int = 1024) -> StateSignature? {
        var number: [Int32: UInt64] = [state: 0]
        var order: [Int32] = [state]
        var result: [UInt64] = []
        var index = 0
        func id(_ target: Int32) -> UInt64 {
            if let existing = number[target] { return existing }
            let assigned = UInt64(order.count)
            number[target] = assigned
            order.append(target)
            return assigned
        }
        while index < order.count {
            if order.count > limit { return nil }
            let current = Int(order[index])
            index += 1
            let edgeFirst = Int(edgeStart[current])
            let edgeLast = Int(edgeStart[current + 1])
            let callFirst = Int(callStart[current])
            let callLast = Int(callStart[current + 1])
            result.append(UInt64(edgeLast - edgeFirst) << 32 | UInt64(callLast - callFirst) << 1 | (isReturn[current] ? 1 : 0))
            for edge in edgeFirst..<edgeLast {
                let set = edgeSets[edge]
                result.append(set.w0)
                result.append(set.w1)
                result.append(set.w2)
                result.append(set.w3)
                result.append(id(edgeTargets[edge]))
            }
            for call in callFirst..<callLast {
                result.append(id(ruleStart[Int(callRules[call])]))
                result.append(id(callReturns[call]))
            }
        }
        return StateSignature(result)
    }
}

/// Two independent 64-bit hashes of a canonical automaton description (a 128-bit key:
/// collisions are negligible, and the store stays small however large the grammar).
struct StateSignature: Hashable, Sendable {
    let first: UInt64
    let second: UInt64

    init(_ words: [UInt64]) {
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(words.count)
        for word in words {
            first = (first ^ word) &* 0x0000_0100_0000_01B3
            second = (second &+ word) &* 0xBF58_476D_1CE4_E5B9
            second ^= second >> 29
        }
        self.first = first
        self.second = second
    }
}

/// Per-state masks shared by all grammars used with one vocabulary, keyed by signature.
final class SharedMaskStore: @unchecked Sendable {
    private let lock = NSLockBox()
    private var entries: [StateSignature: MaskCache.StateMasks] = [:]
    /// Bounds memory (each entry holds a vocabulary-sized bitset); the store is simply
    /// emptied when full.
    static let capacity = 4096

    func masks(for signature: StateSignature) -> MaskCache.StateMasks? {
        lock.withLock { entries[signature] }
    }

    func store(_ masks: MaskCache.StateMasks, for signature: StateSignature) {
        lock.withLock {
            if entries.count >= SharedMaskStore.capacity { entries.removeAll() }
            entries[signature] = masks
        }
    }
}
