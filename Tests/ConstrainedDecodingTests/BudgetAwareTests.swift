import ConstrainedDecoding
import OpenAIWire
import Testing
import TestSupport

/// Budget-aware decoding at the matcher level: the fewest bytes to finish, and walks that
/// always end complete when the budget is at least the shortest sentence.
@Suite struct BudgetAwareTests {
    /// Every byte as a token, some multi-byte JSON-ish tokens, and an end token.
    static let vocabulary: TokenVocabulary = {
        var tokens = (0..<256).map { [UInt8($0)] }
        for text in [#"{""#, #"":"#, #"",""#, #""}"#, "[{", "}]", "}}", "]}", "tree", "value", "children", " the", "abc", "\": [", "123", "true"] {
            tokens.append(Array(text.utf8))
        }
        tokens.append([])  // end of generation
        return TokenVocabulary(tokenBytes: tokens, endOfGenerationTokenIDs: [tokens.count - 1])
    }()

    static let treeSchema: JSONValue = [
        "type": "object",
        "properties": [
            "value": ["type": "string"],
            "children": ["type": "array", "items": ["$ref": "#"]],
        ],
        "required": ["value", "children"],
        "additionalProperties": false,
    ]

    @Test func distancesOfSimpleGrammars() throws {
        var object = GrammarMatcher(grammar: .jsonObject, vocabulary: Self.vocabulary)
        #expect(object.minimumBytesToComplete == 2)  // {}
        let acceptedKey = object.accept(text: #"{"ab"#)
        #expect(acceptedKey)
        #expect(object.minimumBytesToComplete == 4)  // ":0}
        let acceptedArrays = object.accept(text: #"":[[["#)
        #expect(acceptedArrays)
        #expect(object.minimumBytesToComplete == 4)  // ]]]}
        let acceptedClose = object.accept(text: "]]]}")
        #expect(acceptedClose)
        #expect(object.minimumBytesToComplete == 0)
        let literal = GrammarMatcher(grammar: .literal("hello"), vocabulary: Self.vocabulary)
        #expect(literal.minimumBytesToComplete == 5)
        let tree = try JSONSchemaCompiler.compile(Self.treeSchema, strict: true)
        // {"value":"","children":[]}
        #expect(GrammarMatcher(grammar: tree, vocabulary: Self.vocabulary).minimumBytesToComplete == 26)
    }

    @Test(arguments: [26, 27, 40, 64, 120])
    func recursiveSchemaWalksAlwaysClose(budget: Int) throws {
        let grammar = try JSONSchemaCompiler.compile(Self.treeSchema, strict: true)
        for seed in 0..<50 {
            var random = SplitMix64(seed: UInt64(seed * 7919 + budget))
            var matcher = GrammarMatcher(grammar: grammar, vocabulary: Self.vocabulary)
            var output: [UInt8] = []
            var left = budget
            while left > 0, !matcher.isFinished {
                left -= 1
                var allowed = matcher.allowedTokens()
                // A walk that prefers opening structures: the worst case for the budget.
                var chosen: Int?
                for _ in 0..<8 {
                    let ids = allowed.allowedIDs
                    guard !ids.isEmpty else { break }
                    let openers = ids.filter { Self.vocabulary.tokenBytes[$0].contains(where: { "[{\"".utf8.contains($0) }) }
                    let pick = (!openers.isEmpty && Bool.random(using: &random) ? openers : ids).randomElement(using: &random) ?? ids[0]
                    if matcher.accept(pick, finishingWithin: left) {
                        chosen = pick
                        break
                    }
                    allowed.disallow(pick)
                }
                if chosen == nil {
                    let finishing = matcher.oneByteTokens(in: allowed, finishingWithin: left)
                    let pick = try #require(finishing.randomElement(using: &random), "no finishing token after \(String(decoding: output, as: UTF8.self))")
                    let accepted = matcher.accept(pick)
                    #expect(accepted)
                    chosen = pick
                }
                output += Self.vocabulary.tokenBytes[chosen ?? 0]
            }
            let text = String(decoding: output, as: UTF8.self)
            #expect(matcher.isComplete, "budget \(budget) seed \(seed): \(text)")
            #expect((try? JSONValue.parse(text)) != nil, "not JSON: \(text)")
        }
    }
}
