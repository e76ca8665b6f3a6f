import Fleet
import Foundation
import HTTPTypes
import HummingbirdTesting
import Server
import Testing

/// Requests that wait, and clients that leave: a stream waiting for a generation slot gets its
/// headers and `: queued` comments at once, and a client that leaves a non-streamed request
/// cancels its generation, as a streamed one does.
@Suite struct ClientPaceTests {
    static let streamBody = #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"#
    static let plainBody = #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}]}"#

    static func request(_ body: String) -> String {
        "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// Waits for bytes without holding a thread (a blocking read would take one of the few
    /// threads the servers of the suites running beside this one need).
    static func receive(_ connection: RawHTTPConnection) async throws -> String {
        for _ in 0..<3000 {
            if let text = try connection.receiveIfReady() { return text }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw POSIXError(.ETIMEDOUT)
    }

    static func slowBackend() -> FakeBackend {
        var behaviour = FakeBackend.Behaviour()
        behaviour.tokenDelay = .milliseconds(50)
        behaviour.reply = String(repeating: "long reply ", count: 200)
        return FakeBackend(contextLength: 4096, behaviour: behaviour)
    }

    @Test func aQueuedStreamGetsItsHeadersAndQueuedComments() async throws {
        let backend = Self.slowBackend()
        let configuration = ServerConfiguration(port: 0, maxActive: 1, maxQueue: 4)
        try await withServer(backend, configuration: configuration, setup: .live) { client in
            let port = try #require(client.port)
            let holder = try RawHTTPConnection(port: port)
            try holder.send(Self.request(Self.streamBody))
            try await waitUntil { backend.running == 1 }
            // The slot is taken: this stream waits, behind its headers and keep-alive comments.
            let waiting = try RawHTTPConnection(port: port)
            try waiting.send(Self.request(Self.streamBody))
            var received = try await Self.receive(waiting)
            #expect(received.contains("200 OK"))
            #expect(received.lowercased().contains("text/event-stream"))
            while !received.contains(": queued") { received += try await Self.receive(waiting) }
            #expect(backend.started == 1)
            // The holder leaves: the waiting stream gets the slot and its events.
            holder.close()
            while !received.contains("\"content\"") { received += try await Self.receive(waiting) }
            waiting.close()
        }
    }

    @Test func aClientLeavingANonStreamedRequestCancelsItsGeneration() async throws {
        let backend = Self.slowBackend()
        let configuration = ServerConfiguration(port: 0, maxActive: 1, maxQueue: 0)
        try await withServer(backend, configuration: configuration, setup: .live) { client in
            let port = try #require(client.port)
            let socket = try RawHTTPConnection(port: port)
            try socket.send(Self.request(Self.plainBody))
            try await waitUntil { backend.running == 1 }
            socket.close()
            try await waitUntil { backend.cancelled == 1 && backend.running == 0 }
            // The slot is free again: with one slot and no queue, a new request is served.
            let next = try await client.post(
                "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"max_tokens":2}"#)
            #expect(next.status == .ok)
        }
    }
}
