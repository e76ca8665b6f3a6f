/// Finds where one JSON value ends in text that arrives piece by piece, without parsing it:
/// brackets are counted outside strings, and string escapes are skipped. A call's arguments
/// end there, so the text after them (`}` and the format's suffix) is never mistaken for a
/// closing brace inside the arguments, or the other way round.
struct JSONValueEndScanner: Sendable {
    enum Step: Equatable {
        /// The value goes on.
        case more
        /// The scalar just read was the value's last.
        case endedAfter
        /// The value ended just before this scalar (a number or literal ends at a delimiter).
        case endedBefore
    }

    private var started = false
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// A number, `true`, `false` or `null` at the top level.
    private var inLiteral = false

    mutating func consume(_ scalar: Unicode.Scalar) -> Step {
        if inString {
            if escaped {
                escaped = false
            } else if scalar == "\\" {
                escaped = true
            } else if scalar == "\"" {
                inString = false
                if depth == 0 { return .endedAfter }
            }
            return .more
        }
        if !started {
            switch scalar {
            case " ", "\t", "\n", "\r": return .more
            case "{", "[": depth = 1
            case "\"": inString = true
            default: inLiteral = true
            }
            started = true
            return .more
        }
        if inLiteral {
            switch scalar {
            case ",", "}", "]", " ", "\t", "\n", "\r": return .endedBefore
            default: return .more
            }
        }
        switch scalar {
        case "\"": inString = true
        case "{", "[": depth += 1
        case "}", "]":
            depth -= 1
            if depth == 0 { return .endedAfter }
        default: break
        }
        return .more
    }
}
