extension Tokenizer {
    /// A stretch of input: ordinary text (a byte range) or a special token matched whole.
    enum Fragment {
        case text(Range<Int>)
        case special(Int)
    }

    /// Splits `bytes` around special tokens as llama.cpp's `tokenizer_st_partition`: each
    /// special token in turn (longest first) claims its occurrences in the text fragments
    /// still unclaimed. Control and unknown tokens take part only when `parseSpecial` is on. A
    /// token with `stripsWhitespaceAfter` drops the whitespace (C `isspace`) that follows it.
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        guard !bytes.isEmpty else { return [] }
        var fragments: [Fragment] = [.text(0..<bytes.count)]
        for token in specialTokens {
            if !parseSpecial, token.kind != .userDefined { continue }
            guard let first = token.bytes.first else { continue }
            var next: [Fragment] = []
            next.reserveCapacity(fragments.count + 2)
            var changed = false
            for fragment in fragments {
                guard case .text(let range) = fragment else {
                    next.append(fragment)
                    continue
                }
                var start = range.lowerBound
                var index = range.lowerBound
                let last = range.upperBound - token.bytes.count
                while index <= last {
                    if bytes[index] == first, bytes[index..<(index + token.bytes.count)].elementsEqual(token.bytes) {
                        if index > start { next.append(.text(start..<index)) }
                        next.append(.special(token.id))
                        index += token.bytes.count
                        if token.stripsWhitespaceAfter {
                            while index < range.upperBound, Self.isSpace(bytes[index]) { index += 1 }
                        }
                        start = index
                        changed = true
                    } else {
                        index += 1
                    }
                }
                if start < range.upperBound { next.append(.text(start..<range.upperBound)) }
            }
            if changed { fragments = next }
        }
        return fragments
    }

    /// C's `isspace` in the "C" locale: space, \t, \n, \v, \f, \r.
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
}
