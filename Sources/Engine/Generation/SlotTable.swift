/// Which KV-cache slots are free, and which tokens each slot still caches from its last
/// sequence, so a new prompt sharing a prefix (the next turn of a chat) skips recomputing it.
struct SlotTable {
    private var cached: [[Int]]
    /// Per slot: positions whose rows its cache has written, beyond `cached` where a speculative
    /// step wrote draft tokens that were rejected (a ring's rows they overwrote are gone too).
    private var written: [Int]
    private var inUse: [Bool]
    private var lastUsed: [Int]
    private var clock = 0
    /// See `KVCache.reuseOverhang`: a cache that ran further past the shared prefix is not reused.
    private let reuseOverhang: Int?

    init(count: Int, reuseOverhang: Int? = nil) {
        self.reuseOverhang = reuseOverhang
        cached = Array(repeating: [], count: count)
        written = Array(repeating: 0, count: count)
        inUse = Array(repeating: false, count: count)
        lastUsed = Array(repeating: 0, count: count)
    }

    var hasFreeSlot: Bool { inUse.contains(false) }

    /// Claims the free slot whose cache shares the longest prefix with `prompt` (least recently
    /// used on ties) and returns it with the number of leading prompt tokens already cached.
    mutating func acquire(for prompt: [Int], reuseCache: Bool) -> (slot: Int, cachedTokens: Int)? {
        var best: (slot: Int, shared: Int)?
        for slot in cached.indices where !inUse[slot] {
            var shared = reuseCache ? commonPrefixLength(cached[slot], prompt) : 0
            let rows = max(cached[slot].count, written[slot])
            if let reuseOverhang, rows - min(shared, prompt.count - 1) > reuseOverhang { shared = 0 }
            if let current = best {
                if shared > current.shared || (shared == current.shared && lastUsed[slot] < lastUsed[current.slot]) {
                    best = (slot, shared)
                }
            } else {
                best = (slot, shared)
            }
        }
        guard let best else { return nil }
        inUse[best.slot] = true
        clock += 1
        lastUsed[best.slot] = clock
        // At least the last prompt token is recomputed: its logits choose the first output token.
        return (best.slot, min(best.shared, prompt.count - 1))
    }

    /// Frees `slot`, remembering the tokens whose keys and values it now holds and how many
    /// positions it wrote in all (`writtenPositions`, at least `cachedTokens.count`).
    mutating func release(_ slot: Int, cachedTokens: ArraySlice<Int>, writtenPositions: Int = 0) {
        inUse[slot] = false
        cached[slot] = Array(cachedTokens)
        written[slot] = max(writtenPositions, cachedTokens.count)
    }

    private func commonPrefixLength(_ a: [Int], _ b: [Int]) -> Int {
        var length = 0
        while length < a.count, length < b.count, a[length] == b[length] { length += 1 }
        return length
    }
}
