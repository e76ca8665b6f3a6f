import Fleet
import HTTPTypes
import Hummingbird
import OpenAIWire
import Testing

/// Non-streamed forwarding, failover and error mapping, against fake upstreams over loopback.
@Suite(.timeLimit(.minutes(2))) struct UpstreamBackendTests {
    @Test(arguments: UpstreamTransport.allCases) func nonStreamedReplyPassesThroughWithTheModelRewrittenBothWays(_ transport: UpstreamTransport) async throws {
        try await FakeUpstream.run({ _ in .upstreamJSON(UpstreamDocuments.completion()) }) { fake in
            let reply = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                try await backend.send(via: transport, requestID: "req-42")
            }
            guard case .complete(let body, let usage, _) = reply else {
                Issue.record("expected a complete reply")
                return
            }
            #expect(body["model"] == .string(upstreamPublicName))
            #expect(body["choices"]?.arrayValue?.first?["message"]?["content"] == "Hello there")
            #expect(body["id"] == "chatcmpl-1")
            #expect(usage == UpstreamUsage(promptTokens: 5, completionTokens: 7))

            let request = try #require(fake.requests.first)
            #expect(fake.requests.count == 1)
            #expect(request.path == "/v1/chat/completions")
            #expect(request.body["model"] == .string(UpstreamDocuments.model))
            #expect(request.body["messages"] == [["role": "user", "content": "Hi"]])
            #expect(request.body["max_tokens"] == 16)
            #expect(request.body["stream"] == false)
            #expect(request.body["stream_options"] == nil)
            #expect(request.headers["authorization"] == "Bearer \(upstreamKey)")
            #expect(request.headers["x-request-id"] == "req-42")
            #expect(request.headers["content-type"] == "application/json")
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func completionsPathAndAnUnsetUpstreamModelKeepThePublicName(_ transport: UpstreamTransport) async throws {
        try await FakeUpstream.run({ request in .upstreamJSON(UpstreamDocuments.completion(model: request.body["model"]?.stringValue ?? "?")) }) { fake in
            let target = UpstreamTarget(baseURL: fake.baseURL + "/", model: nil, apiKey: nil, timeout: .seconds(60))
            let reply = try await withUpstreamBackend([target]) { backend in
                try await backend.send(via: transport, path: "completions", body: JSONObject(["model": "an-alias", "prompt": "Hi"]))
            }
            guard case .complete(let body, _, _) = reply else {
                Issue.record("expected a complete reply")
                return
            }
            #expect(body["model"] == .string(upstreamPublicName))
            let request = try #require(fake.requests.first)
            #expect(request.path == "/v1/completions")
            #expect(request.body["model"] == .string(upstreamPublicName))
            #expect(request.headers["authorization"] == nil)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func aReplyThatIsNotJSONIsAnErrorWithItsStatusAndAnExcerpt(_ transport: UpstreamTransport) async throws {
        try await FakeUpstream.run({ _ in .upstreamText("<html><body>Welcome to nginx</body></html>", status: .ok) }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in await upstreamSendFailure(backend, via: transport) }
            let failure = try #require(error)
            #expect(failure.status == 502)
            #expect(failure.code == "upstream_bad_response")
            #expect(failure.message.contains("HTTP 200"))
            #expect(failure.message.contains("Welcome to nginx"))
            #expect(!failure.message.contains(upstreamKey))
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func anErrorStatusWithAPlainTextBodyKeepsTheStatusAndText(_ transport: UpstreamTransport) async throws {
        try await FakeUpstream.run({ _ in .upstreamText("upstream-model exploded", status: .internalServerError, contentType: "text/plain") }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in await upstreamSendFailure(backend, via: transport) }
            let failure = try #require(error)
            #expect(failure.status == 500)
            #expect(failure.type == "server_error")
            #expect(failure.message.contains("HTTP 500"))
            #expect(failure.message.contains("\(upstreamPublicName) exploded"))
            #expect(!failure.message.contains(UpstreamDocuments.model))
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func aRefusedTargetFailsOverToTheNextOne(_ transport: UpstreamTransport) async throws {
        let dead = try DeadUpstreamPort()
        try await FakeUpstream.run({ _ in .upstreamJSON(UpstreamDocuments.completion()) }) { fake in
            let reply = try await withUpstreamBackend([upstreamTarget(dead.baseURL), upstreamTarget(fake.baseURL)]) { backend in
                try await backend.send(via: transport)
            }
            guard case .complete(let body, _, _) = reply else {
                Issue.record("expected a complete reply")
                return
            }
            #expect(body["model"] == .string(upstreamPublicName))
            #expect(fake.requests.count == 1)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func serviceUnavailableFailsOverWithoutRetryingTheSameTarget(_ transport: UpstreamTransport) async throws {
        try await FakeUpstream.run({ _ in .upstreamJSON(UpstreamDocuments.error(message: "overloaded", type: "server_error", param: nil, code: nil), status: .serviceUnavailable) }) { busy in
            try await FakeUpstream.run({ _ in .upstreamJSON(UpstreamDocuments.completion()) }) { live in
                let reply = try await withUpstreamBackend([upstreamTarget(busy.baseURL), upstreamTarget(live.baseURL)]) { backend in
                    try await backend.send(via: transport)
                }
                guard case .complete = reply else {
                    Issue.record("expected a complete reply")
                    return
                }
                #expect(busy.requests.count == 1)
                #expect(live.requests.count == 1)
            }
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func whenEveryTargetFailsTheErrorNamesTheHostsButNotTheKey(_ transport: UpstreamTransport) async throws {
        let dead = try DeadUpstreamPort()
        try await FakeUpstream.run({ _ in .upstreamText("busy", status: .badGateway, contentType: "text/plain") }) { busy in
            let error = try await withUpstreamBackend([upstreamTarget(dead.baseURL), upstreamTarget(busy.baseURL)]) { backend in
                await upstreamSendFailure(backend, via: transport)
            }
            let failure = try #require(error)
            #expect(failure.status == 502)
            #expect(failure.type == "server_error")
            #expect(failure.code == "upstream_unavailable")
            #expect(failure.message.contains("127.0.0.1:\(dead.port)"))
            #expect(failure.message.contains("127.0.0.1:\(busy.port) (HTTP 502)"))
            #expect(failure.message.contains(upstreamPublicName))
            #expect(!failure.message.contains(upstreamKey))
            #expect(!failure.message.contains("sk-"))
            #expect(busy.requests.count == 1)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func anUpstreamClientErrorKeepsItsFieldsWithThePublicModelName(_ transport: UpstreamTransport) async throws {
        let upstreamError = UpstreamDocuments.error(
            message: "The model '\(UpstreamDocuments.model)' supports at most 100 tokens.", type: "invalid_request_error", param: "max_tokens",
            code: "invalid_value")
        try await FakeUpstream.run({ _ in .upstreamJSON(upstreamError, status: .badRequest) }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in await upstreamSendFailure(backend, via: transport) }
            #expect(
                error
                    == OpenAIError(
                        status: 400, message: "The model '\(upstreamPublicName)' supports at most 100 tokens.", type: "invalid_request_error",
                        param: "max_tokens", code: "invalid_value"))
            #expect(fake.requests.count == 1)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func anUpstreamAuthenticationFailureIsTheServersProblem(_ transport: UpstreamTransport) async throws {
        let refusal = UpstreamDocuments.error(
            message: "Incorrect API key provided: \(upstreamKey).", type: "invalid_request_error", param: nil, code: "invalid_api_key")
        try await FakeUpstream.run({ _ in .upstreamJSON(refusal, status: .unauthorized) }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in await upstreamSendFailure(backend, via: transport) }
            let failure = try #require(error)
            #expect(failure.status == 502)
            #expect(failure.type == "server_error")
            #expect(failure.code == "upstream_auth_failed")
            #expect(!failure.message.contains(upstreamKey))
            #expect(fake.requests.count == 1)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func aConnectionDroppedBeforeAnyResponseIsRetriedOnceThenTheNextTargetServes(_ transport: UpstreamTransport) async throws {
        let slammer = try SlammingUpstream()
        defer { slammer.stop() }
        try await FakeUpstream.run({ _ in .upstreamJSON(UpstreamDocuments.completion()) }) { live in
            let reply = try await withUpstreamBackend([upstreamTarget(slammer.baseURL), upstreamTarget(live.baseURL)]) { backend in
                try await backend.send(via: transport)
            }
            guard case .complete = reply else {
                Issue.record("expected a complete reply")
                return
            }
            #expect(slammer.accepted == 2)
            #expect(live.requests.count == 1)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func aTargetSilentPastItsTimeoutIsGivenUpWithoutARetry(_ transport: UpstreamTransport) async throws {
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let handler: FakeUpstream.Handler = { _ in
            for await _ in release {}
            return .upstreamJSON(UpstreamDocuments.completion())
        }
        try await FakeUpstream.run(handler) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL, timeout: .seconds(1))]) { backend in
                await upstreamSendFailure(backend, via: transport)
            }
            releaseContinuation.finish()
            let failure = try #require(error)
            #expect(failure.code == "upstream_unavailable")
            #expect(failure.message.contains("no response within 1 s"))
            #expect(fake.requests.count == 1)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func logsNameTheHostAndRequestButNeverTheKey(_ transport: UpstreamTransport) async throws {
        let dead = try DeadUpstreamPort()
        let recorder = UpstreamLogRecorder()
        let refusal = UpstreamDocuments.error(message: "Incorrect API key provided: \(upstreamKey)", type: "invalid_request_error", param: nil, code: nil)
        try await FakeUpstream.run({ _ in .upstreamJSON(refusal, status: .forbidden) }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(dead.baseURL), upstreamTarget(fake.baseURL)], logger: recorder.logger()) { backend in
                await upstreamSendFailure(backend, via: transport)
            }
            #expect(error?.code == "upstream_auth_failed")
            #expect(error?.message.contains(upstreamKey) == false)
        }
        let lines = recorder.all
        #expect(lines.count >= 3)  // the refused attempt, its retry, the refusal
        #expect(lines.contains { $0.contains("127.0.0.1:\(dead.port)") && $0.contains("req-failure") })
        #expect(!lines.contains { $0.contains(upstreamKey) })
    }

    @Test(arguments: UpstreamTransport.allCases) func cancellingTheCallerWhileWaitingForTheUpstreamEndsTheRequest(_ transport: UpstreamTransport) async throws {
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let handler: FakeUpstream.Handler = { _ in
            for await _ in release {}
            return .upstreamJSON(UpstreamDocuments.completion())
        }
        try await FakeUpstream.run(handler) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                let caller = Task { await upstreamSendFailure(backend, via: transport) }
                for _ in 0..<3000 where fake.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
                caller.cancel()
                return await caller.value
            }
            releaseContinuation.finish()
            #expect(fake.requests.count == 1)
            #expect(error?.code == "request_cancelled")
            #expect(error?.status == 499)
        }
    }
}
