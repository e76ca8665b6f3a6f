extension TokenVocabulary {
    /// Computes and caches the per-state masks of every state of `grammar` now, instead of
    /// on first use while decoding. Masks are shared between grammars by state signature,
    /// so warming `Grammar.jsonObject` once (at model load) makes the common JSON pieces —
    /// strings, numbers, any value — free for every later schema.
    /// - Returns: the number of states whose masks are now cached for `grammar`.
    @discardableResult
    public func precomputeMasks(for grammar: Grammar) -> Int {
        let storage = grammar.storage
        let cache = storage.maskCache(for: self)
        var count = 0
        for state in 0..<storage.stateCount where storage.edgeStart[state + 1] > storage.edgeStart[state] {
            _ = cache.masks(for: Int32(state))
            count += 1
        }
        return count
    }
}
