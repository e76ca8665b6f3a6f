import Fleet
import Hummingbird
import OpenAIWire
import Testing

/// The pool through `UpstreamBackend.send` (and `sendDirect`, for non-streamed requests): ejection after failures, `max_concurrency`, and
/// the in-flight count that lasts until a reply has been read.
@Suite struct UpstreamPoolTests {
    @Test(arguments: UpstreamTransport.allCases) func aTargetThatKeepsFailingIsEjectedAndNoLongerTried(_ transport: UpstreamTransport) async throws {
        let dead = try DeadUpstreamPort()
        try await FakeUpstream.run({ _ in .upstreamJSON(UpstreamDocuments.completion()) }) { live in
            let settings = UpstreamPoolSettings(balance: .failover, ejectAfter: 1, coolDown: .seconds(600))
            try await withUpstreamBackend([upstreamTarget(dead.baseURL), upstreamTarget(live.baseURL)], pool: settings) { backend in
                for _ in 0..<3 {
                    _ = try await backend.send(via: transport)
                }
                let status = backend.pool.status()
                #expect(status[0].ejected && status[0].ejections == 1 && status[0].failures == 1)
                #expect(status[0].requests == 1, "only the first request tried the dead target")
                #expect(status[1].requests == 3 && status[1].failures == 0 && !status[1].ejected)
                #expect(status.allSatisfy { $0.inFlight == 0 })
            }
            #expect(live.requests.count == 3)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func aFullPoolAnswersBusyWithRetryAfterUntilASlotFrees(_ transport: UpstreamTransport) async throws {
        let (gate, open) = AsyncStream<Void>.makeStream()
        try await FakeUpstream.run({ _ in
            for await _ in gate {}
            return .upstreamJSON(UpstreamDocuments.completion())
        }) { fake in
            var target = upstreamTarget(fake.baseURL)
            target.maxConcurrency = 1
            try await withUpstreamBackend([target]) { backend in
                let first = Task {
                    try await backend.send(via: transport, requestID: "first")
                }
                while fake.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
                #expect(backend.pool.status()[0].inFlight == 1)
                let refusal = try #require(await upstreamSendFailure(backend, via: transport))
                #expect(refusal.status == 503)
                #expect(refusal.code == "upstream_busy")
                #expect(refusal.retryAfterMilliseconds == 1000)
                open.finish()
                _ = try await first.value
                #expect(backend.pool.status()[0].inFlight == 0)
                _ = try await backend.send(via: transport, requestID: "third")
            }
            #expect(fake.requests.count == 2, "the refused request never reached the upstream")
        }
    }

    @Test func aStreamHoldsItsSlotUntilItsLastEvent() async throws {
        try await FakeUpstream.run({ _ in
            .upstreamEvents { writer in
                try await writer.writeSSE(event: UpstreamDocuments.chunk(0))
                try await writer.writeSSE(ServerSentEvents.done)
            }
        }) { fake in
            try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                let reply = try await backend.send(path: "chat/completions", body: upstreamChatRequest(stream: true), stream: true, requestID: "s")
                guard case .stream(let events) = reply else {
                    Issue.record("expected a stream")
                    return
                }
                #expect(backend.pool.status()[0].requests == 1)
                for try await _ in events {}
                // The producer gives the slot back as it reads [DONE], just before the stream ends.
                var inFlight = backend.pool.status()[0].inFlight
                while inFlight != 0 {
                    try await Task.sleep(for: .milliseconds(10))
                    inFlight = backend.pool.status()[0].inFlight
                }
                #expect(backend.pool.status()[0].failures == 0)
            }
        }
    }
}
