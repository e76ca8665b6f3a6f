import HTTPTypes
import Fleet
import Foundation
import HummingbirdTesting
import OpenAIWire
import Server
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ConcurrencyTests {
    @Test func fullQueueAnswers429WithRetryAfter() async throws {
        var behaviour = FakeBackend.Behaviour()
        behaviour.tokenDelay = .milliseconds(20)
        let backend = FakeBackend(behaviour: behaviour)
        let configuration = ServerConfiguration(port: 0, maxActive: 1, maxQueue: 1)
        try await withServer(backend, configuration: configuration) { client in
            async let first = client.post("/v1/chat/completions", chatBody)
            try await waitUntil { backend.started == 1 }
            async let second = client.post("/v1/chat/completions", chatBody)
            // The second waits in the queue (its one place); a third is refused.
            try await Task.sleep(for: .milliseconds(100))
            let third = try await client.post("/v1/chat/completions", chatBody)
            let error = try third.expectError(status: .tooManyRequests, code: "rate_limit_exceeded")
            #expect(error["type"] == "rate_limit_error")
            #expect(third.header("retry-after") != nil)
            #expect(try await first.status == .ok)
            #expect(try await second.status == .ok)
        }
    }

    @Test func droppedStreamCancelsItsGeneration() async throws {
        var behaviour = FakeBackend.Behaviour()
        behaviour.tokenDelay = .milliseconds(50)
        behaviour.reply = String(repeating: "long reply ", count: 40)
        let backend = FakeBackend(contextLength: 1024, behaviour: behaviour)
        let configuration = ServerConfiguration(port: 0, maxActive: 1, maxQueue: 0)
        try await withServer(backend, configuration: configuration, setup: .live) { client in
            let port = try #require(client.port)
            let body = #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"stream":true}"#
            let socket = try RawHTTPConnection(port: port)
            try socket.send(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let head = try socket.receive()
            #expect(head.contains("200 OK"))
            try await waitUntil { backend.running == 1 }
            socket.close()
            try await waitUntil { backend.cancelled == 1 && backend.running == 0 }
            // The slot is free again: with one slot and no queue, a new request is served.
            let next = try await client.post(
                "/v1/chat/completions", #"{"model":"fake-model","messages":[{"role":"user","content":"Hi"}],"max_tokens":2}"#)
            #expect(next.status == .ok)
        }
    }

    @Test func admissionIsRoundRobinAcrossClients() async throws {
        let queue = AdmissionQueue(maxActive: 1, maxWaiting: 10)
        let holder = try await queue.acquire(client: "a")
        let order = OrderRecorder()
        var tasks: [Task<Void, any Error>] = []
        for (client, label) in [("a", "a1"), ("a", "a2"), ("a", "a3"), ("b", "b1")] {
            tasks.append(
                Task {
                    let ticket = try await queue.acquire(client: client)
                    order.append(label)
                    ticket.release()
                })
            let expected = tasks.count
            try await waitUntil { queue.waiting == expected }
        }
        holder.release()
        for task in tasks { try await task.value }
        #expect(order.labels == ["a1", "b1", "a2", "a3"])
        #expect(queue.active == 0 && queue.waiting == 0)
    }

    @Test func cancelledWaiterLeavesTheQueue() async throws {
        let queue = AdmissionQueue(maxActive: 1, maxWaiting: 1)
        let holder = try await queue.acquire(client: "a")
        let waiter = Task { try await queue.acquire(client: "b") }
        try await waitUntil { queue.waiting == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(queue.waiting == 0)
        holder.release()
        #expect(queue.active == 0)
    }

    @Test func droppedTicketReleasesItsSlot() async throws {
        let queue = AdmissionQueue(maxActive: 1, maxWaiting: 0)
        do {
            _ = try await queue.acquire(client: "a")
        }
        #expect(queue.active == 0)
        await #expect(throws: FleetError.queueFull(retryAfterSeconds: 1)) {
            let held = try await queue.acquire(client: "a")
            defer { held.release() }
            _ = try await queue.acquire(client: "b")
        }
    }
}

final class OrderRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ label: String) { lock.withLock { storage.append(label) } }
    var labels: [String] { lock.withLock { storage } }
}

/// Polls `condition` every 10 ms for up to 5 s.
func waitUntil(_ condition: @Sendable () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<500 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("condition not met within 5 s", sourceLocation: sourceLocation)
}

/// A bare TCP connection, so a test can drop a stream mid-way as a vanished client would.
final class RawHTTPConnection {
    private var descriptor: Int32

    init(port: Int) throws {
        descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { throw POSIXError(.EIO) }
    }

    func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { Glibc.recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw POSIXError(.EIO) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// What has arrived, without waiting: `nil` when nothing has yet.
    func receiveIfReady() throws -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { Glibc.recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { return nil }
        guard count > 0 else { throw POSIXError(.EIO) }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    func close() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }

    deinit { close() }
}
