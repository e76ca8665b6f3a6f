import Fleet
import HTTPTypes
import Hummingbird
import NIOCore
import OpenAIWire

/// A completion served by an upstream server: the client's own JSON goes through (fields we do
/// not know included, so the upstream's features stay usable) with the model renamed, and the
/// reply comes back event by event. The request was validated by our parser first, so bad
/// requests get the same errors whichever backend serves the model.
struct UpstreamProxy: Sendable {
    let state: ServingState
    let admission: CompletionAdmission
    let upstream: UpstreamBackend

    /// A whole reply's body for the client, its output and usage counted: the upstream's own bytes
    /// when only the model's name changed (not encoded again), else the value encoded.
    static func relayedBody(
        _ value: JSONValue, usage: UpstreamUsage?, forwarded: [UInt8]?, accounting: RequestAccounting, metrics: ServerMetrics, model: String
    ) -> ByteBuffer {
        accounting.outputArrived()
        if let usage {
            accounting.setUsage(prompt: usage.promptTokens, completion: usage.completionTokens)
            metrics.recordTokens(model: model, prompt: usage.promptTokens, completion: usage.completionTokens)
        }
        return forwarded.map { ByteBuffer(bytes: $0) } ?? ByteBuffer(string: value.jsonString)
    }

    /// - Parameter sawResponseID: called with the id of a Responses API reply (the object's, or
    ///   the first stream event's) before it goes to the client.
    /// - Parameter object: `bytes` parsed already (`nil`: parsed here).
    func respond(
        path: String, body bytes: ByteBuffer, object: JSONObject? = nil, stream: Bool,
        sawResponseID: (@Sendable (String) async throws -> Void)? = nil
    ) async throws -> Response {
        let body: JSONObject
        if let object {
            body = object
        } else {
            guard case .object(let parsed) = try JSONValue.parse(bytes.readableBytesView) else {
                throw OpenAIError.invalidRequest("The request body must be a JSON object.")
            }
            body = parsed
        }
        // The body as sent: forwarded with only the fields the upstream needs changed.
        let text = JSONObjectText(bytes.readableBytesView)
        let accounting = admission.accounting
        let requestID = accounting.requestID
        let metrics = state.metrics
        let model = admission.model.id
        let start: @Sendable () async throws -> Void = {
            accounting.reserve(tokens: admission.estimatedTokens)
            accounting.adopt(try await admission.queue.acquire(client: admission.client))
        }
        return try await CompletionResponder(admission: admission).respond(
            stream: stream,
            completeBody: {
                try await start()
                let reply = try await upstream.send(path: path, body: body, text: text, stream: false, requestID: requestID)
                guard case .complete(let value, let usage, let forwarded) = reply else {
                    throw FleetError.upstream(.serverError("The upstream answered a non-streamed request with a stream.", status: 502))
                }
                if let sawResponseID, let id = UpstreamResponseRecord.responseID(in: value) { try await sawResponseID(id) }
                return (Self.relayedBody(value, usage: usage, forwarded: forwarded, accounting: accounting, metrics: metrics, model: model), [:])
            },
            startStream: {
                try await start()
                let reply = try await upstream.send(path: path, body: body, text: text, stream: true, requestID: requestID)
                guard case .stream(let events) = reply else {
                    throw FleetError.upstream(.serverError("The upstream answered a streamed request without a stream.", status: 502))
                }
                // The Responses API names each event and ends without `[DONE]`.
                let responses = path == "responses"
                let relay = UpstreamEventRelay(accounting: accounting, metrics: metrics, model: model, namesEvents: responses)
                return StreamStart(headers: [:], sendsDone: !responses) { sse in
                    // The events of one upstream read go out in one write: one hop to the event
                    // loop and one syscall for what arrived together, not one per event.
                    var iterator = events.makeAsyncIterator()
                    while let batch = try await iterator.nextBatch() {
                        var text = ByteBuffer()
                        for relayed in batch {
                            if let sawResponseID, case .chunk(let chunk) = relayed.event, let id = UpstreamResponseRecord.responseID(in: chunk) {
                                try await sawResponseID(id)
                            }
                            relay.append(relayed, to: &text)
                        }
                        if text.readableBytes > 0 { try await sse.write(text) }
                    }
                }
            })
    }
}
