import OpenAIWire

/// A function the model may call: its name and the JSON Schema of its arguments.
public struct ToolSpec: Sendable, Equatable {
    public var name: String
    /// The `parameters` schema; nil means any JSON object.
    public var parameters: JSONValue?
    /// Whether unsupported schema keywords are errors (`strict: true` in the request).
    public var strict: Bool

    public init(name: String, parameters: JSONValue?, strict: Bool = false) {
        self.name = name
        self.parameters = parameters
        self.strict = strict
    }
}

/// Which output the tool-call grammar allows (`tool_choice`; `none` needs no grammar).
public enum ToolChoiceMode: Sendable, Equatable {
    /// Free text, or tool calls when the output starts with the call prefix.
    case auto
    /// One or more tool calls of any listed function.
    case required
    /// Calls of the named function only.
    case function(String)
}

/// Builds the grammar of a model's reply when tools are offered: tool calls whose
/// `arguments` are valid against each function's parameter schema, in the template's
/// wrapper format.
public enum ToolCallGrammar {
    /// - Parameters:
    ///   - tools: the functions offered (at least one; names unique).
    ///   - choice: `.required` or `.function(name)`: only calls; `.auto`: either text that
    ///     does not start with `format.callMarker`, or calls (the engine can tell which
    ///     branch the model took by checking that marker).
    ///   - parallel: whether several calls (separated by `format.separator`) may follow; a
    ///     format whose template takes one call per turn (`allowsParallel` false) allows one.
    /// - Throws: `SchemaError` for an unknown named function, an empty tool list, or a
    ///   parameter schema that does not compile (keywords per each tool's `strict`).
    public static func build(
        tools: [ToolSpec], choice: ToolChoiceMode, parallel: Bool, format: ToolCallFormat = .hermes
    ) throws(SchemaError) -> Grammar {
        var selected = tools
        if case .function(let name) = choice {
            selected = tools.filter { $0.name == name }
            if selected.isEmpty { throw SchemaError("tool_choice names function '\(name)', which is not among the tools") }
        }
        if selected.isEmpty { throw SchemaError("no tools to call") }
        var compilation = SchemaCompilation(strict: false)
        let root = compilation.parts.builder.newRule(name: "root")
        var callFragments: [GrammarBuilder.Fragment] = []
        for (index, tool) in selected.enumerated() {
            let arguments: GrammarBuilder.Fragment
            if let parameters = tool.parameters {
                compilation.strict = tool.strict
                let document = compilation.addDocument(parameters)
                arguments = try compilation.fragment(for: parameters, document: document, path: "#/tools/\(index)/parameters")
            } else {
                arguments = compilation.parts.objectCall()
            }
            let json = format.callJSON(name: tool.name, arguments: "\u{0}")
            let pieces = json.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            let head = compilation.parts.builder.literal(format.callPrefix + pieces[0])
            let tail = compilation.parts.builder.literal(pieces[1] + format.callSuffix)
            callFragments.append(compilation.parts.builder.sequence([head, arguments, tail]))
        }
        var builder = compilation.parts.builder
        let call = builder.choice(callFragments)
        var calls = call
        if parallel, format.allowsParallel {
            let callRule = builder.newRule(name: "call")
            builder.define(rule: callRule, body: call)
            let first = builder.call(callRule)
            let more = builder.star(builder.sequence([builder.literal(format.separator), builder.call(callRule)]))
            calls = builder.sequence([first, more])
        }
        let callsRule = builder.newRule(name: "calls")
        builder.define(rule: callsRule, body: calls)
        let markers = [format.callMarker] + (format.reasoning.map { [$0.open] } ?? [])
        var body = builder.call(callsRule)
        if choice == .auto {
            let text = try freeText(notStartingWith: markers, builder: &builder)
            body = builder.choice([body, text])
        }
        if let reasoning = format.reasoning {
            // A reasoning block first, then whitespace and calls, or (auto) text that is not them.
            let open = builder.literal(reasoning.open)
            let thought = try text(through: reasoning.close, builder: &builder)
            let block = builder.sequence([open, thought])
            let space = builder.scalars(Self.whitespace)
            let whitespace = builder.star(space)
            let callsAgain = builder.call(callsRule)
            var after = builder.sequence([whitespace, callsAgain])
            if choice == .auto {
                let text = try freeText(notStartingWith: [format.callMarker], skippingWhitespace: true, builder: &builder)
                after = builder.choice([after, text])
            }
            let reasoned = builder.sequence([block, after])
            body = builder.choice([body, reasoned])
        }
        builder.define(rule: root, body: body)
        return try builder.build(root: root)
    }

