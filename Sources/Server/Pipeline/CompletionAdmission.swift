import Fleet
import Foundation
import Hummingbird
import Logging
import NIOCore
import OpenAIWire

/// A completion request that passed the checks every model shares: the model exists and the
/// key may use it, and the key's rate limits let it in. Holds the request's accounting.
struct CompletionAdmission: Sendable {
    let served: ServedModel
    let accounting: RequestAccounting
    /// The fairness key for the model's admission queue.
    let client: String
    let queue: AdmissionQueue
    /// The tokens the request is expected to use before its prompt is tokenized.
    let estimatedTokens: Int
    /// The client's connection (its closing cancels the work).
    var channel: (any Channel)? = nil

    var model: ModelDescriptor { served.descriptor }
}

extension ServingState {
    /// Completion tokens assumed for the token budget when a request sets no `max_tokens`
    /// (the reservation is settled with the real count afterwards).
    static let assumedCompletionTokens = 256

    /// Admits a completion request: resolves the model (a key limited to other models gets the
    /// same 404 as an unknown model), counts it against the key's requests per minute and checks
    /// the key's tokens per minute, with a ledger row for a refusal.
    func admit(
        model name: String, endpoint: String, stream: Bool, maxTokens: Int?, bodyBytes: Int, user: String?,
        context: SwitchyardRequestContext
    ) async throws -> CompletionAdmission {
        let admission = try admitModel(
            named: name, endpoint: endpoint, stream: stream, maxTokens: maxTokens, bodyBytes: bodyBytes, user: user,
            caller: RequestCaller(context: context))
        context.outcome.model = admission.model.id
        if let key = context.apiKey,
            let refusal = await accounts.limiter.admitArrival(key: key, estimatedTokens: admission.estimatedTokens)
                .rateLimitError(keyName: key.name, estimatedTokens: admission.estimatedTokens)
        {
            await admission.accounting.finish(status: 429)
            throw refusal
        }
        return admission
    }

    /// The part of `admit` that needs no rate limiter (all of it for a caller without a
    /// database key): the model, whether the key may use it, the accounting and the queue.
    func admitModel(
        named name: String, endpoint: String, stream: Bool, maxTokens: Int?, bodyBytes: Int, user: String?, caller: RequestCaller
    ) throws(FleetError) -> CompletionAdmission {
        let served = try catalogue.model(named: name)
        if let key = caller.apiKey, !key.allows(model: served.descriptor.id) {
            throw FleetError.modelNotFound(name)
        }
        let accounting = RequestAccounting(
            requestID: caller.requestID, key: caller.apiKey, model: served.descriptor.id, tier: served.tier?.name,
            endpoint: endpoint, stream: stream, recorder: accounts.recorder, limiter: accounts.limiter, logger: caller.logger)
        // About four bytes of JSON per prompt token: a bound good enough before the prompt is tokenized.
        let estimate = bodyBytes / 4 + (maxTokens ?? Self.assumedCompletionTokens)
        return CompletionAdmission(
            served: served, accounting: accounting, client: client(caller.client, user: user),
            queue: try queue(for: served.descriptor.id), estimatedTokens: estimate, channel: caller.channel)
    }
}

/// Who sent a request, as the middleware (or the gateway's fast path) found out.
struct RequestCaller {
    var requestID: String
    /// The fairness key's first part: the key used, or "anonymous".
    var client: String
    var apiKey: APIKey?
    var logger: Logger
    var channel: (any Channel)?

    init(requestID: String, client: String, apiKey: APIKey?, logger: Logger, channel: (any Channel)?) {
        self.requestID = requestID
        self.client = client
        self.apiKey = apiKey
        self.logger = logger
        self.channel = channel
    }

    init(context: SwitchyardRequestContext) {
        self.init(requestID: context.requestID, client: context.client, apiKey: context.apiKey, logger: context.logger, channel: context.channel)
    }
}

extension ServingState {
    /// Runs `body` on the in-process backend of `name` (the first model when `nil`), waking its
    /// tier first and keeping it awake meanwhile. Upstream models have no local backend.
    func withLocalBackend<T>(
        named name: String?, context: SwitchyardRequestContext, _ body: (any ModelBackend) throws -> T
    ) async throws -> T {
        let served = try catalogue.model(orDefault: name)
        if let key = context.apiKey, !key.allows(model: served.descriptor.id) {
            throw FleetError.modelNotFound(name ?? served.descriptor.id)
        }
        let lease = try await served.tier?.acquire()
        defer { lease?.release() }
        return try body(try catalogue.backend(for: served.descriptor.id))
    }
}
