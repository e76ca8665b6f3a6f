/// One target's health as a value: passive ejection after consecutive failures, for a
/// cool-down, and the verdict of the active health check.
///
/// After its cool-down an ejected target is tried again; one more failure ejects it again at
/// once (its failure count is kept), a success clears it.
public struct TargetHealth: Sendable, Equatable {
    public private(set) var consecutiveFailures = 0
    /// Until when passive ejection keeps the target out.
    public private(set) var ejectedUntil: ContinuousClock.Instant?
    /// The last active check failed (the target stays out until one succeeds).
    public private(set) var failingHealthCheck = false
    /// Times the target was ejected, passively or by a failing health check.
    public private(set) var ejections = 0

    public init() {}

    /// Whether requests may go to the target at `now`.
    public func isAvailable(at now: ContinuousClock.Instant) -> Bool {
        if failingHealthCheck { return false }
        if let ejectedUntil, now < ejectedUntil { return false }
        return true
    }

    public mutating func recordSuccess() {
        consecutiveFailures = 0
        ejectedUntil = nil
    }

    /// A failed request; returns true when this failure ejected the target.
    public mutating func recordFailure(at now: ContinuousClock.Instant, ejectAfter: Int, coolDown: Duration) -> Bool {
        consecutiveFailures += 1
        guard consecutiveFailures >= ejectAfter, isAvailable(at: now) else { return false }
        ejectedUntil = now + coolDown
        ejections += 1
        return true
    }

    /// The result of one active health check; returns true when it ejected the target.
    public mutating func recordHealthCheck(passed: Bool) -> Bool {
        defer { failingHealthCheck = !passed }
        if passed {
            if failingHealthCheck { consecutiveFailures = 0 }
            return false
        }
        guard !failingHealthCheck else { return false }
        ejections += 1
        return true
    }
}
