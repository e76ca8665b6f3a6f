import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import OpenAIWire

/// A streamed reply read over an `UpstreamConnection`, on its event loop: the direct exchange's
/// `UpstreamEventStream`. The upstream's bytes become events with the same reader (SSE framing,
/// `UpstreamChunkRelay`, errors in the stream, the forced-on usage chunk), and each socket read's
/// events go to the consumer together as they arrive. The consumer's `pause()` stops reading the
/// socket (TCP then slows the upstream), so memory holds one read at most; `cancel()` closes
/// the connection at once.
///
/// Before relaying it opens: a 2xx `text/event-stream` reply is read until its first event (or
/// its end), so that `UpstreamDirectSend` can still try another target when it breaks off before
/// that; any other reply (an error status, a 2xx of another type) is read whole, as a
/// non-streamed reply's error is (`UpstreamWholeReplyReader`).
public final class UpstreamDirectStream: UpstreamAttemptReader {
    /// How the attempt opened.
    enum Opening {
        /// A stream whose first event (or end) was read: relay it.
        case stream(UpstreamDirectStream)
        /// A stream (with this 2xx status) that broke off, fell silent or sent junk before its first event.
        case brokeOff(FleetError, status: Int)
        /// Not a stream: the reply read whole (or the failure before its head), as `UpstreamWholeReplyReader` reports it.
        case whole(Result<UpstreamCollectedReply, any Error>, collected: UpstreamCollectedReply?)
    }

    private enum Phase {
        case awaitingHead
        case whole(UpstreamWholeReplyReader)
        case events
        case ended
    }

    private let reader: UpstreamEventReader
    private let errorLimit: Int
    private let silenceLimit: TimeAmount
    private let loop: any EventLoop
    private var phase = Phase.awaitingHead
    private var opened: ((Opening) -> Void)?
    private var parser = ServerSentEventParser()
    /// Events read and not yet handed to the consumer.
    private var pending: [UpstreamRelayedEvent] = []
    /// `[DONE]` arrived: what follows is only the body's end.
    private var sawDone = false
    /// How the stream ended before the consumer took it (`.some(nil)`: cleanly).
    private var endedEarly: FleetError??
    private var onEvents: (([UpstreamRelayedEvent]) -> Void)?
    private var onEnd: ((FleetError?) -> Void)?
    private var paused = false
    private var lastActivity = NIODeadline.now()
    private var timer: Scheduled<Void>?
    /// The 2xx status the stream came with.
    private(set) var streamStatus = 200
    /// The pool's count of this stream at its target, until its last byte.
    var lease: UpstreamTargetLease?
    var connection: UpstreamConnection?

    init(reader: UpstreamEventReader, errorLimit: Int, loop: any EventLoop, opened: @escaping (Opening) -> Void) {
        self.reader = reader
        self.errorLimit = errorLimit
        self.silenceLimit = UpstreamBackend.timeAmount(reader.timeout)
        self.loop = loop
        self.opened = opened
        arm(at: lastActivity + silenceLimit)
    }

    // MARK: The consumer's side

    /// Starts handing events over: those read already at once, then each read's as it arrives;
    /// `end` is called once, with `nil` after `[DONE]` and the body's end, or with the failure.
    public func relay(events: @escaping ([UpstreamRelayedEvent]) -> Void, end: @escaping (FleetError?) -> Void) {
        onEvents = events
        onEnd = end
        deliver()
        if let result = endedEarly {
            endedEarly = nil
            finishRelay(result)
        }
    }

    /// The consumer cannot take more yet: the socket is not read until `resume()`.
    public func pause() {
        guard !paused else { return }
        paused = true
        connection?.pauseReading()
    }

    public func resume() {
        guard paused else { return }
        paused = false
        // The silence counts from now: the pause was the consumer's, not the upstream's.
        lastActivity = .now()
        connection?.resumeReading()
    }

    /// The consumer left: the connection is closed (the rest of the reply is not read) and the
    /// target's slot given back as neither success nor failure.
    public func cancel() {
        stop(CancellationError())
    }

    // MARK: The connection's side

    func upstreamHead(_ head: HTTPResponseHead) {
        lastActivity = .now()
        guard case .awaitingHead = phase else { return }
        let status = Int(head.status.code)
        if (200..<300).contains(status), UpstreamBackend.isEventStream(head.headers) {
            streamStatus = status
            phase = .events
            return
        }
        // An error, or a 2xx that is not a stream: read whole, as a non-streamed reply's error is.
        timer?.cancel()
        timer = nil
        let whole = UpstreamWholeReplyReader(
            replyLimit: errorLimit, errorLimit: errorLimit, silenceLimit: silenceLimit, loop: loop
        ) { [self] result, collected in
            phase = .ended
            open(.whole(result, collected: collected))
        }
        whole.connection = connection
        phase = .whole(whole)
        whole.upstreamHead(head)
    }

