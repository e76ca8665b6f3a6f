import Fleet
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIWire
import Testing

/// A non-streamed reply is read whole where it arrives (`UpstreamBodyCollector`): what happens
/// when its body falls silent, breaks off or is too large.
@Suite(.timeLimit(.minutes(2))) struct UpstreamWholeReplyTests {
    /// A 2xx head, then part of the body, then what `rest` does.
    private static func partialReply(_ rest: @escaping @Sendable () async throws -> Void) -> FakeUpstream.Handler {
        { _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: #"{"id":"chatcmpl-1","object":"chat.completion","#))
                    try await rest()
                    try await writer.finish(nil)
                })
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func aBodyThatFallsSilentAfterItsHeadIsAnErrorWithoutARetry(_ transport: UpstreamTransport) async throws {
        let (release, releaseContinuation) = AsyncStream<Void>.makeStream()
        try await FakeUpstream.run(Self.partialReply { for await _ in release {} }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL, timeout: .seconds(1))]) { backend in
                await upstreamSendFailure(backend, via: transport)
            }
            releaseContinuation.finish()
            let failure = try #require(error)
            #expect(failure.status == 502)
            #expect(failure.code == "upstream_disconnected")
            #expect(failure.message.contains("sent nothing for 1 s"))
            #expect(fake.requests.count == 1)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func aBodyThatBreaksOffIsAnError(_ transport: UpstreamTransport) async throws {
        struct Broken: Error {}
        try await FakeUpstream.run(Self.partialReply { throw Broken() }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in await upstreamSendFailure(backend, via: transport) }
            let failure = try #require(error)
            #expect(failure.status == 502)
            #expect(failure.code == "upstream_disconnected")
            #expect(failure.message.contains("broke off the reply"))
            #expect(fake.requests.count == 1)
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func aReplyLargerThanTheLimitIsRefusedWithoutReadingItAll(_ transport: UpstreamTransport) async throws {
        // 40 MiB of JSON string: past the 32 MiB a non-streamed reply may have.
        let filler = String(repeating: "x", count: 1 << 20)
        try await FakeUpstream.run({ _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: #"{"id":"chatcmpl-1","pad":""#))
                    for _ in 0..<40 { try await writer.write(ByteBuffer(string: filler)) }
                    try await writer.write(ByteBuffer(string: #""}"#))
                    try await writer.finish(nil)
                })
        }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in await upstreamSendFailure(backend, via: transport) }
            let failure = try #require(error)
            #expect(failure.status == 502)
            #expect(failure.code == "upstream_bad_response")
            #expect(failure.message.contains("larger than"))
        }
    }

    @Test(arguments: UpstreamTransport.allCases) func anErrorStatusWithAHugeBodyKeepsItsStatusAndTheStartOfItsText(_ transport: UpstreamTransport) async throws {
        let text = "Upstream overloaded: " + String(repeating: "y", count: 1 << 20)
        try await FakeUpstream.run({ _ in .upstreamText(text, status: .badRequest, contentType: "text/plain") }) { fake in
            let error = try await withUpstreamBackend([upstreamTarget(fake.baseURL)]) { backend in await upstreamSendFailure(backend, via: transport) }
            let failure = try #require(error)
            #expect(failure.status == 400)
            #expect(failure.message.contains("Upstream overloaded"))
            #expect(failure.message.utf8.count < 70_000)
            #expect(fake.requests.count == 1)
        }
    }
}
