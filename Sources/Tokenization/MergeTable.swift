/// Byte-level BPE merge rules as integer pairs: every piece is "interned" to an id (the
/// token id when the piece is in the vocabulary, an id past the vocabulary otherwise), and
/// a pair of ids packed into a `UInt64` finds its rank and the id of the merged piece.
///
/// Pieces are compared as UTF-8 bytes, as llama.cpp's `std::string` keys are (Swift
/// `String` equality would also equate canonically equivalent texts, and hashes slowly).
struct MergeTable: Sendable {
    struct Merge: Sendable {
        let rank: Int32
        let result: Int32
    }

    private let merges: PairTable
    /// The interned id of each byte's one-scalar piece.
    let byteSymbols: [Int32]

    /// Builds the table. `pieceIDs` maps vocabulary text (as UTF-8) to token id.
    init(rules: [String], pieceIDs: ByteStringTable, vocabularySize: Int) throws(TokenizerError) {
        var interned = pieceIDs
        var nextExtra = Int32(vocabularySize)
        func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
            interned.intern(bytes) {
                defer { nextExtra += 1 }
                return nextExtra
            }
        }
        byteSymbols = (0..<256).map { byte in
            var piece = ByteLevelEncoding.encode([UInt8(byte)])
            return piece.withUTF8 { intern($0) }
        }

        var table = PairTable(capacity: rules.count)
        var joined: [UInt8] = []
        for (rank, rule) in rules.enumerated() {
            var rule = rule
            let merge = rule.withUTF8 { bytes -> Merge? in
                // llama.cpp splits at the first space after the first byte.
                guard bytes.count > 1, let space = bytes[1...].firstIndex(of: 0x20) else { return nil }
                let left = intern(UnsafeBufferPointer(rebasing: bytes[..<space]))
                let right = intern(UnsafeBufferPointer(rebasing: bytes[(space + 1)...]))
                joined.removeAll(keepingCapacity: true)
                joined.append(contentsOf: bytes[..<space])
                joined.append(contentsOf: bytes[(space + 1)...])
                let result = joined.withUnsafeBufferPointer { intern($0) }
                table.insertIfAbsent(Self.key(left, right), Merge(rank: Int32(rank), result: result))
                return Merge(rank: Int32(rank), result: result)
            }
            guard merge != nil else { throw .badMerge(index: rank, rule: rule) }
        }
        merges = table
    }

    @inline(__always)
    static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> Merge? { merges.find(Self.key(left, right)) }
}
