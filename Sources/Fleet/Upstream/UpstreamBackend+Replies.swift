import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import OpenAIWire

/// Reading what an upstream sent back: whole bodies under a silence timeout, and streams
/// event by event.
extension UpstreamBackend {
    /// Reads a non-streamed 2xx reply of the async API (see the next).
    func completeReply(
        _ response: HTTPClientResponse, target: UpstreamTarget, translator: UpstreamTranslator
    ) async throws(FleetError) -> UpstreamReply {
        let (bytes, truncated) = try await readReply(response, limit: Self.maxReplyBytes, target: target, translator: translator)
        return try completeReply(
            UpstreamCollectedReply(status: Int(response.status.code), headers: response.headers, bytes: bytes, truncated: truncated),
            translator: translator)
    }

    /// A whole non-streamed 2xx reply: JSON, or an error naming the status and an excerpt.
    func completeReply(_ reply: UpstreamCollectedReply, translator: UpstreamTranslator) throws(FleetError) -> UpstreamReply {
        let (status, bytes) = (reply.status, reply.bytes)
        if reply.truncated {
            throw .upstream(translator.badResponse("answered with a reply larger than \(Self.maxReplyBytes) bytes."))
        }
        guard let json = try? JSONValue.parse(bytes), json.objectValue != nil else {
            let contentType = reply.headers.first(name: "content-type") ?? "none"
            throw .upstream(
                translator.badResponse(
                    "answered HTTP \(status) with a body that is not a JSON object (content-type \(contentType)): \(translator.excerpt(bytes))"))
        }
        // A Responses API object always has `"error": null`.
        if let error = json["error"], !error.isNull, json["choices"] == nil {
            throw .upstream(translator.error(inEvent: json))
        }
        return .complete(translator.reply(json), usage: UpstreamUsage(json["usage"]), text: Self.forwardedBody(bytes, json: json, translator: translator))
    }

    /// The upstream's reply with only `model` renamed, when that is all `translator.reply` changes;
    /// `nil` where the value must be encoded instead (a model one level down, text the in-place
    /// editor does not handle).
    static func forwardedBody(_ bytes: [UInt8], json: JSONValue, translator: UpstreamTranslator) -> [UInt8]? {
        guard json["response"] == nil else { return nil }
        guard let model = json["model"], model != .string(translator.publicName) else { return bytes }
        guard var text = JSONObjectText(bytes) else { return nil }
        text.set("model", to: .string(translator.publicName))
        return text.bytes
    }

    /// A streamed 2xx reply: its events, read as the consumer asks for them.
    func streamReply(
        _ response: HTTPClientResponse, target: UpstreamTarget, translator: UpstreamTranslator, wantsUsage: Bool, requestID: String,
        lease: UpstreamTargetLease? = nil
    ) async throws(FleetError) -> UpstreamReply {
        if !Self.isEventStream(response.headers) {
            // Not a stream: most likely an error object sent with 200; report what it says.
            let (bytes, _) = try await readReply(response, limit: Self.maxErrorBytes, target: target, translator: translator)
            throw Self.notAStream(response.headers, bytes: bytes, translator: translator)
        }
        let reader = UpstreamEventReader(
            translator: translator, wantsUsage: wantsUsage, timeout: target.timeout, logger: logger, requestID: requestID)
        return .stream(UpstreamEventStream(body: response.body, reader: reader, lease: lease))
    }

    /// Whether a streamed request's 2xx reply is a stream: its content type says so (or says nothing).
    static func isEventStream(_ headers: HTTPHeaders) -> Bool {
        guard let contentType = headers.first(name: "content-type") else { return true }
        return contentType.lowercased().contains("text/event-stream")
    }

    /// The error for a streamed request's 2xx reply that is not a stream (its first
    /// `maxErrorBytes` in `bytes`): the error object it holds, or what it is.
    static func notAStream(_ headers: HTTPHeaders, bytes: [UInt8], translator: UpstreamTranslator) -> FleetError {
        if let json = try? JSONValue.parse(bytes), json["error"] != nil {
            return .upstream(translator.error(inEvent: json))
        }
        let contentType = headers.first(name: "content-type") ?? ""
        return .upstream(
            translator.badResponse(
                "answered a streamed request with content-type '\(contentType)' instead of text/event-stream: \(translator.excerpt(bytes))"))
    }

