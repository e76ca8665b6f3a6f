/// Walks the token trie alongside the grammar: a subtree is entered only while some
/// configuration survives its bytes, so dead branches are pruned at their first byte.
struct TrieWalker {
    let trie: TokenTrie
    var stepper: Stepper
    /// Configuration sets of the walk's path, stacked.
    var buffer: [UInt64] = []
    /// Allowed tokens found so far (bitset words).
    var words: [UInt64]
    /// When precomputing: trie nodes (with children) where the rule of the starting
    /// configuration returned, so the rest of those tokens depends on the real stack.
    var popPoints: [Int32] = []
    let recordPopPoints: Bool

    init(trie: TokenTrie, stepper: Stepper, wordCount: Int, recordPopPoints: Bool) {
        self.trie = trie
        self.stepper = stepper
        self.words = [UInt64](repeating: 0, count: wordCount)
        self.recordPopPoints = recordPopPoints
    }

    /// Marks the tokens below `node` that keep `buffer[range]` alive (or complete it, or —
    /// when precomputing — return from the starting rule exactly at their last byte).
    mutating func walk(node: Int32, range: Range<Int>) {
        let first = Int(trie.childStart[Int(node)])
        let last = Int(trie.childStart[Int(node) + 1])
        var index = first
        while index < last {
            let byte = trie.childBytes[index]
            let child = trie.childNodes[index]
            index += 1
            let base = buffer.count
            stepper.advance(range, byte: byte, buffer: &buffer)
            let live = buffer.count > base
            let ended = stepper.reachedRoot || stepper.reachedVirtualRoot
            if live || ended {
                let tokenFirst = Int(trie.tokenStart[Int(child)])
                let tokenLast = Int(trie.tokenStart[Int(child) + 1])
                for slot in tokenFirst..<tokenLast {
                    let id = Int(trie.tokenIDs[slot])
                    words[id >> 6] |= UInt64(1) << UInt64(id & 63)
                }
                if trie.hasChildren(child) {
                    if recordPopPoints && stepper.reachedVirtualRoot { popPoints.append(child) }
                    if live { walk(node: child, range: base..<buffer.count) }
                }
            }
            // One removeLast at a time: the counted form goes through `replaceSubrange`.
            while buffer.count > base { buffer.removeLast() }
        }
    }
}
