import Fleet
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import OpenAIWire
import Server
import Testing

/// The server with each connection's task on its event loop (`onEventLoops: true`) serves as
/// the default one does, over real connections: replies, streams, and back-to-back requests on
/// one keep-alive connection.
@Suite struct EventLoopTasksTests {
    @Test func liveServerAnswersWithRequestTasksOnTheEventLoops() async throws {
        var logger = Logger(label: "event-loop-tasks-tests")
        logger.logLevel = .critical
        let app = SwitchyardApplication.build(
            configuration: ServerConfiguration(port: 0), catalogue: ModelCatalogue([FakeBackend()]), logger: logger, onEventLoops: true)
        try await app.test(.live) { client in
            for _ in 0..<3 {
                let reply = try await client.post(
                    "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"max_tokens":30}"#)
                #expect(reply.status == .ok)
                let content = try #require(reply.json["choices"]?[0]?["message"]?["content"]?.stringValue)
                #expect(content.hasSuffix("ello from the fake model."))
            }
            let stream = try await client.post(
                "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"stream":true,"max_tokens":4}"#)
            #expect(stream.status == .ok)
            #expect(stream.text.hasSuffix("data: [DONE]\n\n"))
            let content = try stream.events.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined()
            #expect(content.count == 4)
        }
    }
}
