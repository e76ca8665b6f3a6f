public import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import OpenAIWire

/// A streamed upstream reply, read at the pace of whoever iterates it: each `next()` reads the
/// upstream body only when the events already parsed are used up, so a slow client slows the
/// upstream read (TCP pushes back) and memory stays bounded by one read. There is no producer
/// task: when the consumer stops (the client went away) and drops the iterator, or its task is
/// cancelled, the upstream request is cancelled with it. Each read waits at most the target's
/// timeout for bytes (the stream's silence limit).
///
/// It finishes after the upstream's `[DONE]` (or a Responses API stream's final event), and
/// throws `FleetError.upstream` when the upstream fails, breaks off, or falls silent.
public struct UpstreamEventStream: AsyncSequence, Sendable {
    public typealias Element = UpstreamStreamEvent

    let body: HTTPClientResponse.Body
    let reader: UpstreamEventReader
    /// The pool's count of this stream as in flight at its target, until its last byte; a stream
    /// dropped unfinished lets go of it as neutral (the lease's deinit).
    let lease: UpstreamTargetLease?

    /// An iterator that already read ahead (`Iterator.readAhead`), handed to the consumer.
    private let started: StartedIterator?

    init(body: HTTPClientResponse.Body, reader: UpstreamEventReader, lease: UpstreamTargetLease? = nil) {
        self.body = body
        self.reader = reader
        self.lease = lease
        self.started = nil
    }

    private init(resuming iterator: Iterator, of stream: UpstreamEventStream) {
        self.body = stream.body
        self.reader = stream.reader
        self.lease = stream.lease
        self.started = StartedIterator(iterator)
    }

    /// This stream once its first event (or its end) has been read; throws what ended it before
    /// that, so that `send` can still try another target: an upstream that sent its head and
    /// comments (`: queued` while it waited for a slot) and then died has answered nothing yet.
    func readingFirstEvent() async throws -> UpstreamEventStream {
        var iterator = makeAsyncIterator()
        try await iterator.readAhead()
        return UpstreamEventStream(resuming: iterator, of: self)
    }

    public func makeAsyncIterator() -> Iterator {
        started?.take() ?? Iterator(body: body.makeAsyncIterator(), reader: reader, lease: lease)
    }

    /// Taken once, by the one consumer that iterates the stream (the relay); a second taker gets
    /// nil instead of a copy that would read the same body.
    private final class StartedIterator: @unchecked Sendable {
        private let lock = NSLock()
        private var iterator: Iterator?

        init(_ iterator: Iterator) {
            self.iterator = iterator
        }

        func take() -> Iterator? {
            lock.lock()
            defer { lock.unlock() }
            let taken = iterator
            iterator = nil
            return taken
        }
    }

    public struct Iterator: AsyncIteratorProtocol {
        var body: HTTPClientResponse.Body.AsyncIterator
        var reader: UpstreamEventReader
        var parser = ServerSentEventParser()
        var pending: [UpstreamRelayedEvent] = []
        var nextPending = 0
        var finished = false
        var bodyEnded = false
        let lease: UpstreamTargetLease?

        init(body: HTTPClientResponse.Body.AsyncIterator, reader: UpstreamEventReader, lease: UpstreamTargetLease?) {
            self.body = body
            self.reader = reader
            self.lease = lease
        }

        /// Every event read and not yet returned (at least one; reading when none is), or `nil` at
        /// the end: a relay writes them to its client at once instead of one by one.
        public mutating func nextBatch() async throws -> ArraySlice<UpstreamRelayedEvent>? {
            guard try await next() != nil else { return nil }
            let batch = pending[(nextPending - 1)...]
            nextPending = pending.count
            return batch
        }

        /// Reads until an event is pending or the stream has ended, without taking the event.
        mutating func readAhead() async throws {
            while nextPending == pending.count, !finished {
                pending.removeAll(keepingCapacity: true)
                nextPending = 0
                do {
                    try await fill()
                } catch {
                    finished = true
                    throw reader.failure(error)
                }
            }
        }

        public mutating func next() async throws -> UpstreamStreamEvent? {
            do {
                try await readAhead()
            } catch {
                lease?.finish((error as? FleetError).map(UpstreamBackend.outcome(of:)) ?? .neutral)
                throw error
            }
            guard nextPending < pending.count else {
                await drain()
                lease?.finish(.success)
                return nil
            }
            defer { nextPending += 1 }
            return pending[nextPending].event
        }

        /// Reads until at least one event is pending or the stream ended.
        private mutating func fill() async throws {
            guard let buffer = try await Self.read(&body, limit: reader.timeout) else {
                finished = true
                bodyEnded = true
                pending = try reader.finish(&parser)
                return
            }
            let (events, done) = try reader.feed(buffer, into: &parser)
            pending = events
            if done { finished = true }
        }

        /// After `[DONE]`: reads the body's end (it follows at once), so the upstream connection
        /// is reused instead of closed; an upstream that keeps it open gets a few seconds.
        private mutating func drain() async {
            while !bodyEnded {
                if (try? await Self.read(&body, limit: Swift.min(reader.timeout, .seconds(5)))) == nil { bodyEnded = true }
            }
        }

        /// The next body buffer, or a `Silence` error when none arrives within `limit`.
        private static func read(_ body: inout HTTPClientResponse.Body.AsyncIterator, limit: Duration) async throws -> ByteBuffer? {
            let reading = BodyReading(body)
            defer { body = reading.iterator }
            return try await withThrowingTaskGroup(of: ReadResult.self) { group in
                group.addTask { .read(try await reading.next()) }
                group.addTask {
                    try await EventLoopSleep.sleep(for: limit)
                    return .silence
                }
                defer { group.cancelAll() }
                guard case .read(let buffer)? = try await group.next() else {
                    throw UpstreamActivityClock.Silence(limit: limit)
                }
                return buffer
            }
        }
    }

