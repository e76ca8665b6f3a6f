import Fleet
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIWire

/// A streamed response that is ready to go: its headers, and what writes its events (every
/// event but `[DONE]`, which the responder sends once the ledger row is written).
struct StreamStart: Sendable {
    var headers: HTTPFields
    /// Whether the stream ends with `data: [DONE]` (chat and completions do; the Responses API
    /// ends with its `response.completed` event instead).
    var sendsDone = true
    var produce: @Sendable (inout SSEWriter) async throws -> Void
}

/// What every completion does around its endpoint-specific work: wakes the model's tier (for a
/// stream, behind SSE comment keep-alives once its headers are out), then runs the work, writes
/// the ledger row before the response completes, and maps failures, whenever they happen.
struct CompletionResponder: Sendable {
    let admission: CompletionAdmission

    var accounting: RequestAccounting { admission.accounting }

    /// - Parameters:
    ///   - complete: runs a non-streamed request to the end: its JSON body and headers.
    ///   - startStream: does what can still fail with an HTTP status, then returns the event writer.
    func respond(
        stream: Bool,
        complete: @escaping @Sendable () async throws -> (JSONValue, HTTPFields),
        startStream: @escaping @Sendable () async throws -> StreamStart
    ) async throws -> Response {
        try await respond(
            stream: stream,
            completeBody: {
                let (value, headers) = try await complete()
                return (ByteBuffer(string: value.jsonString), headers)
            }, startStream: startStream)
    }

