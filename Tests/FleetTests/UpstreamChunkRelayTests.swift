import Fleet
import Hummingbird
import NIOCore
import OpenAIWire
import Testing

/// What a relay writes for each kind of upstream chunk: the upstream's own text with only the
/// model renamed (and a forced-on `"usage": null` dropped) where that is all that changes, the
/// parsed chunk where the text cannot go on as it is, and whether the chunk carries output.
@Suite(.timeLimit(.minutes(2))) struct UpstreamChunkRelayTests {
    /// One relayed event as a relay sees it.
    struct Relayed: Equatable {
        var text: String?
        var carriesOutput: Bool
        var chunk: JSONValue?
        var usage: UpstreamUsage?
    }

    /// Streams `data` as one event (then `[DONE]`) and returns what `nextBatch` gave.
    static func relay(_ data: String, includeUsage: Bool? = nil) async throws -> [Relayed] {
        let handler: FakeUpstream.Handler = { _ in
            .upstreamEvents { writer in
                try await writer.writeSSE("data: \(data)\n\n")
                try await writer.writeSSE(ServerSentEvents.done)
            }
        }
        return try await FakeUpstream.run(handler) { fake in
            try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in
                let reply = try await backend.send(
                    path: "chat/completions", body: upstreamChatRequest(stream: true, includeUsage: includeUsage), stream: true,
                    requestID: "req-relay")
                guard case .stream(let events) = reply else { throw FakeUpstreamError("not a stream") }
                var relayed: [Relayed] = []
                var iterator = events.makeAsyncIterator()
                while let batch = try await iterator.nextBatch() {
                    for event in batch {
                        var buffer = ByteBuffer()
                        let wrote = event.writeText(to: &buffer)
                        var item = Relayed(text: wrote ? String(buffer: buffer) : nil, carriesOutput: event.carriesOutput)
                        switch event.event {
                        case .chunk(let chunk): item.chunk = chunk
                        case .usage(let usage): item.usage = usage
                        }
                        relayed.append(item)
                    }
                }
                return relayed
            }
        }
    }

    static let up = UpstreamDocuments.model

    @Test func renamesTheModelAndDropsTheForcedUsageInTheUpstreamsText() async throws {
        let sent = #"{"id":"c1","object":"chat.completion.chunk","model":"\#(Self.up)","choices":[{"index":0,"delta":{"content":"hi \"x\""},"finish_reason":null}],"usage":null}"#
        let forwarded = #"{"id":"c1","object":"chat.completion.chunk","model":"\#(upstreamPublicName)","choices":[{"index":0,"delta":{"content":"hi \"x\""},"finish_reason":null}]}"#
        let relayed = try await Self.relay(sent)
        #expect(relayed == [Relayed(text: "data: \(forwarded)\n\n", carriesOutput: true, chunk: try JSONValue.parse(forwarded))])
    }

    @Test func keepsTheUsageNullWhenTheClientAskedForUsage() async throws {
        let sent = #"{ "model" : "\#(Self.up)" , "choices":[{"delta":{"content":"a"}}], "usage" : null }"#
        let forwarded = #"{ "model" : "\#(upstreamPublicName)" , "choices":[{"delta":{"content":"a"}}], "usage" : null }"#
        let relayed = try await Self.relay(sent, includeUsage: true)
        #expect(relayed == [Relayed(text: "data: \(forwarded)\n\n", carriesOutput: true, chunk: try JSONValue.parse(forwarded))])
    }

    @Test(arguments: [
        // usage first, in the middle, alone; the model absent or already public
        (#"{"usage":null,"model":"m","choices":[]}"#, #"{"model":"public-model","choices":[]}"#, false),
        (#"{"id":"a","usage":null,"choices":[{"delta":{"role":"assistant","content":""}}]}"#, #"{"id":"a","choices":[{"delta":{"role":"assistant","content":""}}]}"#, false),
        (#"{"usage":null}"#, "{}", false),
        (#"{"model":"public-model","choices":[{"text":"x","index":0}]}"#, #"{"model":"public-model","choices":[{"text":"x","index":0}]}"#, true),
        // tool calls: a call is output, an empty list is not; the last of a repeated key counts
        (#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}]}"#, #"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{"}}]}}]}"#, true),
        (#"{"choices":[{"delta":{"tool_calls":[ ]}}]}"#, #"{"choices":[{"delta":{"tool_calls":[ ]}}]}"#, false),
        (#"{"choices":[{"delta":{"content":"a","content":""}},{"delta":{}}]}"#, #"{"choices":[{"delta":{"content":"a","content":""}},{"delta":{}}]}"#, false),
        (#"{"choices":[{"delta":{"content":null}},{"delta":{"content":"b"}}]}"#, #"{"choices":[{"delta":{"content":null}},{"delta":{"content":"b"}}]}"#, true),
        // an escaped key inside a choice is still `content` to the parser
        (#"{"choices":[{"delta":{"c\u006fntent":"z"}}]}"#, #"{"choices":[{"delta":{"c\u006fntent":"z"}}]}"#, true),
    ])
    func forwardsTheText(sent: String, forwarded: String, carriesOutput: Bool) async throws {
        let relayed = try await Self.relay(sent)
        #expect(relayed == [Relayed(text: "data: \(forwarded)\n\n", carriesOutput: carriesOutput, chunk: try JSONValue.parse(forwarded))])
    }

    @Test(arguments: [
        // a repeated top-level key: the parsed value (last wins) is encoded again
        (#"{"model":"m","a":1,"a":2,"choices":[]}"#, #"{"model":"public-model","a":2,"choices":[]}"#, false),
        // an escaped key is still `model` to the parser
        (#"{"mod\u0065l":"m","choices":[{"delta":{"content":"z"}}]}"#, #"{"model":"public-model","choices":[{"delta":{"content":"z"}}]}"#, true),
    ])
    func encodesWhatCannotGoOnAsText(sent: String, parsed: String, carriesOutput: Bool) async throws {
        let relayed = try await Self.relay(sent)
        #expect(relayed == [Relayed(text: nil, carriesOutput: carriesOutput, chunk: try JSONValue.parse(parsed))])
    }

    @Test func reportsUsageCountsAndHidesTheirChunk() async throws {
        let relayed = try await Self.relay(#"{"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}"#)
        #expect(relayed == [Relayed(text: nil, carriesOutput: false, chunk: nil, usage: UpstreamUsage(promptTokens: 3, completionTokens: 4))])
    }

    @Test(arguments: [#"{"model":"m","choices":[],}"#, #"{"model":"m","choices":[{"delta":{"content":"a\u12"}}]}"#, #"{"model":tru}"#])
    func refusesTextThatIsNotJSON(sent: String) async throws {
        await #expect(throws: FleetError.self) { _ = try await Self.relay(sent) }
    }
}
