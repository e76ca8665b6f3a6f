public import Foundation

/// A tier as `/v1/tiers` shows it.
public struct TierStatus: Sendable, Equatable {
    public var name: String
    public var state: TierState
    public var models: [String]
    /// When the last successful wake finished.
    public var lastWake: Date?
    public var lastWakeDuration: Duration?
    /// Successful wakes since start.
    public var wakes: Int
    /// Percentiles over the last 100 successful wakes (nearest rank).
    public var wakeP50: Duration?
    public var wakeP90: Duration?
    public var wakeP99: Duration?
    /// Wakes that took longer than the budget (each counted once, while still waking).
    public var budgetOverruns: Int
    /// Wakes abandoned at the hard cap.
    public var hardCapFailures: Int
    /// Wakes whose waker threw.
    public var wakeFailures: Int
    /// Leases not yet released (requests running on the tier).
    public var inFlight: Int
    public var idleTimeout: Duration?
    public var wakeBudget: Duration
    public var wakeHardCap: Duration

    public init(
        name: String, state: TierState, models: [String], lastWake: Date? = nil, lastWakeDuration: Duration? = nil,
        wakes: Int = 0, wakeP50: Duration? = nil, wakeP90: Duration? = nil, wakeP99: Duration? = nil,
        budgetOverruns: Int = 0, hardCapFailures: Int = 0, wakeFailures: Int = 0, inFlight: Int = 0,
        idleTimeout: Duration? = nil, wakeBudget: Duration, wakeHardCap: Duration
    ) {
        self.name = name
        self.state = state
        self.models = models
        self.lastWake = lastWake
        self.lastWakeDuration = lastWakeDuration
        self.wakes = wakes
        self.wakeP50 = wakeP50
        self.wakeP90 = wakeP90
        self.wakeP99 = wakeP99
        self.budgetOverruns = budgetOverruns
        self.hardCapFailures = hardCapFailures
        self.wakeFailures = wakeFailures
        self.inFlight = inFlight
        self.idleTimeout = idleTimeout
        self.wakeBudget = wakeBudget
        self.wakeHardCap = wakeHardCap
    }
}
