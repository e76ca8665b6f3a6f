/// How a model's upstream targets share its requests and when a target is taken out.
public struct UpstreamPoolSettings: Sendable, Equatable {
    /// `balance`: `least_outstanding` by default when there are several targets, `failover` for one.
    public var balance: BalancePolicy
    /// `prefix_length`: how many characters of the rendered prompt `prefix_affinity` hashes.
    public var prefixLength: Int
    /// `health.interval`: how often each target's `health_url` is polled.
    public var healthInterval: Duration
    /// `health.eject_after`: consecutive failures (connect errors, 5xx, broken replies) that eject a target.
    public var ejectAfter: Int
    /// `health.cool_down`: how long an ejected target is skipped before it is tried again.
    public var coolDown: Duration

    public static let defaultPrefixLength = 1024

    public init(
        balance: BalancePolicy = .leastOutstanding, prefixLength: Int = Self.defaultPrefixLength,
        healthInterval: Duration = .seconds(5), ejectAfter: Int = 3, coolDown: Duration = .seconds(30)
    ) {
        self.balance = balance
        self.prefixLength = prefixLength
        self.healthInterval = healthInterval
        self.ejectAfter = ejectAfter
        self.coolDown = coolDown
    }

    /// The defaults for a pool of `targetCount` targets: a single target needs no balancing.
    public static func defaults(targetCount: Int) -> UpstreamPoolSettings {
        UpstreamPoolSettings(balance: targetCount > 1 ? .leastOutstanding : .failover)
    }
}
