/// Byte-level BPE merge rules as integer pairs: every piece is "interned" to an id (the
/// token id when the piece is in the vocabulary, an id past the vocabulary otherwise), and
/// a pair of ids packed into a `UInt64` finds its rank and the id of the merged piece.
struct MergeTable: Sendable {
    struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }

    private let merges: [UInt64: Merge]
    /// The interned id of each byte's one-scalar piece.
    let byteSymbols: [Int32]

    /// Builds the table. `pieceIDs` maps vocabulary text to token id.
    init(rules: [String], pieceIDs: [String: Int], vocabularySize: Int) throws(TokenizerError) {
        var extra: [String: Int32] = [:]
        var nextExtra = Int32(vocabularySize)
        func intern(_ piece: String) -> Int32 {
            if let id = pieceIDs[piece] { return Int32(id) }
            if let id = extra[piece] { return id }
            defer { nextExtra += 1 }
            extra[piece] = nextExtra
            return nextExtra
        }
        byteSymbols = (0..<256).map { intern(ByteLevelEncoding.encode([UInt8($0)])) }

        var table: [UInt64: Merge] = [:]
        table.reserveCapacity(rules.count)
        for (rank, rule) in rules.enumerated() {
            // llama.cpp splits at the first space after the first byte.
            let utf8 = rule.utf8
            guard !rule.isEmpty,
                let space = utf8.dropFirst().firstIndex(of: 0x20),
                let left = String(utf8[..<space]), let right = String(utf8[utf8.index(after: space)...])
            else { throw .badMerge(index: rank, rule: rule) }
            let key = Self.key(intern(left), intern(right))
            if table[key] == nil {  // the first (lowest-rank) rule wins, as in llama.cpp
                table[key] = Merge(rank: Int32(rank), result: intern(left + right))
            }
        }
        merges = table
    }

    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> Merge? { merges[Self.key(left, right)] }
}
