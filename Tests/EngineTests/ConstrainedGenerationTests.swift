import ConstrainedDecoding
import Engine
import Foundation
import OpenAIWire
import Testing
import TestSupport

/// Grammar-constrained generation on the real model: whatever the sampler draws, the output
/// is valid. (The property test over many schemas lives in ConstrainedDecodingTests and the
/// live tests; these check the engine's wiring.)
@Suite struct ConstrainedGenerationTests {
    func prompt(_ text: String, tools: JSONValue? = nil) throws -> [Int] {
        try SharedEngine.get().chatPromptTokens(messages: [["role": "user", "content": .string(text)]], tools: tools)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func schemaOutputValidates(seed: UInt64) async throws {
        let engine = try SharedEngine.get()
        let schema = try JSONValue.parse("""
            {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20},
             "age": {"type": "integer", "minimum": 0, "maximum": 120},
             "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3}},
             "required": ["name", "age", "tags"], "additionalProperties": false}
            """)
        let outcome = try await SharedEngine.collect(GenerationRequest(
            promptTokens: try prompt("Describe a person as JSON."),
            sampling: SamplingParameters(temperature: 1.0, seed: seed), maxTokens: 200,
            constraint: .jsonSchema(schema, strict: true)), on: engine)
        #expect(outcome.reason == .stop)
        let value = try JSONValue.parse(outcome.text)
        #expect(value.objectValue?.keys == ["name", "age", "tags"])
        let age = try #require(value["age"]?.intValue)
        #expect((0...120).contains(age))
        #expect((value["name"]?.stringValue?.count ?? 99) <= 20)
        #expect(value["tags"]?.arrayValue?.allSatisfy { $0 == "a" || $0 == "b" } == true)
    }

    @Test func jsonObjectModeGivesAnObject() async throws {
        let engine = try SharedEngine.get()
        let outcome = try await SharedEngine.collect(GenerationRequest(
            promptTokens: try prompt("Reply in JSON."), sampling: SamplingParameters(temperature: 0.8, seed: 9),
            maxTokens: 120, constraint: .jsonObject), on: engine)
        if outcome.reason == .stop { #expect(try JSONValue.parse(outcome.text).objectValue != nil) }
    }

    @Test func unsupportedKeywordUnderStrictIsNamed() async throws {
        let engine = try SharedEngine.get()
        let schema: JSONValue = ["type": "object", "patternProperties": ["^x": ["type": "string"]]]
        do {
            for try await _ in engine.generate(GenerationRequest(
                promptTokens: try prompt("x"), maxTokens: 5, constraint: .jsonSchema(schema, strict: true))) {}
            Issue.record("expected invalidSchema")
        } catch let error as EngineError {
            guard case .invalidSchema(_, let keyword) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(keyword == "patternProperties")
        }
    }

    @Test func requiredToolCallHasValidArguments() async throws {
        let engine = try SharedEngine.get()
        let parameters: JSONValue = ["type": "object", "properties": ["city": ["type": "string", "maxLength": 30],
                                                                      "unit": ["enum": ["c", "f"]]],
                                     "required": ["city", "unit"], "additionalProperties": false]
        let tools: JSONValue = [["type": "function", "function": ["name": "get_weather", "parameters": parameters]]]
        let outcome = try await collectWithCalls(GenerationRequest(
            promptTokens: try prompt("What is the weather in Paris?", tools: tools),
            sampling: SamplingParameters(temperature: 0.7, seed: 4), maxTokens: 120,
            constraint: .toolCalls(ToolCallConstraint(
                tools: [ToolSpec(name: "get_weather", parameters: parameters)], choice: .required, parallel: false))),
            on: engine)
        #expect(outcome.reason == .toolCalls)
        #expect(outcome.calls.count == 1)
        let call = try #require(outcome.calls.first)
        #expect(call.name == "get_weather")
        #expect(call.id?.hasPrefix("call_") == true)
        let arguments = try JSONValue.parse(call.arguments)
        #expect(arguments.objectValue?.keys == ["city", "unit"])
        #expect(outcome.text.isEmpty)
    }

    @Test func parallelCallsEndWhenTheModelRepeatsACall() async throws {
        let engine = try SharedEngine.get()
        let parameters: JSONValue = ["type": "object", "properties": ["city": ["type": "string", "maxLength": 20]],
                                     "required": ["city"], "additionalProperties": false]
        let tools: JSONValue = [["type": "function", "function": ["name": "get_weather", "parameters": parameters]]]
        let outcome = try await collectWithCalls(GenerationRequest(
            promptTokens: try prompt("Weather in Oslo?", tools: tools), sampling: .greedy, maxTokens: 200,
            constraint: .toolCalls(ToolCallConstraint(
                tools: [ToolSpec(name: "get_weather", parameters: parameters)], choice: .required, parallel: true))),
            on: engine)
        #expect(outcome.reason == .toolCalls, "a repeated call ends the reply instead of running to max_tokens")
        #expect(!outcome.calls.isEmpty)
        let signatures = outcome.calls.map { ($0.name ?? "") + $0.arguments }
        #expect(Set(signatures).count == signatures.count, "no call is sent twice")
        for call in outcome.calls { #expect(try JSONValue.parse(call.arguments)["city"]?.stringValue != nil) }
    }

    struct CallOutcome {
        var text = ""
        var calls: [ToolCallDelta] = []
        var reason: FinishReason?
    }

    /// Collects a generation, assembling streamed tool-call fragments by index.
    func collectWithCalls(_ request: GenerationRequest, on engine: InferenceEngine) async throws -> CallOutcome {
        var outcome = CallOutcome()
        for try await event in engine.generate(request) {
            switch event {
            case .token(let token): outcome.text += token.text
            case .toolCall(let delta):
                if delta.index == outcome.calls.count {
                    #expect(delta.id != nil && delta.name != nil, "the first fragment names the call")
                    outcome.calls.append(delta)
                } else {
                    #expect(delta.id == nil && delta.name == nil)
                    outcome.calls[delta.index].arguments += delta.arguments
                }
            case .finished(let reason, _): outcome.reason = reason
            case .promptScored: break
            }
        }
        return outcome
    }
}
