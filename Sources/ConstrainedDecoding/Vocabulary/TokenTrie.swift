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
    init(tokens: [(id: Int, bytes: [UInt8])]) {
        var children: [[(UInt8, Int32)]] = [[]]
        var tokensAt: [[Int32]] = [[]]
        let sorted = tokens.filter { !$0.bytes.isEmpty }.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        // Insert in sorted order: every node's children are then appended in byte order and
        // node numbers follow preorder.
        var path: [Int32] = [0]
        var previous: [UInt8] = []
        for token in sorted {
            var common = 0
            while common < min(previous.count, token.bytes.count), previous[common] == token.bytes[common] { common += 1 }
            path.removeLast(path.count - 1 - common)
            for depth in common..<token.bytes.count {
                let node = Int32(children.count)
                children.append([])
                tokensAt.append([])
                children[Int(path[depth])].append((token.bytes[depth], node))
                path.append(node)
            }
            tokensAt[Int(path[token.bytes.count])].append(Int32(token.id))
            previous = token.bytes
        }
        var childStart: [Int32] = [0]
        var childBytes: [UInt8] = []
        var childNodes: [Int32] = []
        var tokenStart: [Int32] = [0]
        var tokenIDs: [Int32] = []
        for node in children.indices {
            for (byte, child) in children[node] {
                childBytes.append(byte)
                childNodes.append(child)
            }
            childStart.append(Int32(childBytes.count))
            tokenIDs.append(contentsOf: tokensAt[node])
            tokenStart.append(Int32(tokenIDs.count))
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
