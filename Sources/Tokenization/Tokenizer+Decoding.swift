extension Tokenizer {
    /// The exact bytes of a token: normal tokens' byte-level text decoded, special tokens'
    /// text as UTF-8. Empty for an id outside the vocabulary.
    public func tokenBytes(_ id: Int) -> [UInt8] {
        Array(tokenByteSlice(id))
    }

    func tokenByteSlice(_ id: Int) -> ArraySlice<UInt8> {
        guard id >= 0, id < vocabularySize else { return [] }
        return tokenByteStorage[tokenByteOffsets[id]..<tokenByteOffsets[id + 1]]
    }

    /// A token's text for display (bytes that are not whole UTF-8 characters become U+FFFD).
    public func tokenText(_ id: Int) -> String {
        String(decoding: tokenByteSlice(id), as: UTF8.self)
    }

    /// The text of `ids`, invalid UTF-8 replaced by U+FFFD.
    /// - Parameter skipSpecial: leave out control and unknown tokens, as llama.cpp does when
    ///   not rendering special tokens (user-defined tokens are still rendered).
    public func decode(_ ids: [Int], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            if skipSpecial, isSkippable(id) { continue }
            bytes.append(contentsOf: tokenByteSlice(id))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `decode(_:skipSpecial: true)` leaves the token out.
    func isSkippable(_ id: Int) -> Bool {
        guard id >= 0, id < vocabularySize else { return true }
        return kinds[id] == .control || kinds[id] == .unknown
    }

    /// Whether the token is a special one (control, user-defined or unknown): its text is
    /// literal rather than byte-level, and it is matched whole when parsing special tokens.
    public func isSpecial(_ id: Int) -> Bool {
        guard id >= 0, id < vocabularySize else { return false }
        return kinds[id].isSpecial
    }

    /// The id whose vocabulary text is exactly `piece` (e.g. `"<|im_end|>"`; normal tokens
    /// are stored byte-level encoded, so " Hello" is `"ĠHello"`).
    public func tokenID(forPiece piece: String) -> Int? {
        pieceIDs.value(for: piece).map(Int.init)
    }

    /// Every token's bytes, indexed by id (built on each call: for one-time uses such as a
    /// constrained-decoding trie).
    public var allTokenBytes: [[UInt8]] {
        (0..<vocabularySize).map(tokenBytes)
    }
}
