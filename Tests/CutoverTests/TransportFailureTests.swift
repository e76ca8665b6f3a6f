import Cutover
import Foundation
import OpenAIWire
import Testing

/// What the kit does when a server misbehaves below the JSON: every failure is the verdict of
/// the request that met it, and only an unreachable endpoint ends a run.
@Suite struct TransportFailureTests {
    static func endpoint(_ server: ScriptedServer, timeout: Double = 10) -> Endpoint {
        Endpoint(name: "scripted", baseURL: server.baseURL, apiKey: nil, model: "m", timeout: timeout)
    }

    static let streamBody = TestBodies.chat(stream: true)
    static let plainBody = TestBodies.chat(stream: false)

    /// llama-server ends every stream by closing the connection without saying so; the next
    /// request must go out on a new connection, exactly once.
    @Test func connectionClosedAfterEachStreamIsNotAFailure() async throws {
        let server = try ScriptedServer { _, _ in .bytes(RawResponse.stream(RawResponse.helloChunks), close: true) }
        defer { server.stop() }
        let client = OpenAIClient(stallTimeout: 10)
        var outcomes: [ChatOutcome] = []
        for _ in 0..<6 { outcomes.append(try await client.chat(Self.endpoint(server), body: Self.streamBody)) }
        await client.shutdown()
        for outcome in outcomes {
            #expect(outcome.succeeded, "\(outcome.failureReason ?? "")")
            #expect(outcome.text == "Hello")
        }
        #expect(server.requests.count == 6)
        #expect(server.connections == 6)
    }

    @Test func stalledStreamIsTheRequestsVerdict() async throws {
        let server = try ScriptedServer { number, _ in
            number == 0 ? .stall(RawResponse.stream([RawResponse.helloChunks[0]], complete: false))
                : .bytes(RawResponse.stream(RawResponse.helloChunks))
        }
        defer { server.stop() }
        let client = OpenAIClient(stallTimeout: 1)
        let stalled = try await client.chat(Self.endpoint(server, timeout: 1), body: Self.streamBody)
        let next = try await client.chat(Self.endpoint(server, timeout: 1), body: Self.streamBody)
        await client.shutdown()
        #expect(stalled.status == 200)
        #expect(stalled.text == "Hel")
        #expect(stalled.transportFailure == "stream broke off after 1 chunk(s): no bytes from the server for 1 s (stalled)")
        #expect(!stalled.succeeded)
        #expect(next.succeeded)
    }

    @Test func streamDroppedHalfWayIsTheRequestsVerdict() async throws {
        let server = try ScriptedServer { number, _ in
            number == 0 ? .bytes(RawResponse.stream(Array(RawResponse.helloChunks.prefix(2)), complete: false), close: true)
                : .bytes(RawResponse.stream(RawResponse.helloChunks))
        }
        defer { server.stop() }
        let client = OpenAIClient(stallTimeout: 10)
        let dropped = try await client.chat(Self.endpoint(server), body: Self.streamBody)
        let next = try await client.chat(Self.endpoint(server), body: Self.streamBody)
        await client.shutdown()
        #expect(dropped.transportFailure == "stream broke off after 2 chunk(s): the server closed the connection")
        #expect(dropped.failureReason == "HTTP 200, then stream broke off after 2 chunk(s): the server closed the connection")
        #expect(dropped.envelopeProblems.isEmpty, "a broken stream is not also blamed for its missing [DONE]")
        #expect(next.succeeded)
    }

    @Test func connectionClosedWithoutAnswerIsTheRequestsVerdict() async throws {
        let server = try ScriptedServer { number, _ in number == 0 ? .slam : .bytes(RawResponse.completion) }
        defer { server.stop() }
        let client = OpenAIClient(stallTimeout: 10)
        let slammed = try await client.chat(Self.endpoint(server), body: Self.plainBody)
        let next = try await client.chat(Self.endpoint(server), body: Self.plainBody)
        await client.shutdown()
        #expect(slammed.status == 0)
        #expect(slammed.failureReason == "the server closed the connection")
        #expect(next.succeeded)
        #expect(server.requests.count == 2, "a request the server received is not sent again")
    }

    /// The keep-alive race: the server closes a pooled connection just as the next request goes
    /// out on it, and answers nothing. The request never reached the server's application, so it
    /// goes out again on a new connection, as the OpenAI SDKs do.
    @Test func pooledConnectionClosedBeforeAnswerIsSentAgain() async throws {
        let server = try ScriptedServer { number, _ in number == 1 ? .slam : .bytes(RawResponse.completion) }
        defer { server.stop() }
        let client = OpenAIClient(stallTimeout: 10)
        let first = try await client.chat(Self.endpoint(server), body: Self.plainBody)
        let raced = try await client.chat(Self.endpoint(server), body: Self.plainBody)
        await client.shutdown()
        #expect(first.succeeded)
        #expect(raced.succeeded, "\(raced.failureReason ?? "")")
        #expect(raced.connectionRetries == 1)
        #expect(server.requests.count == 3)
    }

