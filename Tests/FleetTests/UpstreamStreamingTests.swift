import Fleet
import Hummingbird
import OpenAIWire
import Testing

/// Streamed forwarding: event by event, usage, framing, and every way a stream can end badly.
@Suite(.timeLimit(.minutes(2))) struct UpstreamStreamingTests {
    @Test func eventsArriveOneByOneWithoutBuffering() async throws {
        // The fake sends event i+1 only once the test has received event i: a backend that
        // buffered the stream would never deliver anything (and the time limit would fail it).
        let (received, receivedContinuation) = AsyncStream<Int>.makeStream()
        let handler: FakeUpstream.Handler = { _ in
            .upstreamEvents { writer in
                var acknowledgements = received.makeAsyncIterator()
                for index in 0..<3 {
                    try await writer.writeSSE(event: UpstreamDocuments.chunk(index))
                    guard await acknowledgements.next() == index else { throw FakeUpstreamError("acknowledgement out of order") }
                }
                try await writer.writeSSE(event: UpstreamDocuments.usageChunk())
                try await writer.writeSSE(ServerSentEvents.done)
            }
        }
        try await FakeUpstream.run(handler) { fake in
            let outcome = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                let reply = try await backend.send(path: "chat/completions", body: upstreamChatRequest(stream: true), stream: true, requestID: "req-s")
                guard case .stream(let events) = reply else { throw FakeUpstreamError("not a stream") }
                var outcome = UpstreamStreamOutcome()
                for try await event in events {
                    switch event {
                    case .chunk(let chunk):
                        outcome.chunks.append(chunk)
                        receivedContinuation.yield(outcome.chunks.count - 1)
                    case .usage(let usage): outcome.usage.append(usage)
                    }
                }
                return outcome
            }
            #expect(deltaContents(outcome.chunks) == ["t0", "t1", "t2"])
            #expect(outcome.chunks.allSatisfy { $0["model"] == .string(upstreamPublicName) })
            #expect(outcome.usage == [UpstreamUsage(promptTokens: 5, completionTokens: 3)])
            let request = try #require(fake.requests.first)
            #expect(request.body["stream"] == true)
            #expect(request.body["stream_options"]?["include_usage"] == true)
            #expect(request.body["model"] == .string(UpstreamDocuments.model))
            #expect(request.headers["accept"] == "text/event-stream")
            #expect(request.headers["x-request-id"] == "req-s")
        }
    }

    @Test(arguments: [false, true]) func theUsageChunkIsShownOnlyWhenTheClientAskedForIt(clientAsked: Bool) async throws {
        let handler: FakeUpstream.Handler = { _ in
            .upstreamEvents { writer in
                for index in 0..<2 { try await writer.writeSSE(event: UpstreamDocuments.chunk(index, usageNull: true)) }
                try await writer.writeSSE(event: UpstreamDocuments.usageChunk(prompt: 9, completion: 2))
                try await writer.writeSSE(ServerSentEvents.done)
            }
        }
        try await FakeUpstream.run(handler) { fake in
            let body = upstreamChatRequest(stream: true, includeUsage: clientAsked ? true : nil)
            let outcome = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                await drainUpstreamReply(try await backend.send(path: "chat/completions", body: body, stream: true, requestID: "r"))
            }
            #expect(outcome.error == nil)
            #expect(outcome.usage == [UpstreamUsage(promptTokens: 9, completionTokens: 2)])
            #expect(deltaContents(outcome.chunks) == ["t0", "t1"])
            if clientAsked {
                #expect(outcome.chunks.count == 3)
                #expect(outcome.chunks.last?["usage"]?["prompt_tokens"] == 9)
                #expect(outcome.chunks.last?["choices"] == [])
                #expect(outcome.chunks.last?["model"] == .string(upstreamPublicName))
            } else {
                #expect(outcome.chunks.count == 2)
                #expect(outcome.chunks.allSatisfy { $0["usage"] == nil })
            }
            #expect(fake.requests.first?.body["stream_options"]?["include_usage"] == true)
        }
    }

    @Test func framingVariantsAreRead() async throws {
        // CRLF line ends, a comment, a multi-line data field, an event split across writes, an
        // `event:` name and a final event ended by CR only.
        let handler: FakeUpstream.Handler = { _ in
            .upstreamEvents { writer in
                try await writer.writeSSE(": keep-alive\r\n\r\n")
                try await writer.writeSSE("data: \(UpstreamDocuments.chunk(0).jsonString)\r\n\r\n")
                try await writer.writeSSE("data: {\"id\":\"chatcmpl-1\",\"model\":\"\(UpstreamDocuments.model)\",\n")
                try await writer.writeSSE("data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"t1\"}}]}\n\n")
                let split = "event: message\ndata: \(UpstreamDocuments.chunk(2).jsonString)\n\n"
                let middle = split.index(split.startIndex, offsetBy: split.count / 2)
                try await writer.writeSSE(String(split[..<middle]))
                try await Task.sleep(for: .milliseconds(20))
                try await writer.writeSSE(String(split[middle...]) + "\r")
                try await writer.writeSSE("\ndata: [DONE]\r\r")
            }
        }
        try await FakeUpstream.run(handler) { fake in
            let outcome = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                await drainUpstreamReply(try await backend.send(path: "chat/completions", body: upstreamChatRequest(stream: true), stream: true, requestID: "r"))
            }
            #expect(outcome.error == nil)
            #expect(outcome.otherError == nil)
            #expect(deltaContents(outcome.chunks) == ["t0", "t1", "t2"])
            #expect(outcome.chunks.allSatisfy { $0["model"] == .string(upstreamPublicName) })
        }
    }

    @Test func anUpstreamThatDiesMidStreamEndsTheStreamWithAnError() async throws {
        // The fake dies only once the client has both chunks: closing the connection at once
        // could drop writes still queued in the fake's channel (seen under CI load), and the
        // test would then be about the fake, not about the backend.
        let (received, receivedContinuation) = AsyncStream<Int>.makeStream()
        let handler: FakeUpstream.Handler = { _ in
            .upstreamEvents { writer in
                for index in 0..<2 { try await writer.writeSSE(event: UpstreamDocuments.chunk(index)) }
                for await index in received where index == 1 { break }
                throw FakeUpstreamError("crash")  // Hummingbird closes the connection mid-body
            }
        }
        try await FakeUpstream.run(handler) { fake in
            let outcome = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                await drainUpstreamReply(
                    try await backend.send(path: "chat/completions", body: upstreamChatRequest(stream: true), stream: true, requestID: "r"),
                    onChunk: { receivedContinuation.yield($0) })
            }
            #expect(deltaContents(outcome.chunks) == ["t0", "t1"])
            let error = try #require(outcome.upstreamError)
            #expect(error.status == 502)
            #expect(error.type == "server_error")
            #expect(error.code == "upstream_disconnected")
            #expect(error.message.contains("broke off"), "\(error.message)")
            #expect(!error.message.contains(upstreamKey))
        }
    }

    @Test func aStreamThatEndsWithoutDoneIsAnError() async throws {
        let handler: FakeUpstream.Handler = { _ in
            .upstreamEvents { writer in
                for index in 0..<2 { try await writer.writeSSE(event: UpstreamDocuments.chunk(index)) }
            }
        }
        try await FakeUpstream.run(handler) { fake in
            let outcome = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                await drainUpstreamReply(try await backend.send(path: "chat/completions", body: upstreamChatRequest(stream: true), stream: true, requestID: "r"))
            }
            #expect(deltaContents(outcome.chunks) == ["t0", "t1"])
            #expect(outcome.upstreamError?.code == "upstream_disconnected")
            #expect(outcome.upstreamError?.message.contains("[DONE]") == true)
        }
    }

    @Test func anErrorEventMidStreamIsThrownMapped() async throws {
        let handler: FakeUpstream.Handler = { _ in
            .upstreamEvents { writer in
                try await writer.writeSSE(event: UpstreamDocuments.chunk(0))
                try await writer.writeSSE(
                    event: UpstreamDocuments.error(message: "\(UpstreamDocuments.model) ran out of memory", type: "server_error", param: nil, code: "out_of_memory"))
                try await writer.writeSSE(ServerSentEvents.done)
            }
        }
        try await FakeUpstream.run(handler) { fake in
            let outcome = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                await drainUpstreamReply(try await backend.send(path: "chat/completions", body: upstreamChatRequest(stream: true), stream: true, requestID: "r"))
            }
            #expect(deltaContents(outcome.chunks) == ["t0"])
            #expect(
                outcome.upstreamError
                    == OpenAIError(status: 502, message: "\(upstreamPublicName) ran out of memory", type: "server_error", code: "out_of_memory"))
        }
    }

    @Test func aStreamSilentLongerThanTheTimeoutIsAnError() async throws {
        // 20 s: the same limit applies to the response head, which took over 10 s to arrive with
        // every suite running at once on 2 cores. The fake stays silent until the test ends, so any limit works.
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        let handler: FakeUpstream.Handler = { _ in
            .upstreamEvents { writer in
                try await writer.writeSSE(event: UpstreamDocuments.chunk(0))
                for await _ in release {}  // silent until the test is done
            }
        }
        try await FakeUpstream.run(handler) { fake in
            let outcome = try await withUpstreamBackend([upstreamTarget(fake.baseURL, timeout: .seconds(20))]) { backend in
                await drainUpstreamReply(try await backend.send(path: "chat/completions", body: upstreamChatRequest(stream: true), stream: true, requestID: "r"))
            }
            releaseContinuation.finish()
            #expect(deltaContents(outcome.chunks) == ["t0"])
            let error = try #require(outcome.upstreamError)
            #expect(error.code == "upstream_disconnected")
            #expect(error.message.contains("sent nothing for 20 s"))
        }
    }

    @Test func cancellingTheConsumerClosesTheUpstreamRequest() async throws {
        let (ended, endedContinuation) = AsyncStream<String>.makeStream()
        let handler: FakeUpstream.Handler = { _ in
            .upstreamEvents { writer in
                do {
                    try await writer.writeSSE(event: UpstreamDocuments.chunk(0))
                    // Keep-alives until a write fails because the client went away.
                    for _ in 0..<1200 {
                        try await Task.sleep(for: .milliseconds(50))
                        try await writer.writeSSE(": keep-alive\n\n")
                    }
                    endedContinuation.yield("still open after a minute")
                } catch {
                    endedContinuation.yield("closed")
                    throw error
                }
            }
        }
        try await FakeUpstream.run(handler) { fake in
            let signal = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                let reply = try await backend.send(path: "chat/completions", body: upstreamChatRequest(stream: true), stream: true, requestID: "r")
                guard case .stream(let events) = reply else { throw FakeUpstreamError("not a stream") }
                let (firstChunk, firstChunkContinuation) = AsyncStream<Void>.makeStream()
                let consumer = Task {
                    for try await event in events {
                        if case .chunk = event { firstChunkContinuation.yield() }
                    }
                }
                var iterator = firstChunk.makeAsyncIterator()
                _ = await iterator.next()
                consumer.cancel()
                var endedIterator = ended.makeAsyncIterator()
                return await endedIterator.next()
            }
            #expect(signal == "closed")
        }
    }

    @Test func aStreamedRequestRefusedWithAStatusThrowsFromSend() async throws {
        let refusal = UpstreamDocuments.error(message: "bad \(UpstreamDocuments.model)", type: "invalid_request_error", param: "messages", code: nil)
        try await FakeUpstream.run({ _ in .upstreamJSON(refusal, status: .badRequest) }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                await upstreamSendFailure(backend, body: upstreamChatRequest(stream: true), stream: true)
            }
            #expect(error == OpenAIError(status: 400, message: "bad \(upstreamPublicName)", type: "invalid_request_error", param: "messages"))
        }
    }

    @Test func aStreamedRequestAnsweredWithPlainJSONIsAnError() async throws {
        try await FakeUpstream.run({ _ in .upstreamJSON(UpstreamDocuments.completion()) }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                await upstreamSendFailure(backend, body: upstreamChatRequest(stream: true), stream: true)
            }
            let failure = try #require(error)
            #expect(failure.status == 502)
            #expect(failure.code == "upstream_bad_response")
            #expect(failure.message.contains("application/json"))
        }
    }
}
