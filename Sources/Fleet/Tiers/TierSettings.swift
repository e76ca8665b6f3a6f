/// A tier's timing, from its configuration entry.
public struct TierSettings: Sendable, Equatable {
    /// Asleep this long after the last lease is released; nil never sleeps.
    public var idleTimeout: Duration?
    /// A wake slower than this logs a warning and counts as an overrun.
    public var wakeBudget: Duration
    /// A wake still not ready after this fails every waiter and is stopped.
    public var wakeHardCap: Duration
    /// The SSE comment period while a streamed request waits for the wake.
    public var keepAliveInterval: Duration

    public init(
        idleTimeout: Duration? = nil, wakeBudget: Duration = .seconds(480), wakeHardCap: Duration = .seconds(600),
        keepAliveInterval: Duration = .seconds(5)
    ) {
        self.idleTimeout = idleTimeout
        self.wakeBudget = wakeBudget
        self.wakeHardCap = wakeHardCap
        self.keepAliveInterval = keepAliveInterval
    }

    public init(_ entry: TierEntry) {
        self.init(
            idleTimeout: entry.idleTimeout, wakeBudget: entry.wakeBudget, wakeHardCap: entry.wakeHardCap,
            keepAliveInterval: entry.keepAliveInterval)
    }
}