    @Test func htmlErrorPageAndGarbageAreVerdicts() async throws {
        let server = try ScriptedServer { number, _ in
            switch number {
            case 0: .bytes(RawResponse.html("<html><body>Internal Server Error</body></html>", status: "500 Internal Server Error"))
            case 1: .bytes(RawResponse.html("<html>maintenance</html>", status: "200 OK"))
            case 2: .bytes("this is not HTTP\r\n\r\n", close: true)
            default: .bytes(RawResponse.completion)
            }
        }
        defer { server.stop() }
        let client = OpenAIClient(stallTimeout: 10)
        var outcomes: [ChatOutcome] = []
        for _ in 0..<4 { outcomes.append(try await client.chat(Self.endpoint(server), body: Self.plainBody)) }
        await client.shutdown()
        #expect(outcomes[0].failureReason == "500: <html><body>Internal Server Error</body></html>")
        #expect(outcomes[1].failureReason?.hasPrefix("response body is not JSON") == true)
        #expect(outcomes[2].status == 0)
        #expect(outcomes[2].failureReason?.hasPrefix("the response is not valid HTTP/1.1") == true)
        #expect(outcomes[3].succeeded)
    }

    @Test func unreachableEndpointThrows() async throws {
        let server = try ScriptedServer { _, _ in .slam }
        let port = server.port
        server.stop()
        try await Task.sleep(for: .milliseconds(100))
        let client = OpenAIClient(stallTimeout: 10)
        let endpoint = Endpoint(name: "gone", baseURL: "http://127.0.0.1:\(port)/v1", apiKey: nil, model: "m", timeout: 5)
        await #expect(throws: CutoverError.self) { _ = try await client.chat(endpoint, body: Self.plainBody) }
        await client.shutdown()
    }
}

/// Minimal chat request bodies.
enum TestBodies {
    static func chat(stream: Bool) -> JSONValue {
        var object = JSONObject(["messages": [["role": "user", "content": "Say hello."]], "max_tokens": 8])
        if stream { object["stream"] = true }
        return .object(object)
    }
}

/// The whole default probe against a server that behaves like llama-server: it closes the
/// connection after every stream, ticks `created` between chunks, puts usage on the last content
/// chunk, never makes a tool call, and fails one request with an HTML page.
@Suite struct ProbeSurvivesRealServerQuirksTests {
    static func llamaLikeChunks() -> [String] {
        [
            #"{"id":"s","object":"chat.completion.chunk","created":100,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}"#,
            #"{"id":"s","object":"chat.completion.chunk","created":101,"model":"m","choices":[{"index":0,"delta":{"content":" there"},"finish_reason":null}]}"#,
            #"{"id":"s","object":"chat.completion.chunk","created":101,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#,
            "[DONE]",
        ]
    }

    @Test func fullDefaultProbeCompletesWithVerdictsThatSayWhatHappened() async throws {
        let server = try ScriptedServer { _, body in
            if body.contains("switchyard_probe_unknown") {
                return .bytes(RawResponse.html("<html><h1>502 Bad Gateway</h1></html>", status: "502 Bad Gateway"))
            }
            if body.contains("\"stream\":true") {
                return .bytes(RawResponse.stream(Self.llamaLikeChunks()), close: true)
            }
            return .bytes(RawResponse.completion)
        }
        defer { server.stop() }
        let client = OpenAIClient(stallTimeout: 10)
        let endpoint = Endpoint(name: "llama-like", baseURL: server.baseURL, apiKey: "k", model: "m", timeout: 10)
        let report = try await ProbeRunner(client: client, endpoint: endpoint).run()
        await client.shutdown()
        #expect(report.results.map(\.feature) == ProbeFeature.defaultFeatures)
        #expect(report.result(.streamedToolCalls)?.status == .ignored)
        #expect(report.result(.streamedToolCalls)?.detail == "no tool call; streamed text 'Hi there'")
        #expect(report.result(.includeUsage)?.status == .supported)
        let envelope = try #require(report.result(.streamEnvelope))
        #expect(envelope.status == .deviates)
        #expect(envelope.detail == "\"created\" changes between chunks (chunk 2: 101, chunk 1: 100); "
            + "usage rides on a chunk with choices (OpenAI sends it in its own chunk with \"choices\": [])")
        let unknown = try #require(report.result(.unknownField))
        #expect(unknown.status == .broken)
        #expect(unknown.httpStatus == 502)
        #expect(report.result(.toolChoiceAuto)?.status == .ignored)
        #expect(report.result(.badKeyError)?.status == .ignored)
    }
}
