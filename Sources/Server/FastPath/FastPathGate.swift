import Fleet
import HTTPTypes
import Logging
import NIOCore
import OpenAIWire

/// Decides, cheaply, whether the gateway's fast path (`GatewayFastPathHandler`) serves a
/// request, and admits it when it does: a POST (streamed or not) to `/v1/chat/completions` or
/// `/v1/completions` that a command-line key (or no key) authenticates without the key database,
/// whose model is forwarded to plain-HTTP upstreams with no tier, and that runs without waiting
/// for a slot. Every rule is the normal path's own (`AuthMiddleware.step`,
/// `RequestIDMiddleware.id`, `ServingState.admitModel`, the request parsers); anything else, and
/// every request those rules refuse, goes on to the router, which answers it as always.
struct FastPathGate: Sendable {
    let state: ServingState
    let auth: AuthMiddleware
    let logger: Logger

    /// A request the fast path serves: admitted, its slot held.
    struct Admitted {
        var admission: CompletionAdmission
        var upstream: UpstreamBackend
        var path: String
        var body: JSONObject
        var text: JSONObjectText
        var stream: Bool
        var requestID: String
    }

    /// The endpoint of `head` when it may be fast-pathed (decided on the head alone); `nil`
    /// sends it on at once without collecting its body.
    func endpoint(of head: HTTPRequest) -> String? {
        guard head.method == .post, let path = head.path else { return nil }
        let endpoint: String
        switch path {
        case "/v1/chat/completions": endpoint = "chat/completions"
        case "/v1/completions": endpoint = "completions"
        default: return nil
        }
        let fields = head.headerFields
        // Closing or upgrading connections, 100-continue and oversized bodies: the router's way.
        if fields[.connection] != nil || fields[.expect] != nil || fields[.upgrade] != nil { return nil }
        if let length = fields[.contentLength] {
            guard let bytes = Int(length), bytes <= state.configuration.maxBodyBytes else { return nil }
        }
        return endpoint
    }

    /// Admits the request when the fast path serves it; `nil` sends it on to the router.
    func admit(head: HTTPRequest, endpoint: String, body: ByteBuffer, channel: any Channel) -> Admitted? {
        // A database key only when it is cached (a store shared by replicas; a SQLite file is read
        // at every request, by the router).
        guard case .identified(let identity)? = auth.identifyFromCache(path: head.path ?? "", authorization: head.headerFields[.authorization])
        else { return nil }
        guard let object = try? JSONObject(requestBody: body.readableBytesView) else { return nil }
        // Models the fast path does not serve go on before the full parse and validation below,
        // which the router would then do a second time.
        guard case .string(let model)? = object["model"],
            let served = try? state.catalogue.model(named: model), served.tier == nil,
            case .upstream(let upstream) = served.route, upstream.servesDirectly,
            let text = JSONObjectText(body.readableBytesView)
        else { return nil }
        // Parsed as the route parses it: a request it refuses goes there for its error.
        let options: GenerationOptions
        if endpoint == "chat/completions" {
            guard let chat = try? ChatCompletionRequest(object) else { return nil }
            options = chat.options
        } else {
            guard let completion = try? CompletionRequest(object) else { return nil }
            options = completion.options
        }
        let requestID = RequestIDMiddleware.id(sent: head.headerFields[.requestID])
        var logger = logger
        logger[metadataKey: "request.id"] = .string(requestID)
        let caller = RequestCaller(requestID: requestID, client: identity.client, apiKey: identity.apiKey, logger: logger, channel: channel)
        guard
            let admission = try? state.admitModel(
                named: model, endpoint: endpoint, stream: options.stream, maxTokens: options.maxTokens, bodyBytes: body.readableBytes,
                user: options.user, caller: caller),
            let ticket = admission.queue.tryAcquire()
        else { return nil }
        // The key's limits, when the limiter decides without waiting (`admitArrivalNow`); a refusal
        // (which takes nothing) goes on to the router for its 429 and ledger row, and so does a key
        // whose limits need a round trip to the store. The ticket, unused then, frees its slot.
        if let key = identity.apiKey {
            guard case .allowed? = state.accounts.limiter.admitArrivalNow(key: key, estimatedTokens: admission.estimatedTokens) else {
                return nil
            }
        }
        admission.accounting.reserve(tokens: admission.estimatedTokens)
        admission.accounting.adopt(ticket)
        return Admitted(
            admission: admission, upstream: upstream, path: endpoint, body: object, text: text, stream: options.stream, requestID: requestID)
    }
}
