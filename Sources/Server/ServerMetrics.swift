import CoreMetrics
public import Fleet
public import Prometheus
import Synchronization
import OpenAIWire

/// The server's Prometheus metrics, on a registry of its own (no global bootstrap, so every
/// application, including each test's, counts separately).
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    /// Counters made per label set, reused.
    private let counters = Mutex<[String: CoreMetrics.Counter]>([:])
    /// Each model's token counters and timers, made once: making one looks it up in the registry
    /// under its lock, too much for every streamed chunk.
    private let modelMetrics = Mutex<[String: ModelMetrics]>([:])

    /// A model's token counters and timers.
    struct ModelMetrics: Sendable {
        let promptTokens: CoreMetrics.Counter
        let generationTokens: CoreMetrics.Counter
        let timeToFirstToken: CoreMetrics.Timer
        let timePerOutputToken: CoreMetrics.Timer
    }

    func metrics(model: String) -> ModelMetrics {
        modelMetrics.withLock { cache in
            if let cached = cache[model] { return cached }
            let dimensions = [("model", model)]
            let made = ModelMetrics(
                promptTokens: CoreMetrics.Counter(label: "switchyard_prompt_tokens_total", dimensions: dimensions, factory: factory),
                generationTokens: CoreMetrics.Counter(label: "switchyard_generation_tokens_total", dimensions: dimensions, factory: factory),
                timeToFirstToken: CoreMetrics.Timer(label: "switchyard_time_to_first_token_seconds", dimensions: dimensions, factory: factory),
                timePerOutputToken: CoreMetrics.Timer(
                    label: "switchyard_time_per_output_token_seconds", dimensions: dimensions, factory: factory))
            cache[model] = made
            return made
        }
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        let latencyBuckets: [Duration] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        ]
        factory.defaultDurationHistogramBuckets = latencyBuckets
        self.factory = factory
    }

    /// One finished request: `switchyard_requests_total{model,status}`.
    public func recordRequest(model: String, status: Int) {
        increment("switchyard_requests_total", key: "\(model)\u{0}\(status)", [("model", model), ("status", String(status))])
    }

    /// A request the gateway's fast path served (`GatewayFastPathHandler`):
    /// `switchyard_gateway_fast_path_requests_total{model,stream}`.
    func recordFastPath(model: String, stream: Bool) {
        increment("switchyard_gateway_fast_path_requests_total", key: "\(model)\u{0}\(stream)", [("model", model), ("stream", String(stream))])
    }

    /// Increments the counter `label{dimensions}`, made once (the dimensions built only then) and
    /// found again by `label` and `key`, its dimensions' values.
    private func increment(_ label: String, key: String, _ dimensions: @autoclosure () -> [(String, String)]) {
        let key = label + "\u{0}" + key
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: label, dimensions: dimensions(), factory: factory)
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Tokens read and written for `model`.
    public func recordTokens(model: String, prompt: Int, completion: Int) {
        let handles = metrics(model: model)
        handles.promptTokens.increment(by: prompt)
        handles.generationTokens.increment(by: completion)
    }

    /// Requests waiting for the model and sequences generating, sampled when scraped.
    public func recordLoad(model: String, queued: Int, active: Int) {
        CoreMetrics.Gauge(label: "switchyard_queue_depth", dimensions: [("model", model)], factory: factory).record(queued)
        CoreMetrics.Gauge(label: "switchyard_active_requests", dimensions: [("model", model)], factory: factory).record(active)
    }

    /// A tier's state and wake history, sampled when scraped: `switchyard_tier_awake`,
    /// `switchyard_tier_wakes`, `switchyard_tier_wake_budget_overruns`, `switchyard_tier_wake_timeouts`,
    /// `switchyard_tier_wake_failures` and `switchyard_tier_last_wake_seconds`.
    public func recordTier(_ status: TierStatus) {
        let dimensions = [("tier", status.name)]
        let values: [(String, Double)] = [
            ("switchyard_tier_awake", status.state == .awake ? 1 : 0),
            ("switchyard_tier_in_flight", Double(status.inFlight)),
            ("switchyard_tier_wakes", Double(status.wakes)),
            ("switchyard_tier_wake_budget_overruns", Double(status.budgetOverruns)),
            ("switchyard_tier_wake_timeouts", Double(status.hardCapFailures)),
            ("switchyard_tier_wake_failures", Double(status.wakeFailures)),
            ("switchyard_tier_last_wake_seconds", status.lastWakeDuration?.inSeconds ?? 0),
        ]
        for (label, value) in values {
            CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
        }
    }

    /// The fleet database's health, sampled when scraped: `switchyard_database_degraded` (1 while
    /// key lookups or ledger writes fail), `switchyard_key_lookup_failures`,
    /// `switchyard_ratelimit_store_failures`, `switchyard_usage_spooled_rows` (spooled since start),
    /// `switchyard_usage_replayed_rows` and `switchyard_usage_spool_pending_rows`.
    public func recordDatabase(
        degraded: Bool, keyLookupFailures: Int, rateLimitFailures: Int, spooledRows: Int, replayedRows: Int, pendingRows: Int
    ) {
        let values: [(String, Double)] = [
            ("switchyard_database_degraded", degraded ? 1 : 0),
            ("switchyard_key_lookup_failures", Double(keyLookupFailures)),
            ("switchyard_ratelimit_store_failures", Double(rateLimitFailures)),
            ("switchyard_usage_spooled_rows", Double(spooledRows)),
            ("switchyard_usage_replayed_rows", Double(replayedRows)),
            ("switchyard_usage_spool_pending_rows", Double(pendingRows)),
        ]
        for (label, value) in values {
            CoreMetrics.Gauge(label: label, factory: factory).record(value)
        }
    }

    /// The Prometheus text exposition.
    public func render() -> String {
        registry.emitToString()
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
