import Hummingbird
import NIOCore
import OpenAIWire

/// Writes server-sent events to a response body, remembering whether a write failed
/// (the client went away) so that failure is not mistaken for a generation error.
struct SSEWriter {
    var writer: any ResponseBodyWriter
    private(set) var failed = false

    init(writer: any ResponseBodyWriter) {
        self.writer = writer
    }

    mutating func send(_ value: JSONValue) async throws {
        try await write(ServerSentEvents.event(value))
    }

    mutating func sendDone() async throws {
        try await write(ServerSentEvents.done)
    }

    mutating func write(_ text: String) async throws {
        try await write(ByteBuffer(string: text))
    }

    /// Writes event text that is bytes already (a relay's upstream chunks).
    mutating func write(_ buffer: ByteBuffer) async throws {
        do {
            try await writer.write(buffer)
        } catch {
            failed = true
            throw error
        }
    }

    consuming func finish() async throws {
        try await writer.finish(nil)
    }
}
