import Foundation
import Glibc
import Synchronization

/// A loopback server that accepts connections and closes them at once, before any response:
/// what a crashing upstream looks like. It counts the connections.
final class SlammingUpstream: Sendable {
    private final class State: Sendable {
        let value = Mutex((accepted: 0, stopped: false))
    }

    let port: Int
    private let state = State()

    init() throws {
        let (listener, port) = try loopbackSocket(listening: true)
        self.port = port
        let state = state
        // A thread of its own: accept() blocks, which the cooperative pool must never do.
        Thread {
            var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            while !state.value.withLock({ $0.stopped }) {
                guard poll(&descriptor, 1, 20) > 0 else { continue }
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { continue }
                state.value.withLock { $0.accepted += 1 }
                close(connection)
            }
            close(listener)
        }.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    var accepted: Int { state.value.withLock { $0.accepted } }

    func stop() {
        state.value.withLock { $0.stopped = true }
    }
}

/// A loopback port bound but not listening: connecting to it is refused, and no other test
/// can take it while this is open.
final class DeadUpstreamPort: Sendable {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let (descriptor, port) = try loopbackSocket(listening: false)
        self.descriptor = descriptor
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    deinit { close(descriptor) }
}

/// A TCP socket bound to a free loopback port (and listening, when asked): its descriptor and port.
private func loopbackSocket(listening: Bool) throws -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw FakeUpstreamError("socket() failed") }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ready = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(descriptor, socketAddress, length) == 0 && (!listening || listen(descriptor, 16) == 0)
                && getsockname(descriptor, socketAddress, &length) == 0
        }
    }
    guard ready else {
        close(descriptor)
        throw FakeUpstreamError(listening ? "bind() or listen() failed" : "bind() failed")
    }
    return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
}
