/// All tokens' bytes in one trie, nodes numbered in preorder with children in compressed
/// rows, so a walk is a few array reads per node.
struct TokenTrie: Sendable {
    /// `childStart[n]..<childStart[n + 1]` index `childBytes`/`childNodes` for node `n`.
    let childStart: [Int32]
    let childBytes: [UInt8]
    let childNodes: [Int32]
    /// `tokenStart[n]..<tokenStart[n + 1]` index `tokenIDs`: tokens whose bytes end at `n`.
    let tokenStart: [Int32]
    let tokenIDs: [Int32]

    /// Builds the trie of the given tokens (token ID, bytes); empty byte strings are skipped.
    /// Built in flat arrays (edges, then a stable counting sort by parent) rather than a small
    /// array per node: a 262k-token vocabulary has some 600k nodes, and per-node arrays made
    /// building it cost tens of MiB of short-lived allocations at the process's peak.
    init(tokens: [(id: Int, bytes: [UInt8])]) {
        let sorted = tokens.filter { !$0.bytes.isEmpty }.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        // Insert in sorted order: nodes are numbered in preorder (edge i creates node i + 1) and
        // every node's children are created in byte order.
        var edgeParent: [Int32] = []
        var edgeByte: [UInt8] = []
        var tokenNode: [Int32] = []
        var tokenID: [Int32] = []
        tokenNode.reserveCapacity(sorted.count)
        tokenID.reserveCapacity(sorted.count)
        var path: [Int32] = [0]
        var previous: [UInt8] = []
        for token in sorted {
            var common = 0
            while common < min(previous.count, token.bytes.count), previous[common] == token.bytes[common] { common += 1 }
            path.removeLast(path.count - 1 - common)
            for depth in common..<token.bytes.count {
                let node = Int32(edgeParent.count + 1)
                edgeParent.append(path[depth])
                edgeByte.append(token.bytes[depth])
                path.append(node)
            }
            tokenNode.append(path[token.bytes.count])
            tokenID.append(Int32(token.id))
            previous = token.bytes
        }
        let nodeCount = edgeParent.count + 1
        /// Start offsets of `keys`' groups (stable counting sort by key).
        func starts(_ keys: [Int32]) -> [Int32] {
            var start = [Int32](repeating: 0, count: nodeCount + 1)
            for key in keys { start[Int(key) + 1] += 1 }
            for node in 0..<nodeCount { start[node + 1] += start[node] }
            return start
        }
        let childStart = starts(edgeParent)
        var childBytes = [UInt8](repeating: 0, count: edgeParent.count)
        var childNodes = [Int32](repeating: 0, count: edgeParent.count)
        var next = childStart
        for (edge, parent) in edgeParent.enumerated() {
            let slot = Int(next[Int(parent)])
            next[Int(parent)] += 1
            childBytes[slot] = edgeByte[edge]
            childNodes[slot] = Int32(edge + 1)
        }
        let tokenStart = starts(tokenNode)
        var tokenIDs = [Int32](repeating: 0, count: tokenNode.count)
        next = tokenStart
        for (index, node) in tokenNode.enumerated() {
            tokenIDs[Int(next[Int(node)])] = tokenID[index]
            next[Int(node)] += 1
        }
        self.childStart = childStart
        self.childBytes = childBytes
        self.childNodes = childNodes
        self.tokenStart = tokenStart
        self.tokenIDs = tokenIDs
    }

    var nodeCount: Int { childStart.count - 1 }

    func hasChildren(_ node: Int32) -> Bool { childStart[Int(node) + 1] > childStart[Int(node)] }
}
