public import AsyncHTTPClient
public import Logging
import NIOCore
import NIOHTTP1
public import OpenAIWire
import Synchronization

/// The targets of one upstream model: picks one per attempt (`UpstreamPoolState` decides),
/// counts requests in flight until their replies end, ejects failing targets and runs the
/// active health checks.
public final class UpstreamPool: Sendable {
    public let modelName: String
    public let settings: UpstreamPoolSettings
    /// `host:port` of each target, for metrics and logs.
    public let targetNames: [String]
    let healthURLs: [String?]
    private let state: Mutex<UpstreamPoolState>
    private let observer = Mutex<(any UpstreamPoolObserver)?>(nil)
    private let healthTask = Mutex<Task<Void, Never>?>(nil)
    let logger: Logger

    public init(modelName: String, targets: [UpstreamTarget], settings: UpstreamPoolSettings, logger: Logger) {
        self.modelName = modelName
        self.settings = settings
        self.targetNames = targets.map(\.hostDescription)
        self.healthURLs = targets.map(\.healthURL)
        self.logger = logger
        let states = targets.map {
            UpstreamPoolState.Target(identity: PromptPrefix.fnv1a($0.baseURL.utf8), maxConcurrency: $0.maxConcurrency)
        }
        self.state = Mutex(UpstreamPoolState(targets: states, settings: settings))
    }

    /// Sends latencies to `observer` from now on.
    public func observe(with observer: any UpstreamPoolObserver) {
        self.observer.withLock { $0 = observer }
    }

    /// The prefix `prefix_affinity` routes `body` on; `nil` for other policies.
    func prefix(of body: JSONObject) -> PromptPrefix? {
        settings.balance == .prefixAffinity ? PromptPrefix(body: body, length: settings.prefixLength) : nil
    }

    /// The target for a request's next attempt, with its slot held by the returned lease.
    func acquire(prefix: PromptPrefix?, excluding tried: Set<Int>) -> Acquisition {
        let choice = state.withLock { $0.acquire(prefix: prefix, excluding: tried, at: .now) }
        switch choice {
        case .target(let index): return .target(UpstreamTargetLease(pool: self, index: index))
        case .busy: return .busy
        case .exhausted: return .exhausted
        }
    }

    enum Acquisition {
        case target(UpstreamTargetLease)
        case busy
        case exhausted
    }

    func release(_ index: Int, outcome: UpstreamPoolState.Outcome) {
        let ejected = state.withLock { $0.release(index, outcome: outcome, at: .now) }
        if ejected {
            logger.warning(
                "upstream target ejected after consecutive failures",
                metadata: ["model": .string(modelName), "upstream.host": .string(targetNames[index]),
                           "upstream.cool_down_s": .stringConvertible(settings.coolDown.components.seconds)])
        }
    }

    func responded(_ index: Int, latency: Duration) {
        observer.withLock { $0 }?.upstreamResponded(model: modelName, target: targetNames[index], latency: latency)
    }

    /// Every target's counters now.
    public func status() -> [UpstreamTargetStatus] {
        let now = ContinuousClock.now
        let targets = state.withLock { $0.targets }
        return targets.enumerated().map { index, target in
            UpstreamTargetStatus(
                name: targetNames[index], inFlight: target.inFlight, requests: target.requests, failures: target.failures,
                ejections: target.health.ejections, ejected: !target.health.isAvailable(at: now))
        }
    }

    // MARK: - Active health checks

    /// Starts polling every target's `health_url` (if any has one) until `stopHealthChecks()`.
    public func startHealthChecks(httpClient: HTTPClient) {
        guard healthURLs.contains(where: { $0 != nil }) else { return }
        let task = Task { [self] in await runHealthChecks(httpClient: httpClient) }
        healthTask.withLock { $0?.cancel(); $0 = task }
    }

    public func stopHealthChecks() async {
        let task = healthTask.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    /// How long a health check waits: a server busy generating may answer slowly, and a short
    /// wait would eject every busy target at once.
    static let healthTimeout: Duration = .seconds(5)

    private func runHealthChecks(httpClient: HTTPClient) async {
        while !Task.isCancelled {
            await withTaskGroup(of: Void.self) { group in
                for (index, url) in healthURLs.enumerated() {
                    guard let url else { continue }
                    group.addTask { await self.check(index, url: url, httpClient: httpClient) }
                }
            }
            try? await Task.sleep(for: settings.healthInterval)
        }
    }

    /// One GET: a 2xx within `healthTimeout` passes.
    private func check(_ index: Int, url: String, httpClient: HTTPClient) async {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "switchyard-health")
        let timeout = Self.healthTimeout
        var passed = false
        var reason = ""
        do {
            let response = try await httpClient.execute(request, timeout: UpstreamBackend.timeAmount(timeout))
            passed = (200..<300).contains(response.status.code)
            reason = "HTTP \(response.status.code)"
            _ = try? await response.body.collect(upTo: 64 << 10)
        } catch {
            if Task.isCancelled { return }
            reason = UpstreamBackend.describe(error, timeout: timeout)
        }
        let ejected = state.withLock { $0.recordHealthCheck(index, passed: passed) }
        if ejected {
            logger.warning(
                "upstream target failed its health check",
                metadata: ["model": .string(modelName), "upstream.host": .string(targetNames[index]), "upstream.reason": .string(reason)])
        }
    }
}

/// One attempt's slot on a target: given back exactly once, when its reply has been read
/// through (or failed); a lease dropped without an outcome counts as neither.
final class UpstreamTargetLease: Sendable {
    let pool: UpstreamPool
    let index: Int
    private let started = ContinuousClock.now
    private let finished = Mutex(false)

    init(pool: UpstreamPool, index: Int) {
        self.pool = pool
        self.index = index
    }

    /// The target sent its response head.
    func responded() {
        pool.responded(index, latency: .now - started)
    }

    func finish(_ outcome: UpstreamPoolState.Outcome) {
        let first = finished.withLock { done in
            defer { done = true }
            return !done
        }
        if first { pool.release(index, outcome: outcome) }
    }

    deinit {
        finish(.neutral)
    }
}
