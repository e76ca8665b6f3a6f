import Fleet
import NIOCore
import OpenAIWire

/// What relaying one upstream stream event does, whichever path relays it (the router's
/// `UpstreamProxy`, the gateway's fast path): output counted (time to first token and between
/// tokens, the ledger row's first output), usage noted in the ledger row and the metrics, and
/// the event's text appended for the client: the upstream's own bytes with the model renamed
/// where they can go on, else the parsed chunk encoded.
struct UpstreamEventRelay: Sendable {
    let accounting: RequestAccounting
    let metrics: ServerMetrics
    let model: String
    let timer: TokenTimer
    /// The Responses API names each event (`event: <type>` before its data).
    let namesEvents: Bool

    init(accounting: RequestAccounting, metrics: ServerMetrics, model: String, namesEvents: Bool = false) {
        self.accounting = accounting
        self.metrics = metrics
        self.model = model
        self.timer = TokenTimer(model: model, metrics: metrics)
        self.namesEvents = namesEvents
    }

    func append(_ relayed: UpstreamRelayedEvent, to text: inout ByteBuffer) {
        if relayed.carriesOutput {
            timer.tokenArrived()
            accounting.outputArrived()
        }
        if relayed.writeText(to: &text) { return }
        switch relayed.event {
        case .chunk(let chunk):
            if namesEvents, let type = chunk["type"]?.stringValue { text.writeString("event: \(type)\n") }
            text.writeString(ServerSentEvents.event(chunk))
        case .usage(let usage):
            accounting.setUsage(prompt: usage.promptTokens, completion: usage.completionTokens)
            metrics.recordTokens(model: model, prompt: usage.promptTokens, completion: usage.completionTokens)
        }
    }
}
