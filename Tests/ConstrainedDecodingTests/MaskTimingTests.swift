import ConstrainedDecoding
import Foundation
import OpenAIWire
import Testing

/// Reports (does not assert) how long mask computation takes with the real vocabulary.
@Suite(.enabled(if: RealVocabulary.isAvailable, "needs the SmolLM2 model file"))
struct MaskTimingTests {
    @Test func maskTimingReport() throws {
        let vocabulary = try #require(RealVocabulary.shared)
        let schema = try JSONValue.parse(#"""
        {"type":"object","properties":{
          "name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150},
          "email":{"type":"string","format":"email"},"tags":{"type":"array","items":{"type":"string"},"maxItems":5},
          "address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}},"required":["street","city"],"additionalProperties":false},
          "active":{"type":"boolean"},"score":{"type":"number"}},
         "required":["name","age","email","tags","address","active","score"],"additionalProperties":false}
        """#)
        let document = #"{"name": "Ada Lovelace", "age": 36, "email": "ada@example.org", "tags": ["math", "poetry", "engines"], "address": {"street": "12 St James's Square", "city": "London"}, "active": true, "score": 99.5}"#
        let grammar = try JSONSchemaCompiler.compile(schema, strict: true)
        // Tokenize the document greedily (longest token the grammar allows that matches).
        func run() -> (times: [Double], tokens: Int) {
            var matcher = GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
            var remaining = Array(document.utf8)[...]
            var times: [Double] = []
            var tokens = 0
            while !remaining.isEmpty {
                let start = threadCPUMilliseconds()
                let mask = matcher.allowedTokens()
                times.append(threadCPUMilliseconds() - start)
                var best: Int?
                for id in mask.allowedIDs {
                    let bytes = vocabulary.tokenBytes[id]
                    if remaining.starts(with: bytes), bytes.count > (best.map { vocabulary.tokenBytes[$0].count } ?? 0) { best = id }
                }
                guard let best, matcher.accept(best) else { break }
                remaining = remaining.dropFirst(vocabulary.tokenBytes[best].count)
                tokens += 1
            }
            #expect(remaining.isEmpty && matcher.isComplete)
            return (times, tokens)
        }
        let cold = run()
        // Warming json_object (as an engine would at model load) shares its string/number masks.
        let warmStart = threadCPUMilliseconds()
        let warmed = vocabulary.precomputeMasks(for: .jsonObject)
        print(String(format: "precomputeMasks(json_object): %d states in %.1f ms CPU", warmed, threadCPUMilliseconds() - warmStart))
        let warm = run()
        func line(_ label: String, _ times: [Double]) -> String {
            String(format: "%@: p50 %.3f ms, p99 %.3f ms, max %.3f ms", label, percentile(times, 0.5), percentile(times, 0.99), times.max() ?? 0)
        }
        print("mask timing (thread CPU time) over \(cold.tokens) tokens, vocabulary \(vocabulary.count) tokens, trie \(vocabulary.trieNodeCount) nodes")
        print(line("first sequence (per-state masks computed on first use)", cold.times))
        print(line("later sequences (cached)", warm.times))
        let json = Grammar.jsonObject
        var matcher = GrammarMatcher(grammar: json, vocabulary: vocabulary)
        _ = matcher.allowedTokens()
        print("json_object grammar: \(json.stateCount) states; schema grammar: \(grammar.stateCount) states")
    }
}
