/// The building blocks of JSON grammars, shared by every schema: strings, numbers, any
/// value. Shared pieces are rules (called, not copied) so that their automaton states — and
/// the token masks cached per state — are shared too.
///
/// Whitespace policy: at most one optional space after `:` and after `,`, nowhere else
/// (no newlines or indentation). That admits both compact JSON and the `json.dumps` style
/// `{"a": 1, "b": [1, 2]}`, while leaving a small model no room to loop on whitespace.
struct JSONGrammarParts {
    var builder = GrammarBuilder()
    private var stringRule: Int?
    private var valueRule: Int?
    private var objectRule: Int?
    private var arrayRule: Int?

    /// Most digits allowed in an unconstrained integer part, fraction or exponent; bounded
    /// so that a model cannot loop on digits forever.
    static let maximumIntegerDigits = 16
    static let maximumFractionDigits = 16
    static let maximumExponentDigits = 2

    /// Optional single space.
    mutating func whitespace() -> GrammarBuilder.Fragment {
        builder.optional(builder.literal(" "))
    }

    /// `,` then optional space.
    mutating func comma() -> GrammarBuilder.Fragment {
        builder.sequence([builder.literal(","), whitespace()])
    }

    /// `:` then optional space.
    mutating func colon() -> GrammarBuilder.Fragment {
        builder.sequence([builder.literal(":"), whitespace()])
    }

    /// Scalars allowed unescaped inside a JSON string.
    static let unescapedScalars = ScalarSet([0x20...ScalarSet.maximum]).subtracting(ScalarSet([0x22...0x22, 0x5C...0x5C, 0xD800...0xDFFF]))

    /// One character of a JSON string body (see `GrammarBuilder.jsonStringCharacter`).
    mutating func stringCharacter() -> GrammarBuilder.Fragment {
        builder.jsonStringCharacter()
    }

