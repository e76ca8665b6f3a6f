import ConstrainedDecoding
import Engine
import HTTPTypes
import HummingbirdTesting
import OpenAIWire
import Server
import Testing

@Suite struct ToolCallTests {
    static let body = #"{"model":"fake-model","messages":[{"role":"user","content":"Weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]"#

    func backend() -> FakeBackend {
        var behaviour = FakeBackend.Behaviour()
        behaviour.callsTools = true
        return FakeBackend(behaviour: behaviour)
    }

    @Test func wholeToolCallsInAMessage() async throws {
        let backend = backend()
        try await withServer(backend) { client in
            let response = try await client.post("/v1/chat/completions", Self.body + #","parallel_tool_calls":false}"#)
            #expect(response.status == .ok, "\(response.text)")
            let choice = try #require(try response.json["choices"]?[0])
            #expect(choice["finish_reason"] == "tool_calls")
            #expect(choice["message"]?["content"] == .null)
            #expect(
                choice["message"]?["tool_calls"]
                    == [["id": "call_fake", "type": "function", "function": ["name": "get_weather", "arguments": #"{"x":1}"#]]])
        }
        guard case .toolCalls(let constraint) = backend.lastRequest?.constraint else {
            Issue.record("no tool-call constraint reached the engine")
            return
        }
        #expect(constraint.tools.map(\.name) == ["get_weather"])
        #expect(constraint.parallel == false)
    }

    @Test func streamedToolCallDeltasFollowTheWireContract() async throws {
        try await withServer(backend()) { client in
            let response = try await client.post("/v1/chat/completions", Self.body + #","stream":true}"#)
            let deltas = try response.events.compactMap { $0["choices"]?[0]?["delta"]?["tool_calls"]?[0] }
            #expect(deltas.first == ["index": 0, "id": "call_fake", "type": "function", "function": ["name": "get_weather", "arguments": ""]])
            #expect(deltas.dropFirst().allSatisfy { $0.objectValue?.keys == ["index", "function"] && $0["function"]?.objectValue?.keys == ["arguments"] })
            #expect(try response.events.last?["choices"]?[0]?["finish_reason"] == "tool_calls")
        }
    }

    @Test func toolChoiceMustNameAnOfferedTool() async throws {
        try await withServer(backend()) { client in
            let response = try await client.post(
                "/v1/chat/completions", Self.body + #","tool_choice":{"type":"function","function":{"name":"nope"}}}"#)
            _ = try response.expectError(status: .badRequest, code: "invalid_value", param: "tool_choice")
        }
    }
}
