/// Which bracket a position of Python code sits in, so that a keyword is judged by where it is:
/// `tools=…` inside a call is a request argument, inside `def f(tools=None)` a parameter's
/// default, and at the start of a statement an ordinary variable.
struct PythonBrackets {
    enum Opener: Equatable {
        /// The parameter list of `def name(`.
        case signature
        /// A call's argument list: `(` right after a name, `)` or `]`.
        case call
        /// `{`, `[` or a grouping `(`.
        case other
    }

    /// The open brackets at the start of each line, outermost first.
    private let stacks: [[Opener]]
    /// The quote of the triple-quoted string a line starts inside, if any.
    private let openStrings: [Character?]
    private let lines: [String]

    /// `lines` with comments blanked (as `AuditPatterns.codeLines` returns them).
    init(lines: [String]) {
        self.lines = lines
        var stacks: [[Opener]] = []
        var openStrings: [Character?] = []
        var stack: [Opener] = []
        var tripleQuote: Character?
        for line in lines {
            stacks.append(stack)
            openStrings.append(tripleQuote)
            Self.scan(Array(line), upTo: nil, stack: &stack, tripleQuote: &tripleQuote)
        }
        self.stacks = stacks
        self.openStrings = openStrings
    }

    /// Whether line `index` starts inside a triple-quoted string (its text is data, not code).
    func startsInsideString(line index: Int) -> Bool {
        index < openStrings.count && openStrings[index] != nil
    }

    /// The innermost bracket open at `column` (a character offset) of line `index`; nil at top level.
    func innermost(line index: Int, column: Int) -> Opener? {
        guard index < lines.count else { return nil }
        var stack = stacks[index]
        var tripleQuote = openStrings[index]
        Self.scan(Array(lines[index]), upTo: column, stack: &stack, tripleQuote: &tripleQuote)
        return stack.last
    }

    /// Walks `characters` (to `limit`), pushing and popping brackets and skipping string contents.
    private static func scan(_ characters: [Character], upTo limit: Int?, stack: inout [Opener], tripleQuote: inout Character?) {
        let end = min(limit ?? characters.count, characters.count)
        var index = 0
        while index < end {
            let character = characters[index]
            if let quote = tripleQuote {
                if isTriple(quote, characters, at: index) {
                    tripleQuote = nil
                    index += 3
                } else {
                    index += 1
                }
                continue
            }
            switch character {
            case "\"", "'":
                if isTriple(character, characters, at: index) {
                    tripleQuote = character
                    index += 3
                    continue
                }
                index += 1
                while index < end, characters[index] != character {
                    index += characters[index] == "\\" ? 2 : 1
                }
            case "(":
                stack.append(opener(before: characters[..<index]))
            case "[", "{":
                stack.append(.other)
            case ")", "]", "}":
                _ = stack.popLast()
            default:
                break
            }
            index += 1
        }
    }

    private static func isTriple(_ quote: Character, _ characters: [Character], at index: Int) -> Bool {
        index + 2 < characters.count && characters[index] == quote && characters[index + 1] == quote && characters[index + 2] == quote
    }

    /// What a `(` opens, from the text before it on its line.
    private static func opener(before prefix: ArraySlice<Character>) -> Opener {
        let text = String(prefix).trimmingTrailingSpaces
        guard let last = text.last else { return .other }
        if last == ")" || last == "]" { return .call }
        guard last.isLetter || last.isNumber || last == "_" else { return .other }
        let words = text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
        if words.count >= 2, words[words.count - 2] == "def" { return .signature }
        let keywords: Set<Substring> = ["if", "elif", "while", "for", "in", "not", "and", "or", "return", "yield", "await", "lambda", "assert", "with", "is"]
        return keywords.contains(words.last ?? "") ? .other : .call
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
