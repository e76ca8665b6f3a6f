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

/// The text around tool calls in a chat template's format.
public struct ToolCallFormat: Sendable, Equatable {
    /// Written before each call's JSON; when the output starts with it, a call has begun.
    public var callPrefix: String
    /// Written after each call's JSON.
    public var callSuffix: String
    /// Between parallel calls.
    public var separator: String
    /// Key of the function name in the call object.
    public var nameKey: String
    /// Key of the arguments object in the call object.
    public var argumentsKey: String

    public init(callPrefix: String, callSuffix: String, separator: String, nameKey: String = "name", argumentsKey: String = "arguments") {
        self.callPrefix = callPrefix
        self.callSuffix = callSuffix
        self.separator = separator
        self.nameKey = nameKey
        self.argumentsKey = argumentsKey
    }

    /// Hermes/Qwen: `<tool_call>\n{"name": "f", "arguments": {...}}\n</tool_call>`, calls
    /// separated by a newline.
    public static let hermes = ToolCallFormat(callPrefix: "<tool_call>\n", callSuffix: "\n</tool_call>", separator: "\n")

    /// The JSON object of one call, exactly as the grammar has the model write it.
    public func callJSON(name: String, arguments: String) -> String {
        var text = "{"
        JSONValue.writeString(nameKey, to: &text)
        text += ": "
        JSONValue.writeString(name, to: &text)
        text += ", "
        JSONValue.writeString(argumentsKey, to: &text)
        text += ": " + arguments + "}"
        return text
    }
}

/// Builds the grammar of a model's reply when tools are offered: tool calls whose
/// `arguments` are valid against each function's parameter schema, in the template's
/// wrapper format.
public enum ToolCallGrammar {
    /// - Parameters:
    ///   - tools: the functions offered (at least one; names unique).
    ///   - choice: `.required` or `.function(name)`: only calls; `.auto`: either text that
    ///     does not start with `format.callPrefix`, or calls (the engine can tell which
    ///     branch the model took by checking that prefix).
    ///   - parallel: whether several calls (separated by `format.separator`) may follow.
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
        if parallel {
            let callRule = builder.newRule(name: "call")
            builder.define(rule: callRule, body: call)
            let first = builder.call(callRule)
            let more = builder.star(builder.sequence([builder.literal(format.separator), builder.call(callRule)]))
            calls = builder.sequence([first, more])
        }
        var body = calls
        if choice == .auto {
            body = builder.choice([calls, try freeText(notStartingWith: format.callPrefix, builder: &builder)])
        }
        builder.define(rule: root, body: body)
        return try builder.build(root: root)
    }

    /// Any UTF-8 text that does not begin with `prefix` (ASCII), including the empty text.
    static func freeText(notStartingWith prefix: String, builder: inout GrammarBuilder) throws(SchemaError) -> GrammarBuilder.Fragment {
        let bytes = Array(prefix.utf8)
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 < 0x80 }) else {
            throw SchemaError("the tool call prefix must be non-empty ASCII for tool_choice auto")
        }
        let end = builder.newState()
        let anything = builder.star(builder.scalars(ScalarSet.all))
        builder.epsilon(from: anything.end, to: end)
        let start = builder.newState()
        var current = start
        for byte in bytes {
            builder.epsilon(from: current, to: end)  // a proper prefix of `prefix` is fine
            let other = builder.scalars(ScalarSet.all.subtracting(ScalarSet([UInt32(byte)...UInt32(byte)])))
            builder.epsilon(from: current, to: other.start)
            builder.epsilon(from: other.end, to: anything.start)
            let same = builder.literal([byte])
            builder.epsilon(from: current, to: same.start)
            current = same.end
        }
        return GrammarBuilder.Fragment(start: start, end: end)
    }
}
