public import Fleet
public import Hummingbird
import HummingbirdCore
public import Logging

/// Builds the HTTP application: routes, middleware (request id, metrics, errors, body limit,
/// auth, rate-limit headers) over a catalogue of models. The `serve` command and the tests both use this.
public enum SwitchyardApplication {
    /// - Parameters:
    ///   - configuration: address, keys, limits; call `configuration.validate()` first.
    ///   - catalogue: the models served, and their tiers.
    ///   - accounts: the key database, rate limiter and usage ledger (none by default).
    ///   - metrics: where metrics go (a fresh registry by default).
    ///   - onListening: called with the bound port once the server listens (useful with port 0).
    ///   - onEventLoops: run each connection's task on its channel's event loop (see
    ///     `EventLoopTaskExecutor`) instead of Swift's thread pool (Hummingbird's way). Measured
    ///     with `serve-bench --gateway --event-loop-tasks` (README): more requests a second at one
    ///     connection, fewer at 64 in most runs, and a long computation in a handler would stall
    ///     every connection of its loop; so off by default.
    public static func build(
        configuration: ServerConfiguration, catalogue: ModelCatalogue, accounts: ServerAccounts = ServerAccounts(),
        metrics: ServerMetrics = ServerMetrics(), logger: Logger, onEventLoops: Bool = false,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let state = ServingState(catalogue: catalogue, metrics: metrics, configuration: configuration, accounts: accounts)
        let router = makeRouter(state: state)
        let gate = FastPathGate(state: state, auth: authMiddleware(state: state), logger: logger)
        let fastPath = configuration.gatewayFastPath
        let channel = HTTP1Channel.Configuration(
            additionalChannelHandlers: fastPath
                ? [ClientConnectionHandler(), GatewayFastPathHandler(gate: gate)] : [ClientConnectionHandler()])
        return Application(
            router: router,
            server: onEventLoops ? .http1PinnedToEventLoop(configuration: channel) : .http1(configuration: channel),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "switchyard"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// The router alone, with every route and middleware.
    public static func makeRouter(
        configuration: ServerConfiguration, catalogue: ModelCatalogue, accounts: ServerAccounts = ServerAccounts(),
        metrics: ServerMetrics
    ) -> Router<SwitchyardRequestContext> {
        makeRouter(state: ServingState(catalogue: catalogue, metrics: metrics, configuration: configuration, accounts: accounts))
    }

    static func authMiddleware(state: ServingState) -> AuthMiddleware {
        AuthMiddleware(keys: state.configuration.apiKeys, adminKeys: state.accounts.adminKeys, keyCache: state.accounts.keyCache)
    }

    static func makeRouter(state: ServingState) -> Router<SwitchyardRequestContext> {
        let configuration = state.configuration
        let accounts = state.accounts
        let metrics = state.metrics
        let router = Router(context: SwitchyardRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: BodyLimitMiddleware(limit: configuration.maxBodyBytes))
        router.add(middleware: authMiddleware(state: state))
        router.add(middleware: RateLimitHeadersMiddleware(limiter: accounts.limiter))

        let models = ModelRoutes(state: state)
        router.get("/v1/models", use: models.list)
        router.get("/v1/models/:id", use: models.get)
        router.post("/v1/chat/completions", use: ChatCompletionsRoute(state: state).handle)
        router.post("/v1/completions", use: CompletionsRoute(state: state).handle)
        let responses = ResponsesRoutes(state: state)
        router.post("/v1/responses", use: responses.create)
        router.get("/v1/responses/:id", use: responses.get)
        router.delete("/v1/responses/:id", use: responses.delete)
        router.get("/v1/responses/:id/input_items", use: responses.inputItems)
        router.post("/v1/embeddings", use: EmbeddingsRoute(state: state).handle)
        let tiers = TierRoutes(state: state)
        router.get("/v1/tiers", use: tiers.list)
        router.post("/v1/tiers/:name/sleep", use: tiers.sleep)
        let tokenize = TokenizeRoutes(state: state)
        router.post("/tokenize", use: tokenize.tokenize)
        router.post("/detokenize", use: tokenize.detokenize)
        let operations = OperationsRoutes(state: state)
        router.get("/health", use: operations.health)
        router.get("/metrics", use: operations.metrics)
        return router
    }
}
