/// A group of models that wake and sleep together.
public struct TierEntry: Sendable, Equatable {
    public var name: String
    /// The public names of its models.
    public var models: [String]
    /// `idle_timeout`: asleep this long after the last request ends; nil never sleeps.
    public var idleTimeout: Duration?
    /// `wake_budget` (default 8m, or the hard cap when that is shorter): a slower wake logs a warning.
    public var wakeBudget: Duration
    /// `wake_hard_cap` (default 10m): a wake still not ready fails its waiters and is stopped.
    public var wakeHardCap: Duration
    /// `keepalive` (default 5s): the SSE comment period while a streamed request waits for a wake.
    public var keepAliveInterval: Duration
    /// What to run to wake it; nil when its models are all embedded (loading them is the wake).
    public var wake: WakeEntry?
    /// The line of the entry in the file.
    public var line: Int

    public init(
        name: String, models: [String], idleTimeout: Duration? = nil, wakeBudget: Duration = .seconds(480),
        wakeHardCap: Duration = .seconds(600), keepAliveInterval: Duration = .seconds(5), wake: WakeEntry? = nil,
        line: Int = 0
    ) {
        self.name = name
        self.models = models
        self.idleTimeout = idleTimeout
        self.wakeBudget = wakeBudget
        self.wakeHardCap = wakeHardCap
        self.keepAliveInterval = keepAliveInterval
        self.wake = wake
        self.line = line
    }
}
