/// A parsed regular expression (the subset JSON Schema `pattern`s use in practice): literals,
/// `.`, classes with ranges and negation, `\d \w \s` and their negations, groups
/// (capturing, `(?:`, named), alternation, quantifiers `* + ? {n} {n,} {n,m}` (lazy forms
/// too), and `^`/`$` at the ends of top-level alternatives.
indirect enum RegexPattern: Sendable {
    case characters(ScalarSet)
    case sequence([RegexPattern])
    case alternation([RegexPattern])
    case repetition(RegexPattern, min: Int, max: Int?)
    case startAnchor
    case endAnchor

    /// Largest bounded repetition unrolled into the grammar.
    static let maximumRepetition = 1000

    static func parse(_ pattern: String) throws(SchemaError) -> RegexPattern {
        var parser = RegexParser(scalars: Array(pattern.unicodeScalars))
        let result = try parser.parseAlternation()
        if parser.position < parser.scalars.count {
            throw parser.error("unbalanced ')'")
        }
        return result
    }
}

private struct RegexParser {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(scalars: [Unicode.Scalar]) {
        self.scalars = scalars
    }

    func error(_ reason: String) -> SchemaError {
        SchemaError("unsupported or invalid regular expression in 'pattern' (\(reason)) at offset \(position)", keyword: "pattern")
    }

    var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    mutating func parseAlternation() throws(SchemaError) -> RegexPattern {
        var branches = [try parseSequence()]
        while current == "|" {
            position += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func parseSequence() throws(SchemaError) -> RegexPattern {
        var items: [RegexPattern] = []
        while let scalar = current, scalar != "|", scalar != ")" {
            var atom = try parseAtom()
            atom = try parseQuantifiers(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    mutating func parseQuantifiers(_ atom: RegexPattern) throws(SchemaError) -> RegexPattern {
        var result = atom
        while let scalar = current {
            let bounds: (Int, Int?)
            switch scalar {
            case "*": bounds = (0, nil); position += 1
            case "+": bounds = (1, nil); position += 1
            case "?": bounds = (0, 1); position += 1
            case "{":
                guard let parsed = try parseBraces() else { return result }
                bounds = parsed
            default: return result
            }
            if case .startAnchor = result { throw error("quantified anchor") }
            if case .endAnchor = result { throw error("quantified anchor") }
            if let max = bounds.1, max < bounds.0 { throw error("repetition bounds out of order") }
            if bounds.0 > RegexPattern.maximumRepetition || (bounds.1 ?? 0) > RegexPattern.maximumRepetition {
                throw error("repetition bound above \(RegexPattern.maximumRepetition)")
            }
            result = .repetition(result, min: bounds.0, max: bounds.1)
            if current == "?" || current == "+" { position += 1 }  // lazy/possessive: same language
        }
        return result
    }

    /// `{n}`, `{n,}`, `{n,m}`; nil (nothing consumed) when the brace is a literal.
    mutating func parseBraces() throws(SchemaError) -> (Int, Int?)? {
        var index = position + 1
        func number(_ index: inout Int) -> Int? {
            var value: Int?
            while index < scalars.count, let digit = Int(String(scalars[index])), scalars[index].isASCII {
                value = (value ?? 0) * 10 + digit
                if value ?? 0 > 1_000_000 { return nil }
                index += 1
            }
            return value
        }
        guard let low = number(&index) else { return nil }
        var high: Int? = low
        if index < scalars.count, scalars[index] == "," {
            index += 1
            high = number(&index)
        }
        guard index < scalars.count, scalars[index] == "}" else { return nil }
        position = index + 1
        return (low, high)
    }

    mutating func parseAtom() throws(SchemaError) -> RegexPattern {
        guard let scalar = current else { throw error("unexpected end") }
        position += 1
        switch scalar {
        case "(":
            if current == "?" {
                position += 1
                if current == ":" {
                    position += 1
                } else if current == "<" || current == "P" {
                    if current == "P" { position += 1 }
                    if current == "=" || current == "!" { throw error("lookbehind") }
                    while let next = current, next != ">" { position += 1 }
                    position += 1
                } else {
                    throw error("lookaround or inline flags")
                }
            }
            let inner = try parseAlternation()
            guard current == ")" else { throw error("missing ')'") }
            position += 1
            return inner
        case "[": return .characters(try parseClass())
        case ".": return .characters(ScalarSet.all.subtracting(ScalarSet([0x0A...0x0A])))
        case "^": return .startAnchor
        case "$": return .endAnchor
        case "\\": return .characters(try parseEscape(inClass: false))
        case "*", "+", "?": throw error("quantifier without operand")
        default: return .characters(ScalarSet([scalar.value...scalar.value]))
        }
    }

    mutating func parseEscape(inClass: Bool) throws(SchemaError) -> ScalarSet {
        guard let scalar = current else { throw error("trailing backslash") }
        position += 1
        let digits = ScalarSet([48...57])
        let word = ScalarSet([48...57, 65...90, 95...95, 97...122])
        let space = ScalarSet([9...13, 32...32])
        switch scalar {
        case "d": return digits
        case "D": return digits.inverted
        case "w": return word
        case "W": return word.inverted
        case "s": return space
        case "S": return space.inverted
        case "n": return ScalarSet([10...10])
        case "t": return ScalarSet([9...9])
        case "r": return ScalarSet([13...13])
        case "f": return ScalarSet([12...12])
        case "v": return ScalarSet([11...11])
        case "x", "u":
            let count = scalar == "x" ? 2 : 4
            guard position + count <= scalars.count,
                  let value = UInt32(String(String.UnicodeScalarView(scalars[position..<(position + count)])), radix: 16)
            else { throw error("bad \\\(scalar) escape") }
            position += count
            return ScalarSet([value...value])
        case "b" where inClass: return ScalarSet([8...8])
        case "b", "B": throw error("word boundary")
        default:
            if scalar.properties.numericType != nil, scalar.isASCII { throw error("backreference") }
            if scalar.isASCII, scalar.properties.isAlphabetic { throw error("unknown escape \\\(scalar)") }
            return ScalarSet([scalar.value...scalar.value])
        }
    }

    mutating func parseClass() throws(SchemaError) -> ScalarSet {
        var negated = false
        if current == "^" { negated = true; position += 1 }
        var set = ScalarSet()
        var first = true
        while true {
            guard let scalar = current else { throw error("missing ']'") }
            if scalar == "]" && !first { position += 1; break }
            first = false
            position += 1
            var low: ScalarSet
            if scalar == "\\" {
                low = try parseEscape(inClass: true)
            } else {
                low = ScalarSet([scalar.value...scalar.value])
            }
            if current == "-", position + 1 < scalars.count, scalars[position + 1] != "]",
               low.ranges.count == 1, let lowValue = low.ranges.first, lowValue.lowerBound == lowValue.upperBound {
                position += 1
                guard let highScalar = current else { throw error("missing ']'") }
                position += 1
                var highValue = highScalar.value
                if highScalar == "\\" {
                    let escaped = try parseEscape(inClass: true)
                    guard escaped.ranges.count == 1, let range = escaped.ranges.first, range.lowerBound == range.upperBound
                    else { throw error("class range to a class") }
                    highValue = range.lowerBound
                }
                guard highValue >= lowValue.lowerBound else { throw error("class range out of order") }
                low = ScalarSet([lowValue.lowerBound...highValue])
            }
            set = set.union(low)
        }
        return negated ? set.inverted : set
    }
}