    func upstreamBody(_ part: ByteBuffer) {
        switch phase {
        case .whole(let whole): return whole.upstreamBody(part)
        case .events: break
        case .awaitingHead, .ended: return
        }
        lastActivity = .now()
        guard !sawDone else { return }
        do {
            let (events, done) = try reader.feed(part, into: &parser)
            pending += events
            if done {
                sawDone = true
                // Only the body's end should follow: a few seconds for it, then the connection goes.
                lastActivity = .now()
            }
        } catch {
            return fail(error)
        }
        if opened != nil, !pending.isEmpty || sawDone { open(.stream(self)) }
    }

    func upstreamReadComplete() {
        if case .events = phase { deliver() }
    }

    func upstreamEnd() {
        switch phase {
        case .whole(let whole): return whole.upstreamEnd()
        case .events: break
        case .awaitingHead:
            // No head: as the whole reader reports it.
            phase = .ended
            return open(.whole(.failure(HTTPClientError.remoteConnectionClosed), collected: nil))
        case .ended: return
        }
        connection = nil  // back in its pool, or closed, already
        if !sawDone {
            do {
                pending += try reader.finish(&parser)
            } catch {
                return fail(error)
            }
        }
        end(nil)
    }

    func upstreamFailed(_ error: any Error) {
        switch phase {
        case .whole(let whole): whole.upstreamFailed(error)
        case .awaitingHead:
            phase = .ended
            open(.whole(.failure(error), collected: nil))
        case .events: fail(error)
        case .ended: break
        }
    }

    /// Ends the exchange early (the caller gave up) and closes its connection; nothing more is reported.
    func stop(_ error: any Error) {
        opened = nil
        if case .whole(let whole) = phase { whole.stop(error) }
        phase = .ended
        onEvents = nil
        onEnd = nil
        timer?.cancel()
        timer = nil
        lease?.finish(.neutral)
        lease = nil
        abandonConnection()
    }

    // MARK: Steps

    private func open(_ opening: Opening) {
        guard let opened else { return }
        self.opened = nil
        opened(opening)
    }

    /// The stream broke off (a failed connection, a bad event, silence, no `[DONE]`).
    private func fail(_ error: any Error) {
        let failure = (reader.failure(error) as? FleetError) ?? UpstreamBackend.cancelled
        abandonConnection()
        if opened != nil {
            phase = .ended
            timer?.cancel()
            timer = nil
            return open(.brokeOff(failure, status: streamStatus))
        }
        end(failure)
    }

    private func end(_ result: FleetError?) {
        phase = .ended
        timer?.cancel()
        timer = nil
        open(.stream(self))
        guard onEnd != nil else {
            endedEarly = .some(result)
            return
        }
        deliver()
        finishRelay(result)
    }

    private func finishRelay(_ result: FleetError?) {
        lease?.finish(result.map(UpstreamBackend.outcome(of:)) ?? .success)
        lease = nil
        let onEnd = self.onEnd
        self.onEnd = nil
        onEvents = nil
        onEnd?(result)
    }

    private func deliver() {
        guard let onEvents, !pending.isEmpty else { return }
        let events = pending
        pending = []
        onEvents(events)
    }

    private func abandonConnection() {
        connection?.abandon()
        connection = nil
    }

    /// One timer for the whole stream: when it fires it sleeps again for what is left since the
    /// last arrival (or while the consumer holds the reading); after `[DONE]` it waits a few
    /// seconds at most for the body's end.
    private func arm(at deadline: NIODeadline) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        timer = loop.scheduleTask(deadline: deadline) {
            bound.value.silenceTimerFired()
        }
    }

    private func silenceTimerFired() {
        timer = nil
        let limit = sawDone ? min(silenceLimit, .seconds(5)) : silenceLimit
        switch phase {
        case .awaitingHead, .events: break
        case .whole, .ended: return
        }
        let due = lastActivity + limit
        if paused || due > .now() {
            return arm(at: paused ? .now() + limit : due)
        }
        if case .awaitingHead = phase {
            // As the whole reader reports a silence before the head.
            phase = .ended
            abandonConnection()
            return open(.whole(.failure(UpstreamBodyCollector.Stop.silence), collected: nil))
        }
        if sawDone {
            // The body's end never came: the stream itself is complete.
            abandonConnection()
            return end(nil)
        }
        fail(UpstreamActivityClock.Silence(limit: reader.timeout))
    }
}
