import OpenAIWire

/// Compiles a `RegexPattern` into the body of a JSON string: characters that JSON must
/// escape are matched as their escapes (`\"`, `\\`, `\n`, `\u001f`...), so the pattern holds
/// for the decoded string. JSON Schema patterns are unanchored: a branch without `^`/`$`
/// may be preceded/followed by any characters.
extension JSONGrammarParts {
    mutating func stringBody(pattern: RegexPattern) throws(SchemaError) -> GrammarBuilder.Fragment {
        let branches: [RegexPattern]
        if case .alternation(let items) = pattern { branches = items } else { branches = [pattern] }
        var fragments: [GrammarBuilder.Fragment] = []
        for branch in branches {
            var items: [RegexPattern]
            if case .sequence(let list) = branch { items = list } else { items = [branch] }
            var anchoredStart = false
            var anchoredEnd = false
            if case .startAnchor = items.first { anchoredStart = true; items.removeFirst() }
            if case .endAnchor = items.last { anchoredEnd = true; items.removeLast() }
            var parts: [GrammarBuilder.Fragment] = []
            if !anchoredStart { parts.append(builder.star(builder.jsonStringCharacter())) }
            for item in items { parts.append(try regexFragment(item)) }
            if !anchoredEnd { parts.append(builder.star(builder.jsonStringCharacter())) }
            fragments.append(builder.sequence(parts))
        }
        return builder.choice(fragments)
    }

    private mutating func regexFragment(_ pattern: RegexPattern) throws(SchemaError) -> GrammarBuilder.Fragment {
        switch pattern {
        case .characters(let set):
            return jsonCharacters(set)
        case .sequence(let items):
            var parts: [GrammarBuilder.Fragment] = []
            for item in items { parts.append(try regexFragment(item)) }
            return builder.sequence(parts)
        case .alternation(let items):
            var parts: [GrammarBuilder.Fragment] = []
            for item in items { parts.append(try regexFragment(item)) }
            return builder.choice(parts)
        case .repetition(let inner, let min, let max):
            // Build each copy from the pattern (a fragment can only be used once).
            var parts: [GrammarBuilder.Fragment] = []
            for _ in 0..<min { parts.append(try regexFragment(inner)) }
            if let max {
                if max > min {
                    var tail: GrammarBuilder.Fragment?
                    for _ in 0..<(max - min) {
                        let copy = try regexFragment(inner)
                        tail = tail.map { builder.sequence([copy, builder.optional($0)]) } ?? copy
                    }
                    if let tail { parts.append(builder.optional(tail)) }
                }
            } else {
                parts.append(builder.star(try regexFragment(inner)))
            }
            return builder.sequence(parts)
        case .startAnchor, .endAnchor:
            throw SchemaError("unsupported regular expression in 'pattern': anchors are only supported at the start and end", keyword: "pattern")
        }
    }

    /// One character of `set`, written as JSON string content.
    mutating func jsonCharacters(_ set: ScalarSet) -> GrammarBuilder.Fragment {
        var branches: [GrammarBuilder.Fragment] = []
        let plain = set.intersection(JSONGrammarParts.unescapedScalars)
        if !plain.isEmpty { branches.append(builder.scalars(plain)) }
        let escaped = set.subtracting(JSONGrammarParts.unescapedScalars)
        for range in escaped.ranges {
            for scalar in range {
                guard let unicode = Unicode.Scalar(scalar) else { continue }
                var text = ""
                JSONValue.writeString(String(Character(unicode)), to: &text)
                branches.append(builder.literal(Array(text.utf8.dropFirst().dropLast())))
            }
        }
        if branches.isEmpty { return builder.byteSet(ByteSet()) }
        return builder.choice(branches)
    }
}