    private enum ReadResult: Sendable {
        case read(ByteBuffer?)
        case silence
    }

    /// The body iterator lent to the one child task that reads it, while its owner waits for that
    /// child (so only one task touches it at a time).
    private final class BodyReading: @unchecked Sendable {
        var iterator: HTTPClientResponse.Body.AsyncIterator

        init(_ iterator: HTTPClientResponse.Body.AsyncIterator) {
            self.iterator = iterator
        }

        func next() async throws -> ByteBuffer? {
            try await iterator.next()
        }
    }
}

/// An event of a streamed reply, with the SSE text that forwards it when the upstream's own
/// bytes can go on (only `model` renamed, the forced-on `"usage": null` dropped): a relay
/// writes that instead of encoding the parsed chunk again. An ordinary chunk comes as text
/// only (`UpstreamChunkRelay`), parsed when `event` is read.
public struct UpstreamRelayedEvent: Sendable {
    private enum Content: Sendable {
        case parsed(UpstreamStreamEvent, text: String?)
        case forwarded(UpstreamForwardedChunk)
    }

    private let content: Content
    /// Whether it is a chunk with generated text or a tool call (not just the role or a finish reason).
    public let carriesOutput: Bool

    init(event: UpstreamStreamEvent, text: String? = nil) {
        content = .parsed(event, text: text)
        if case .chunk(let chunk) = event { carriesOutput = Self.carriesOutput(chunk) } else { carriesOutput = false }
    }

    init(forwarded chunk: UpstreamForwardedChunk) {
        content = .forwarded(chunk)
        carriesOutput = chunk.carriesOutput
    }

    /// The event; a chunk that came as text is parsed from it on each read.
    public var event: UpstreamStreamEvent {
        switch content {
        case .parsed(let event, _): event
        case .forwarded(let chunk): .chunk(chunk.value)
        }
    }

    /// Appends `data: ...\n\n` when the chunk's own text goes on; `false` (nothing written)
    /// when the parsed `event` must be encoded instead.
    public func writeText(to buffer: inout ByteBuffer) -> Bool {
        switch content {
        case .forwarded(let chunk):
            chunk.write(to: &buffer)
            return true
        case .parsed(_, let text?):
            buffer.writeString(text)
            return true
        case .parsed(_, nil):
            return false
        }
    }

    /// Whether a chunk holds generated text or a tool call.
    static func carriesOutput(_ chunk: JSONValue) -> Bool {
        if let type = chunk["type"]?.stringValue {
            return type == "response.output_text.delta" || type == "response.function_call_arguments.delta"
        }
        guard case .array(let choices)? = chunk["choices"] else { return false }
        return choices.contains { choice in
            if case .string(let text)? = choice["text"], !text.isEmpty { return true }
            guard let delta = choice["delta"] else { return false }
            if case .string(let content)? = delta["content"], !content.isEmpty { return true }
            if case .array(let calls)? = delta["tool_calls"], !calls.isEmpty { return true }
            return false
        }
    }
}

/// Turns upstream body bytes into events for one stream: SSE framing, JSON, errors in the
/// stream, the model name, the usage chunk that was forced on.
struct UpstreamEventReader: Sendable {
    let translator: UpstreamTranslator
    let wantsUsage: Bool
    let timeout: Duration
    let logger: Logger
    let requestID: String
    let relay: UpstreamChunkRelay

    init(translator: UpstreamTranslator, wantsUsage: Bool, timeout: Duration, logger: Logger, requestID: String) {
        self.translator = translator
        self.wantsUsage = wantsUsage
        self.timeout = timeout
        self.logger = logger
        self.requestID = requestID
        self.relay = UpstreamChunkRelay(publicName: translator.publicName, wantsUsage: wantsUsage)
    }

    /// The events `buffer` completed, and whether the stream is done.
    func feed(_ buffer: ByteBuffer, into parser: inout ServerSentEventParser) throws -> ([UpstreamRelayedEvent], Bool) {
        var events: [UpstreamRelayedEvent] = []
        for event in try parser.feed(buffer.readableBytesView) {
            if event.name == nil, let chunk = relay.forward(event.data) {
                events.append(UpstreamRelayedEvent(forwarded: chunk))
                continue
            }
            if try UpstreamBackend.handle(event, translator: translator, wantsUsage: wantsUsage, into: &events) { return (events, true) }
        }
        return (events, false)
    }

    /// The body ended: the last event, if one was under way; throws when `[DONE]` never came.
    func finish(_ parser: inout ServerSentEventParser) throws -> [UpstreamRelayedEvent] {
        var events: [UpstreamRelayedEvent] = []
        if let event = parser.finish(),
            try UpstreamBackend.handle(event, translator: translator, wantsUsage: wantsUsage, into: &events)
        {
            return events
        }
        throw FleetError.upstream(translator.disconnected("ended the stream without [DONE]"))
    }

    /// What a broken stream turns into for the client (cancellation stays cancellation).
    func failure(_ error: any Error) -> any Error {
        if error is CancellationError || Task.isCancelled { return CancellationError() }
        let failure = UpstreamBackend.streamFailure(error, timeout: timeout, translator: translator)
        logger.warning(
            "upstream stream failed",
            metadata: ["request.id": .string(requestID), "upstream.host": .string(translator.host), "upstream.reason": .string(failure.message)])
        return FleetError.upstream(failure)
    }
}
