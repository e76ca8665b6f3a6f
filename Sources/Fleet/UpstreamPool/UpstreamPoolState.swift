/// The targets of one upstream pool as a value: which target the next attempt of a request
/// goes to, the requests in flight on each, and their health. The owner (`UpstreamPool`) keeps
/// it behind a lock; every decision is made here, without I/O, so tables of cases test it.
///
/// Choosing: targets a request already tried are skipped; of the rest, those that are healthy
/// (not ejected, health check passing) are ranked by the balance policy and the first below
/// its `max_concurrency` wins. When every healthy target is full the answer is `.busy` (the
/// caller fails fast with 503, as Envoy's circuit breaker does, rather than queueing behind a
/// slow fleet). When no untried target is healthy, ejected ones are tried in the same order
/// (a pool never refuses because every target looks down: one may have come back).
public struct UpstreamPoolState: Sendable {
    public struct Target: Sendable, Equatable {
        /// A stable number for the target (from its base URL): its rendezvous-hashing identity.
        public var identity: UInt64
        /// `max_concurrency`; `nil` is unlimited.
        public var maxConcurrency: Int?
        public var inFlight = 0
        public var health = TargetHealth()
        /// Attempts sent, and those that failed.
        public var requests = 0
        public var failures = 0

        public init(identity: UInt64, maxConcurrency: Int? = nil) {
            self.identity = identity
            self.maxConcurrency = maxConcurrency
        }

        var hasRoom: Bool { maxConcurrency.map { inFlight < $0 } ?? true }
    }

    /// What the next attempt of a request does.
    public enum Choice: Sendable, Equatable {
        /// Send it to this target (its slot is taken: `release` it).
        case target(Int)
        /// Every target it may still try is at its `max_concurrency`.
        case busy
        /// It tried every target.
        case exhausted
    }

    /// How an attempt on a target ended, for its health.
    public enum Outcome: Sendable, Equatable {
        /// The target answered (any status but a 5xx) and its reply was read through.
        case success
        /// It could not be reached, answered 5xx, or broke its reply off.
        case failure
        /// Nothing learned: the client went away.
        case neutral
    }

    public private(set) var targets: [Target]
    public let settings: UpstreamPoolSettings
    /// Where round robin (and least-outstanding's tie-break) starts next.
    private var cursor = 0

    public init(targets: [Target], settings: UpstreamPoolSettings) {
        self.targets = targets
        self.settings = settings
    }

    /// Picks the target for a request's next attempt and takes a slot on it.
    /// - Parameters:
    ///   - prefix: the request's prompt prefix (`prefix_affinity` routes on it).
    ///   - tried: targets this request already tried.
    public mutating func acquire(prefix: PromptPrefix?, excluding tried: Set<Int>, at now: ContinuousClock.Instant) -> Choice {
        let untried = targets.indices.filter { !tried.contains($0) }
        guard !untried.isEmpty else { return .exhausted }
        let healthy = untried.filter { targets[$0].health.isAvailable(at: now) }
        let candidates = ranked(healthy.isEmpty ? untried : healthy, prefix: prefix)
        guard let chosen = candidates.first(where: { targets[$0].hasRoom }) else { return .busy }
        targets[chosen].inFlight += 1
        targets[chosen].requests += 1
        if settings.balance == .roundRobin || settings.balance == .leastOutstanding {
            cursor = (chosen + 1) % targets.count
        }
        return .target(chosen)
    }

    /// Gives back the slot `acquire` took; returns true when this outcome ejected the target.
    public mutating func release(_ index: Int, outcome: Outcome, at now: ContinuousClock.Instant) -> Bool {
        guard targets.indices.contains(index) else { return false }
        targets[index].inFlight = max(targets[index].inFlight - 1, 0)
        switch outcome {
        case .success:
            targets[index].health.recordSuccess()
            return false
        case .failure:
            targets[index].failures += 1
            return targets[index].health.recordFailure(at: now, ejectAfter: settings.ejectAfter, coolDown: settings.coolDown)
        case .neutral:
            return false
        }
    }

    /// The result of an active health check; returns true when it ejected the target.
    public mutating func recordHealthCheck(_ index: Int, passed: Bool) -> Bool {
        guard targets.indices.contains(index) else { return false }
        return targets[index].health.recordHealthCheck(passed: passed)
    }

    /// `indices` in the order the policy prefers them.
    func ranked(_ indices: [Int], prefix: PromptPrefix?) -> [Int] {
        switch settings.balance {
        case .failover:
            return indices
        case .roundRobin:
            return rotated(indices)
        case .leastOutstanding:
            // Stable sort of the rotation: equal loads take turns.
            return byLoad(indices)
        case .prefixAffinity:
            guard let prefix else { return byLoad(indices) }
            return indices.sorted { Self.score(prefix, targets[$0].identity) > Self.score(prefix, targets[$1].identity) }
        }
    }

    /// Fewest in flight first; equal loads in rotation order, so they take turns.
    private func byLoad(_ indices: [Int]) -> [Int] {
        rotated(indices).enumerated()
            .sorted { (targets[$0.element].inFlight, $0.offset) < (targets[$1.element].inFlight, $1.offset) }
            .map(\.element)
    }

    /// `indices` starting from the first at or after the cursor.
    private func rotated(_ indices: [Int]) -> [Int] {
        let split = indices.firstIndex { $0 >= cursor } ?? 0
        return Array(indices[split...] + indices[..<split])
    }

    /// Rendezvous (highest random weight) hashing: each prefix ranks the targets in its own
    /// order, so removing one target moves only the prefixes it ranked first.
    static func score(_ prefix: PromptPrefix, _ identity: UInt64) -> UInt64 {
        var z = prefix.hash ^ (identity &* 0x9e37_79b9_7f4a_7c15)
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
