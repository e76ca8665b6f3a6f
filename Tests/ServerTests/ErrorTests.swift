import HTTPTypes
import Fleet
import HummingbirdTesting
import OpenAIWire
import Server
import Testing

@Suite struct ErrorTests {
    @Test func malformedJSONIs400() async throws {
        try await withServer { client in
            let response = try await client.post("/v1/chat/completions", #"{"model": "fake-model", "messages": ["#)
            _ = try response.expectError(status: .badRequest, code: "invalid_json")
        }
    }

    @Test func wrongTypesNameTheField() async throws {
        try await withServer { client in
            let cases: [(String, String)] = [
                (#""temperature":"hot""#, "temperature"),
                (#""temperature":3"#, "temperature"),
                (#""n":9"#, "n"),
                (#""n":1.5"#, "n"),
                (#""max_tokens":"many""#, "max_tokens"),
                (#""stop":["a","b","c","d","e"]"#, "stop"),
                (#""top_logprobs":3"#, "top_logprobs"),
                (#""logit_bias":{"x":1}"#, "logit_bias.x"),
                (#""stream_options":{"include_usage":true}"#, "stream_options"),
            ]
            for (field, param) in cases {
                let response = try await client.post(
                    "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],\#(field)}"#)
                _ = try response.expectError(status: .badRequest, code: response.errorCode, param: param)
            }
            let badRole = try await client.post("/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"wizard","content":"Hi"}]}"#)
            _ = try badRole.expectError(status: .badRequest, code: "invalid_value", param: "messages[0].role")
            let missing = try await client.post("/v1/chat/completions", #"{"model":"fake-model"}"#)
            _ = try missing.expectError(status: .badRequest, code: "missing_required_parameter", param: "messages")
        }
    }

    @Test func imagePartsOnATextModelName400WithTheField() async throws {
        try await withServer { client in
            let response = try await client.post(
                "/v1/chat/completions",
                #"{"model":"fake-model","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}"#)
            let error = try response.expectError(status: .badRequest, code: "unsupported_content", param: "messages[0].content[1]")
            #expect(error["message"]?.stringValue?.contains("image_url") == true)
        }
    }

    @Test func unknownModelIs404() async throws {
        try await withServer { client in
            let response = try await client.post("/v1/chat/completions", #"{"model":"gpt-4o","messages":[{"role":"user","content":"Hi"}]}"#)
            _ = try response.expectError(status: .notFound, code: "model_not_found", param: "model")
            let model = try await client.get("/v1/models/gpt-4o")
            _ = try model.expectError(status: .notFound, code: "model_not_found")
            let route = try await client.get("/v1/nothing-here")
            _ = try route.expectError(status: .notFound, code: "not_found")
        }
    }

    @Test func contextLengthExceeded() async throws {
        try await withServer(FakeBackend(contextLength: 32)) { client in
            let long = String(repeating: "x", count: 40)
            let response = try await client.post(
                "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"\#(long)"}]}"#)
            _ = try response.expectError(status: .badRequest, code: "context_length_exceeded", param: "messages")
            let budget = try await client.post(
                "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"max_tokens":30}"#)
            let error = try budget.expectError(status: .badRequest, code: "context_length_exceeded")
            #expect(error["message"]?.stringValue?.contains("maximum context length is 32 tokens") == true)
        }
    }

    @Test func toolsAreRefusedUntilToolCallsExist() async throws {
        try await withServer { client in
            let tools = #"[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]"#
            let response = try await client.post(
                "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"tools":\#(tools)}"#)
            _ = try response.expectError(status: .badRequest, code: "unsupported_parameter", param: "tools")
            let none = try await client.post(
                "/v1/chat/completions",
                #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"tools":\#(tools),"tool_choice":"none"}"#)
            #expect(none.status == .ok)
        }
    }

    @Test func ignoredFieldsAreListedOrRefusedWhenStrict() async throws {
        let body = #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"store":true,"frobnicate":1}"#
        try await withServer { client in
            let response = try await client.post("/v1/chat/completions", body)
            #expect(response.status == .ok)
            #expect(response.header("x-switchyard-ignored") == "store, frobnicate")
        }
        try await withServer(configuration: ServerConfiguration(port: 0, strictParams: true)) { client in
            let response = try await client.post("/v1/chat/completions", body)
            _ = try response.expectError(status: .badRequest, code: "unknown_parameter", param: "store")
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        try await withServer(configuration: ServerConfiguration(port: 0, maxBodyBytes: 1024)) { client in
            let big = String(repeating: "y", count: 4096)
            let response = try await client.post(
                "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"\#(big)"}]}"#)
            _ = try response.expectError(status: .contentTooLarge, code: "request_too_large")
        }
    }

    @Test func apiKeysAreRequiredWhenConfigured() async throws {
        let configuration = ServerConfiguration(port: 0, apiKeys: ["sk-one", "sk-two"])
        try await withServer(configuration: configuration) { client in
            let missing = try await client.post("/v1/chat/completions", chatBody)
            _ = try missing.expectError(status: .unauthorized, code: "invalid_api_key")
            let wrong = try await client.post("/v1/chat/completions", chatBody, headers: [.authorization: "Bearer sk-on"])
            _ = try wrong.expectError(status: .unauthorized, code: "invalid_api_key")
            let right = try await client.post("/v1/chat/completions", chatBody, headers: [.authorization: "Bearer sk-two"])
            #expect(right.status == .ok)
            let health = try await client.get("/health")
            #expect(health.status == .ok)
            let models = try await client.get("/v1/models")
            #expect(models.status == .unauthorized)
        }
    }

    @Test func publicAddressWithoutKeysIsRefused() throws {
        #expect(throws: ServerError.unauthenticatedPublicAddress("0.0.0.0")) {
            try ServerConfiguration(host: "0.0.0.0").validate()
        }
        try ServerConfiguration(host: "0.0.0.0", apiKeys: ["k"]).validate()
        try ServerConfiguration(host: "127.0.0.1").validate()
    }

    @Test func legacyCompletionsRefuseSuffixAndBestOf() async throws {
        try await withServer { client in
            let suffix = try await client.post("/v1/completions", #"{"model":"fake-model","prompt":"a","suffix":"b"}"#)
            _ = try suffix.expectError(status: .badRequest, code: "unsupported_parameter", param: "suffix")
            let bestOf = try await client.post("/v1/completions", #"{"model":"fake-model","prompt":"a","best_of":3}"#)
            _ = try bestOf.expectError(status: .badRequest, code: "unsupported_parameter", param: "best_of")
            let prompt = try await client.post("/v1/completions", #"{"model":"fake-model","prompt":[1,"a"]}"#)
            _ = try prompt.expectError(status: .badRequest, code: "invalid_type", param: "prompt")
        }
    }
}

extension TestResponse {
    /// The error code the body carries, for cases where only the param is under test.
    var errorCode: String? { (try? json["error"]?["code"]?.stringValue) ?? nil }
}
