/// A byte-level grammar that constrained decoding enforces: a set of rules (each a small
/// automaton over bytes that may call other rules, recursively) with one start rule.
///
/// Build one with `JSONSchemaCompiler`, `ToolCallGrammar`, or the presets below; match it
/// with `ByteMatcher` (bytes) or `GrammarMatcher` (tokens of a vocabulary).
public struct Grammar: Sendable {
    let storage: GrammarStorage

    init(storage: GrammarStorage) {
        self.storage = storage
    }

    /// Any JSON object (the `{"type":"json_object"}` response format). Built once, so its
    /// cached token masks serve every request.
    public static let jsonObject: Grammar = {
        var parts = JSONGrammarParts()
        let rule = parts.builder.newRule(name: "root")
        let body = parts.objectCall()
        parts.builder.define(rule: rule, body: body)
        // Cannot fail: every rule used above is defined by JSONGrammarParts.
        return (try? parts.builder.build(root: rule)) ?? Grammar.emptyLanguageFallback
    }()

    /// Any JSON value.
    public static let jsonValue: Grammar = {
        var parts = JSONGrammarParts()
        let rule = parts.builder.newRule(name: "root")
        let body = parts.valueCall()
        parts.builder.define(rule: rule, body: body)
        return (try? parts.builder.build(root: rule)) ?? Grammar.emptyLanguageFallback
    }()

    /// Exactly the given text.
    public static func literal(_ text: String) -> Grammar {
        var builder = GrammarBuilder()
        let rule = builder.newRule(name: "root")
        let body = builder.literal(text)
        builder.define(rule: rule, body: body)
        return (try? builder.build(root: rule)) ?? Grammar.emptyLanguageFallback
    }

    /// The grammar of the empty string only; only reached if a preset failed to build.
    private static var emptyLanguageFallback: Grammar {
        Grammar(storage: GrammarStorage(
            edgeStart: [0, 0], edgeSets: [], edgeTargets: [], callStart: [0, 0], callRules: [],
            callReturns: [], isReturn: [true], ruleStart: [0], rootRule: 0
        ))
    }

    /// Number of automaton states (a size measure, for diagnostics).
    public var stateCount: Int { storage.stateCount }

    /// Whether `text` is a complete sentence of the grammar.
    public func matches(_ text: String) -> Bool {
        var matcher = ByteMatcher(grammar: self)
        return matcher.accept(bytes: Array(text.utf8)) && matcher.isComplete
    }

    /// Whether `text` is a prefix of some sentence of the grammar.
    public func acceptsPrefix(_ text: String) -> Bool {
        var matcher = ByteMatcher(grammar: self)
        return matcher.accept(bytes: Array(text.utf8))
    }
}