    /// Appends what one event means to `events`; returns true at `[DONE]`.
    static func handle(
        _ event: ServerSentEventParser.Event, translator: UpstreamTranslator, wantsUsage: Bool, into events: inout [UpstreamRelayedEvent]
    ) throws -> Bool {
        if event.data.trimmingPrefix(while: \.isWhitespace) == "[DONE]" { return true }
        guard let json = try? JSONValue.parse(event.data) else {
            throw FleetError.upstream(translator.badResponse("sent an event that is not JSON: \(translator.excerpt(Array(event.data.utf8)))"))
        }
        if json["error"] != nil || event.name == "error" {
            throw FleetError.upstream(translator.error(inEvent: json))
        }
        var chunk = translator.reply(json)
        // A Responses API stream ends with its final response event (no `[DONE]`), which holds the usage.
        if let type = chunk["type"]?.stringValue, Self.finalResponseEvents.contains(type) {
            if let usage = UpstreamUsage(chunk["response"]?["usage"]) { events.append(UpstreamRelayedEvent(event: .usage(usage))) }
            events.append(UpstreamRelayedEvent(event: .chunk(chunk)))
            return true
        }
        let usage = UpstreamUsage(chunk["usage"])
        if let usage { events.append(UpstreamRelayedEvent(event: .usage(usage))) }
        let usageOnly = usage != nil && (chunk["choices"]?.arrayValue?.isEmpty ?? true)
        // include_usage was forced on: hide the `"usage": null` that servers then add to every chunk.
        let hideUsage = !wantsUsage && chunk["usage"] == .null
        if !wantsUsage {
            if usageOnly { return false }
            if hideUsage, var object = chunk.objectValue {
                object["usage"] = nil
                chunk = .object(object)
            }
        }
        events.append(UpstreamRelayedEvent(event: .chunk(chunk), text: forwardedText(event.data, json: json, translator: translator, hideUsage: hideUsage)))
        return false
    }

    /// The upstream's event text with only what the relay changes changed (the model's name, a
    /// hidden `"usage": null`), when that is all that differs; `nil` where the parsed chunk must
    /// be encoded instead (a Responses API event, or data split over lines).
    private static func forwardedText(_ data: String, json: JSONValue, translator: UpstreamTranslator, hideUsage: Bool) -> String? {
        guard json["type"] == nil, json["response"] == nil, !data.utf8.contains(0x0A), !data.utf8.contains(0x0D),
            var text = JSONObjectText(data.utf8)
        else { return nil }
        if let model = json["model"], model != .string(translator.publicName) { text.set("model", to: .string(translator.publicName)) }
        if hideUsage { text.remove("usage") }
        return "data: " + String(decoding: text.bytes, as: UTF8.self) + "\n\n"
    }

    /// The events that end a Responses API stream.
    static let finalResponseEvents: Set<String> = ["response.completed", "response.incomplete", "response.failed"]

    /// What a broken stream turns into for the client.
    static func streamFailure(_ error: any Error, timeout: Duration, translator: UpstreamTranslator) -> OpenAIError {
        switch error {
        case FleetError.upstream(let mapped): mapped
        case is UpstreamActivityClock.Silence: translator.disconnected("sent nothing for \(seconds(timeout)) s")
        case is ServerSentEventParser.Overflow: translator.badResponse("sent an event larger than the limit.")
        default: translator.disconnected("broke off the stream (\(describe(error, timeout: timeout)))")
        }
    }

    /// Reads a whole 2xx body under the target's silence timeout.
    private func readReply(
        _ response: HTTPClientResponse, limit: Int, target: UpstreamTarget, translator: UpstreamTranslator
    ) async throws(FleetError) -> (bytes: [UInt8], truncated: Bool) {
        do {
            return try await Self.readBody(response.body, limit: limit, timeout: target.timeout)
        } catch is UpstreamActivityClock.Silence {
            throw .upstream(translator.disconnected("sent nothing for \(Self.seconds(target.timeout)) s"))
        } catch {
            if Task.isCancelled { throw Self.cancelled }
            throw .upstream(translator.disconnected("broke off the reply (\(Self.describe(error, timeout: target.timeout)))"))
        }
    }

    /// Reads an error body for its message; what cannot be read within the timeout is left out.
    func readErrorBody(_ response: HTTPClientResponse, target: UpstreamTarget) async -> [UInt8] {
        let timeout = min(target.timeout, .seconds(30))
        return (try? await Self.readBody(response.body, limit: Self.maxErrorBytes, timeout: timeout).bytes) ?? []
    }

    /// Reads up to `limit` bytes; past it, stops (cancelling the rest) and says so.
    static func readBody(_ body: HTTPClientResponse.Body, limit: Int, timeout: Duration) async throws -> (bytes: [UInt8], truncated: Bool) {
        try await UpstreamActivityClock.run(limit: timeout) { clock in
            var bytes: [UInt8] = []
            for try await buffer in body {
                clock.touch()
                bytes.append(contentsOf: buffer.readableBytesView)
                if bytes.count > limit { return (Array(bytes.prefix(limit)), true) }
            }
            return (bytes, false)
        }
    }
}