    static let whitespaceBytes: [UInt8] = [0x20, 0x0A, 0x0D, 0x09]
    static let whitespace = ScalarSet(whitespaceBytes.map { UInt32($0)...UInt32($0) })

    /// Any UTF-8 text that does not begin with one of `prefixes` (ASCII), including the empty
    /// text; with `skippingWhitespace`, not with one of them after leading whitespace either.
    static func freeText(
        notStartingWith prefixes: [String], skippingWhitespace: Bool = false, builder: inout GrammarBuilder
    ) throws(SchemaError) -> GrammarBuilder.Fragment {
        let excludedPrefixes = prefixes.map { Array($0.utf8) }
        guard excludedPrefixes.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 < 0x80 } }) else {
            throw SchemaError("the tool call prefix must be non-empty ASCII for tool_choice auto")
        }
        let end = builder.newState()
        let anything = builder.star(builder.scalars(ScalarSet.all))
        builder.epsilon(from: anything.end, to: end)
        let start = builder.newState()
        // A trie of the prefixes: each node is the text read so far, a proper prefix of some of
        // them (fine to stop at); a byte that leaves every prefix leads to any text.
        var work: [(state: Int, read: [UInt8])] = [(start, [])]
        while let (state, read) = work.popLast() {
            let candidates = excludedPrefixes.filter { $0.starts(with: read) }
            if candidates.contains(where: { $0.count == read.count }) { continue }  // a whole prefix: no way on
            builder.epsilon(from: state, to: end)
            let nextBytes = Set(candidates.map { $0[read.count] })
            var special = nextBytes
            if skippingWhitespace, read.isEmpty {
                for byte in whitespaceBytes where !nextBytes.contains(byte) {
                    let loop = builder.literal([byte])
                    builder.epsilon(from: state, to: loop.start)
                    builder.epsilon(from: loop.end, to: state)
                    special.insert(byte)
                }
            }
            let other = builder.scalars(ScalarSet.all.subtracting(ScalarSet(special.map { UInt32($0)...UInt32($0) })))
            builder.epsilon(from: state, to: other.start)
            builder.epsilon(from: other.end, to: anything.start)
            for byte in nextBytes.sorted() {
                let same = builder.literal([byte])
                let child = builder.newState()
                builder.epsilon(from: state, to: same.start)
                builder.epsilon(from: same.end, to: child)
                work.append((child, read + [byte]))
            }
        }
        return GrammarBuilder.Fragment(start: start, end: end)
    }

    /// Any UTF-8 text up to and including the first occurrence of `terminator` (ASCII): a
    /// string-matching automaton whose state is how much of the terminator was just read.
    static func text(through terminator: String, builder: inout GrammarBuilder) throws(SchemaError) -> GrammarBuilder.Fragment {
        let bytes = Array(terminator.utf8)
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 < 0x80 }) else {
            throw SchemaError("a reasoning end tag must be non-empty ASCII")
        }
        let states = bytes.map { _ in builder.newState() }
        let end = builder.newState()
        let distinct = Set(bytes)
        /// Matched length after reading `byte` with `matched` bytes matched: the longest prefix
        /// of the terminator that ends the text read.
        func advance(_ matched: Int, _ byte: UInt8) -> Int {
            let read = Array(bytes[0..<matched]) + [byte]
            for length in stride(from: read.count, through: 1, by: -1) where Array(read.suffix(length)) == Array(bytes.prefix(length)) {
                return length
            }
            return 0
        }
        for matched in 0..<bytes.count {
            for byte in distinct.sorted() {
                let next = advance(matched, byte)
                let edge = builder.literal([byte])
                builder.epsilon(from: states[matched], to: edge.start)
                builder.epsilon(from: edge.end, to: next == bytes.count ? end : states[next])
            }
            let other = builder.scalars(ScalarSet.all.subtracting(ScalarSet(distinct.map { UInt32($0)...UInt32($0) })))
            builder.epsilon(from: states[matched], to: other.start)
            builder.epsilon(from: other.end, to: states[0])
        }
        return GrammarBuilder.Fragment(start: states[0], end: end)
    }
}