    /// `respond(stream:complete:startStream:)` for work that has its JSON body as text already.
    func respond(
        stream: Bool,
        completeBody complete: @escaping @Sendable () async throws -> (ByteBuffer, HTTPFields),
        startStream: @escaping @Sendable () async throws -> StreamStart
    ) async throws -> Response {
        do {
            if stream, let tier = admission.served.tier, !tier.isAwake {
                return wakingStream(tier: tier, startStream: startStream)
            }
            if let tier = admission.served.tier {
                accounting.adopt(try await tier.acquire())
            }
            var wakeHeaders = HTTPFields()
            if let wake = accounting.wake { wakeHeaders[.wakeMilliseconds] = String(Int(wake.inMilliseconds.rounded())) }
            let channel = admission.channel
            guard stream else {
                let (body, headers) = try await ClientDisconnect.shared.run(on: channel) { try await complete() }
                await accounting.finish(status: 200)
                var allHeaders = headers + wakeHeaders
                allHeaders[.contentType] = "application/json"
                return Response(status: .ok, headers: allHeaders, body: ResponseBody(byteBuffer: body))
            }
            if admission.queue.wouldWait {
                return queuedStream(headers: wakeHeaders, startStream: startStream)
            }
            let start = try await ClientDisconnect.shared.run(on: channel) { try await startStream() }
            let headers = Self.streamHeaders(start.headers + wakeHeaders)
            let accounting = accounting
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                var sse = SSEWriter(writer: writer)
                try await ClientDisconnect.shared.run(on: channel) {
                    try await Self.run(start.produce, on: &sse, accounting: accounting, sendsDone: start.sendsDone)
                }
            })
        } catch {
            await accounting.finish(status: ErrorMapping.openAIError(for: error).status)
            throw error
        }
    }

    /// A stream's response headers (the gateway's fast path writes the same): `extra`, then its
    /// content type and no caching.
    static func streamHeaders(_ extra: HTTPFields = [:]) -> HTTPFields {
        var headers = extra
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return headers
    }

    /// Streams whose tier is asleep get their headers at once, then a comment every keep-alive
    /// interval while the tier wakes, so proxies and clients do not time out.
    private func wakingStream(tier: Tier, startStream: @escaping @Sendable () async throws -> StreamStart) -> Response {
        let accounting = accounting
        return earlyStream(headers: [:], interval: tier.settings.keepAliveInterval, startStream: startStream) { sse in
            let lease = try await Self.wake(tier, keepingAlive: &sse)
            accounting.adopt(lease)
            if let wake = lease.wakeDuration {
                try await sse.write(": tier \(tier.name) woke in \(Int(wake.inMilliseconds.rounded())) ms\n\n")
            }
        }
    }

    /// A stream that must wait for a generation slot gets its headers at once, then a `: queued`
    /// comment every keep-alive interval until its turn, as a waking tier's streams do.
    /// Refusals that come before the slot (a bad request) arrive as the stream's error event.
    private func queuedStream(headers: HTTPFields, startStream: @escaping @Sendable () async throws -> StreamStart) -> Response {
        let interval = admission.served.tier?.settings.keepAliveInterval ?? SSEKeepAlive.defaultInterval
        return earlyStream(headers: headers, interval: interval, startStream: startStream)
    }

    /// A stream whose headers go out before its work can start: `prepare` runs first (it may
    /// write comments), then `startStream` behind `: queued` comments, then the events.
    private func earlyStream(
        headers extra: HTTPFields, interval: Duration, startStream: @escaping @Sendable () async throws -> StreamStart,
        prepare: @escaping @Sendable (inout SSEWriter) async throws -> Void = { _ in }
    ) -> Response {
        let accounting = accounting
        return Response(status: .ok, headers: Self.streamHeaders(extra), body: ResponseBody { writer in
            var sse = SSEWriter(writer: writer)
            do {
                try await prepare(&sse)
                let start = try await Self.startQueued(startStream, interval: interval, on: &sse)
                try await Self.run(start.produce, on: &sse, accounting: accounting, sendsDone: start.sendsDone)
            } catch where !sse.failed {
                try await Self.fail(with: error, on: &sse, accounting: accounting)
            } catch {
                await accounting.finish(status: 499)
                throw error
            }
        })
    }

    /// Writes a stream's events, then the ledger row, then `[DONE]`; a failure after the
    /// headers went out becomes one error event.
    static func run(
        _ produce: @Sendable (inout SSEWriter) async throws -> Void, on sse: inout SSEWriter, accounting: RequestAccounting,
        sendsDone: Bool = true
    ) async throws {
        do {
            try await produce(&sse)
            await accounting.finish(status: 200)
            if sendsDone { try await sse.sendDone() }
            try await sse.finish()
        } catch where !sse.failed {
            try await fail(with: error, on: &sse, accounting: accounting)
        } catch {
            // The client went away: nothing more can be written.
            await accounting.finish(status: 499)
            throw error
        }
    }

    private static func fail(with error: any Error, on sse: inout SSEWriter, accounting: RequestAccounting) async throws {
        let mapped = ErrorMapping.openAIError(for: error)
        await accounting.finish(status: mapped.status)
        try await sse.send(mapped.body)
        try await sse.finish()
    }

    /// Waits for `tier` to wake, writing `: waking tier …` comments meanwhile.
    private static func wake(_ tier: Tier, keepingAlive sse: inout SSEWriter) async throws -> TierLease {
        try await SSEKeepAlive.run(
            every: tier.settings.keepAliveInterval, on: &sse, comment: { ": waking tier \(tier.name) (\($0) s)\n\n" },
            discard: { $0.release() }  // a lease that arrived while the stream failed must not keep the tier busy
        ) { try await tier.acquire() }
    }

    /// Starts a stream behind `: queued` comments: for a request that waits for a generation slot.
    private static func startQueued(
        _ startStream: @escaping @Sendable () async throws -> StreamStart, interval: Duration, on sse: inout SSEWriter
    ) async throws -> StreamStart {
        try await SSEKeepAlive.run(every: interval, on: &sse, comment: { ": queued (\($0) s)\n\n" }, startStream)
    }
}

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var merged = lhs
        for field in rhs { merged[field.name] = field.value }
        return merged
    }
}
