/// Turns a stream of token ids into text piece by piece without ever emitting half a UTF-8
/// character: bytes of a character split across tokens are held until it is complete.
/// The concatenation of everything returned equals `tokenizer.decode(allIDs)`.
public struct IncrementalDetokenizer: Sendable {
    private let tokenizer: Tokenizer
    private let skipSpecial: Bool
    private var pending: [UInt8] = []

    /// - Parameter skipSpecial: leave out control tokens, as `Tokenizer.decode(_:skipSpecial:)`.
    public init(tokenizer: Tokenizer, skipSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// Feeds one token; returns the newly complete text (never half a UTF-8 character).
    public mutating func append(_ id: Int) -> String {
        if skipSpecial, tokenizer.isSkippable(id) { return "" }
        pending.append(contentsOf: tokenizer.tokenByteSlice(id))
        let held = Self.incompleteSuffixLength(pending)
        guard pending.count > held else { return "" }
        let text = String(decoding: pending[..<(pending.count - held)], as: UTF8.self)
        pending.removeFirst(pending.count - held)
        return text
    }

    /// Returns whatever is left (invalid trailing bytes as U+FFFD).
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// How many bytes at the end of `bytes` start a UTF-8 character that later bytes could
    /// still complete (0 when the end is complete or can never become valid).
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        let end = bytes.count
        for start in stride(from: end - 1, through: max(0, end - 3), by: -1) {
            let byte = bytes[start]
            if byte & 0xC0 == 0x80 { continue }  // a continuation byte: keep looking for the lead
            let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC2 ? 2 : 1
            guard byte <= 0xF4, length > end - start else { return 0 }
            // The second byte's allowed range depends on the lead (no overlongs or surrogates).
            if start + 1 < end {
                let second = bytes[start + 1]
                let range: ClosedRange<UInt8> =
                    switch byte {
                    case 0xE0: 0xA0...0xBF
                    case 0xED: 0x80...0x9F
                    case 0xF0: 0x90...0xBF
                    case 0xF4: 0x80...0x8F
                    default: 0x80...0xBF
                    }
                guard range.contains(second) else { return 0 }
            }
            return end - start
        }
        return 0
    }
}
