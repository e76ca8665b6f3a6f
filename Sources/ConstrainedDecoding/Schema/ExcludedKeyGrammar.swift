import OpenAIWire

/// Keys of extra object members (`additionalProperties`) that differ from every listed
/// property name, so that a generated object never repeats a key.
extension JSONGrammarParts {
    /// A JSON string that is none of `names`. Before the key first differs from all names
    /// it may only use unescaped characters (an escape could spell a listed name); after
    /// that, any string character. Returns nil when a name is not plain printable ASCII
    /// (callers then fall back to any string).
    mutating func string(excluding names: [String]) -> GrammarBuilder.Fragment? {
        var encoded: [[UInt8]] = []
        for name in names {
            let bytes = Array(name.utf8)
            guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
            else { return nil }
            encoded.append(bytes)
        }
        let open = builder.literal("\"")
        let close = builder.literal("\"")
        // The free tail: once different, any characters, then the closing quote.
        let free = builder.star(builder.jsonStringCharacter())
        builder.epsilon(from: free.end, to: close.start)
        // A trie over the names; each node is a builder state.
        var nodeState: [[UInt8]: Int] = [[]: open.end]
        var prefixes: [[UInt8]] = [[]]
        for name in encoded {
            for length in 1...max(name.count, 1) where length <= name.count {
                let prefix = Array(name[0..<length])
                if nodeState[prefix] == nil {
                    nodeState[prefix] = builder.newState()
                    prefixes.append(prefix)
                }
            }
        }
        let complete = Set(encoded)
        for prefix in prefixes {
            guard let state = nodeState[prefix] else { continue }
            var children = ByteSet()
            for name in encoded where name.count > prefix.count && name.starts(with: prefix) {
                let byte = name[prefix.count]
                if !children.contains(byte) {
                    children.insert(byte)
                    if let child = nodeState[prefix + [byte]] {
                        let edge = builder.literal([byte])
                        builder.epsilon(from: state, to: edge.start)
                        builder.epsilon(from: edge.end, to: child)
                    }
                }
            }
            // Ending here is fine unless the key so far is exactly a listed name.
            if !complete.contains(prefix) { builder.epsilon(from: state, to: close.start) }
            // Deviate with any unescaped character whose first byte is not a child's.
            var deviation = JSONGrammarParts.unescapedScalars
            for byte in 0..<0x80 where children.contains(UInt8(byte)) {
                deviation = deviation.subtracting(ScalarSet([UInt32(byte)...UInt32(byte)]))
            }
            let character = builder.scalars(deviation)
            builder.epsilon(from: state, to: character.start)
            builder.epsilon(from: character.end, to: free.start)
        }
        return GrammarBuilder.Fragment(start: open.start, end: close.end)
    }
}
