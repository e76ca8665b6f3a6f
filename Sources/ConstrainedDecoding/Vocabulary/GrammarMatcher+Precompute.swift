extension TokenVocabulary {
    /// Computes and caches the per-state masks of every state of `grammar` now, instead of
    /// on first use while decoding. Masks are shared between grammars by state signature,
    /// so warming `Grammar.jsonObject` once (at model load) makes the common JSON pieces —
    /// strings, numbers, any value — free for every later schema.
    /// - Parameter deadline: when given, stops once it has passed (the remaining states are
    ///   computed on first use, as before).
    /// - Returns: the number of states whose masks are now cached for `grammar`.
    @discardableResult
    public func precomputeMasks(for grammar: Grammar, until deadline: ContinuousClock.Instant? = nil) -> Int {
        let storage = grammar.storage
        let cache = storage.maskCache(for: self)
        let clock = ContinuousClock()
        var count = 0
        for state in 0..<storage.stateCount where storage.edgeStart[state + 1] > storage.edgeStart[state] {
            if let deadline, clock.now >= deadline { break }
            _ = cache.masks(for: Int32(state))
            count += 1
        }
        return count
    }
}
