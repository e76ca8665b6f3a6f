import Foundation
import Glibc
import Synchronization

/// A loopback HTTP/1.1 server that answers each request with raw bytes chosen by a script, so
/// tests can reproduce what real servers do wrong: close a keep-alive connection right after a
/// response, stall a stream, drop it half-way, send HTML. One thread per connection (accept and
/// recv block, which the cooperative pool must never do).
final class ScriptedServer: Sendable {
    /// What to do with one request.
    enum Reply: Sendable {
        /// Write these bytes; close the connection afterwards when `close` is set (without
        /// announcing it, as llama-server does after a stream).
        case bytes(String, close: Bool = false)
        /// Write these bytes, then send nothing more until the server stops.
        case stall(String)
        /// Close the connection without answering.
        case slam
    }

    private final class State: Sendable {
        let value = Mutex((requests: [String](), connections: 0, stopped: false))
    }

    let port: Int
    private let state = State()

    /// - Parameter script: the reply to request number `n` (0-based, over all connections)
    ///   given its body.
    init(_ script: @escaping @Sendable (_ number: Int, _ body: String) -> Reply) throws {
        let (listener, port) = try Self.listeningSocket()
        self.port = port
        let state = state
        Thread {
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            while !state.value.withLock({ $0.stopped }) {
                guard poll(&descriptor, 1, 20) > 0 else { continue }
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { continue }
                state.value.withLock { $0.connections += 1 }
                Thread { Self.serve(connection, state: state, script: script) }.start()
            }
            close(listener)
        }.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    /// Request bodies in arrival order.
    var requests: [String] { state.value.withLock { $0.requests } }
    var connections: Int { state.value.withLock { $0.connections } }

    func stop() {
        state.value.withLock { $0.stopped = true }
    }

    private static func serve(_ connection: Int32, state: State, script: @Sendable (Int, String) -> Reply) {
        defer { close(connection) }
        var pending: [UInt8] = []
        while let body = readRequest(connection, pending: &pending, state: state) {
            let number = state.value.withLock { state in
                state.requests.append(body)
                return state.requests.count - 1
            }
            switch script(number, body) {
            case .bytes(let text, let closeAfter):
                write(connection, text)
                if closeAfter { return }
            case .stall(let text):
                write(connection, text)
                while !state.value.withLock({ $0.stopped }) { usleep(20_000) }
                return
            case .slam:
                return
            }
        }
    }

    /// Reads one request (head and Content-Length body); nil when the peer closed or the server stopped.
    private static func readRequest(_ connection: Int32, pending: inout [UInt8], state: State) -> String? {
        let separator = Array("\r\n\r\n".utf8)
        while true {
            if let end = pending.firstRange(of: separator) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self).lowercased()
                let length = head.split(separator: "\r\n").compactMap { line -> Int? in
                    guard line.hasPrefix("content-length:") else { return nil }
                    return Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                }.first ?? 0
                if pending.count >= end.upperBound + length {
                    let body = String(decoding: pending[end.upperBound..<end.upperBound + length], as: UTF8.self)
                    pending.removeFirst(end.upperBound + length)
                    return body
                }
            }
            var descriptor = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard !state.value.withLock({ $0.stopped }) else { return nil }
            guard poll(&descriptor, 1, 20) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 16384)
            let count = recv(connection, &chunk, chunk.count, 0)
            guard count > 0 else { return nil }
            pending += chunk[..<count]
        }
    }

    private static func write(_ connection: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            sent += count
        }
    }

    private static func listeningSocket() throws -> (Int32, Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ScriptedServerError() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 16) == 0
                    && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard ready else {
            close(descriptor)
            throw ScriptedServerError()
        }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }
}

struct ScriptedServerError: Error {}

/// Raw HTTP responses for scripts.
enum RawResponse {
    static func json(_ body: String, status: String = "200 OK") -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    static func html(_ body: String, status: String) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: text/html\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// A chunked event stream carrying `events` as `data:` lines; `complete` adds the final
    /// zero-length chunk.
    static func stream(_ events: [String], complete: Bool = true) -> String {
        var text = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
        for event in events {
            let payload = "data: \(event)\n\n"
            text += String(payload.utf8.count, radix: 16) + "\r\n" + payload + "\r\n"
        }
        if complete { text += "0\r\n\r\n" }
        return text
    }

    static let completion = json(
        #"{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}"#)

    static let helloChunks = [
        #"{"id":"s","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}"#,
        #"{"id":"s","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}"#,
        #"{"id":"s","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#,
        "[DONE]",
    ]
}