    static var hexDigits: ByteSet {
        var set = ByteSet(UInt8(ascii: "0")...UInt8(ascii: "9"))
        for byte in UInt8(ascii: "a")...UInt8(ascii: "f") { set.insert(byte) }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "F") { set.insert(byte) }
        return set
    }

    static let digits = ByteSet(UInt8(ascii: "0")...UInt8(ascii: "9"))
    static let nonZeroDigits = ByteSet(UInt8(ascii: "1")...UInt8(ascii: "9"))

    /// Any JSON string (a shared rule).
    mutating func stringCall() -> GrammarBuilder.Fragment {
        if let rule = stringRule { return builder.call(rule) }
        let rule = builder.newRule(name: "string")
        stringRule = rule
        let characters = builder.star(stringCharacter())
        let body = builder.sequence([builder.literal("\""), characters, builder.literal("\"")])
        builder.define(rule: rule, body: body)
        return builder.call(rule)
    }

    /// A string whose decoded length is within the bounds.
    mutating func string(minLength: Int, maxLength: Int?) -> GrammarBuilder.Fragment {
        let characters = builder.repeated(min: minLength, max: maxLength) { $0.jsonStringCharacter() }
        return builder.sequence([builder.literal("\""), characters, builder.literal("\"")])
    }

    /// Any JSON number (bounded digit counts, see the constants above).
    mutating func number() -> GrammarBuilder.Fragment {
        let fraction = builder.sequence([
            builder.literal("."),
            builder.repeated(min: 1, max: JSONGrammarParts.maximumFractionDigits) { $0.byteSet(JSONGrammarParts.digits) },
        ])
        var exponentLetter = ByteSet(UInt8(ascii: "e"))
        exponentLetter.insert(UInt8(ascii: "E"))
        var sign = ByteSet(UInt8(ascii: "+"))
        sign.insert(UInt8(ascii: "-"))
        let exponent = builder.sequence([
            builder.byteSet(exponentLetter),
            builder.optional(builder.byteSet(sign)),
            builder.repeated(min: 1, max: JSONGrammarParts.maximumExponentDigits) { $0.byteSet(JSONGrammarParts.digits) },
        ])
        return builder.sequence([integer(), builder.optional(fraction), builder.optional(exponent)])
    }

    /// Any integer: `-?(0|[1-9][0-9]{0,15})` (no `-0`).
    mutating func integer() -> GrammarBuilder.Fragment {
        let magnitude = builder.sequence([
            builder.byteSet(JSONGrammarParts.nonZeroDigits),
            builder.repeated(min: 0, max: JSONGrammarParts.maximumIntegerDigits - 1) { $0.byteSet(JSONGrammarParts.digits) },
        ])
        let positive = builder.choice([builder.literal("0"), magnitude])
        let negative = builder.sequence([
            builder.literal("-"),
            builder.sequence([
                builder.byteSet(JSONGrammarParts.nonZeroDigits),
                builder.repeated(min: 0, max: JSONGrammarParts.maximumIntegerDigits - 1) { $0.byteSet(JSONGrammarParts.digits) },
            ]),
        ])
        return builder.choice([positive, negative])
    }

    /// Any JSON value (a shared recursive rule).
    mutating func valueCall() -> GrammarBuilder.Fragment {
        if let rule = valueRule { return builder.call(rule) }
        let rule = builder.newRule(name: "value")
        valueRule = rule
        let body = builder.choice([
            objectCall(), arrayCall(), stringCall(), number(),
            builder.literal("true"), builder.literal("false"), builder.literal("null"),
        ])
        builder.define(rule: rule, body: body)
        return builder.call(rule)
    }

    /// Any JSON object (a shared recursive rule).
    mutating func objectCall() -> GrammarBuilder.Fragment {
        if let rule = objectRule { return builder.call(rule) }
        let rule = builder.newRule(name: "object")
        objectRule = rule
        let member = builder.sequence([stringCall(), colon(), valueCall()])
        let members = memberList(first: member) { parts in
            parts.builder.sequence([parts.stringCall(), parts.colon(), parts.valueCall()])
        }
        let body = builder.sequence([builder.literal("{"), builder.optional(members), builder.literal("}")])
        builder.define(rule: rule, body: body)
        return builder.call(rule)
    }

    /// Any JSON array (a shared recursive rule).
    mutating func arrayCall() -> GrammarBuilder.Fragment {
        if let rule = arrayRule { return builder.call(rule) }
        let rule = builder.newRule(name: "array")
        arrayRule = rule
        let elements = memberList(first: valueCall()) { $0.valueCall() }
        let body = builder.sequence([builder.literal("["), builder.optional(elements), builder.literal("]")])
        builder.define(rule: rule, body: body)
        return builder.call(rule)
    }

    /// `first (, next)*`.
    mutating func memberList(
        first: GrammarBuilder.Fragment, next: (inout JSONGrammarParts) -> GrammarBuilder.Fragment
    ) -> GrammarBuilder.Fragment {
        let more = builder.star(builder.sequence([comma(), next(&self)]))
        return builder.sequence([first, more])
    }
}

extension GrammarBuilder {
    /// One character of a JSON string body: an unescaped scalar or an escape (`\uXXXX`
    /// escapes of surrogates are excluded so that every escape is one whole character).
    mutating func jsonStringCharacter() -> Fragment {
        let plain = scalars(JSONGrammarParts.unescapedScalars)
        var simple = ByteSet()
        for byte in Array("\"\\/bfnrt".utf8) { simple.insert(byte) }
        let hex = JSONGrammarParts.hexDigits
        var hexNotD = ByteSet()
        for byte in Array("0123456789abcefABCEF".utf8) { hexNotD.insert(byte) }
        var lowHalf = ByteSet()
        for byte in Array("01234567".utf8) { lowHalf.insert(byte) }
        var dLetter = ByteSet()
        dLetter.insert(UInt8(ascii: "d"))
        dLetter.insert(UInt8(ascii: "D"))
        let unicode = choice([
            byteSequence([hexNotD, hex, hex, hex]),
            byteSequence([dLetter, lowHalf, hex, hex]),
        ])
        let escape = sequence([
            literal("\\"),
            choice([byteSet(simple), sequence([literal("u"), unicode])]),
        ])
        return choice([plain, escape])
    }

}
