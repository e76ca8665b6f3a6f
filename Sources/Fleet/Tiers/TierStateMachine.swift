import Foundation

/// The tier's state and counters as a value: each event returns the actions the `Tier` actor
/// must carry out (start or cancel a wake, run the stop, resume waiters), so every transition
/// is in one place and none of them suspends.
struct TierStateMachine {
    enum Phase: Equatable {
        case asleep
        case waking(id: Int, started: ContinuousClock.Instant)
        case awake
        case stopping
    }

    struct Waiter: Equatable {
        var id: Int
        var arrived: ContinuousClock.Instant
    }

    enum Failure: Equatable {
        case timeout(waited: Duration)
        case failed(reason: String)
        case cancelled
    }

    enum Action: Equatable {
        /// Run the waker's `wake()` (and the budget and hard-cap timers) for wake `id`.
        case startWake(id: Int)
        /// Cancel the running wake and its timers (the stop that follows waits for it to end).
        case cancelWake
        /// Cancel the budget/hard-cap timers of a wake that ended.
        case cancelWakeTimers
        /// Run the waker's `stop()`, then report `stopFinished()`.
        case startStop
        /// Give each waiter a lease (already counted in flight).
        case grant([Waiter])
        case fail([Waiter], Failure)
        case startIdleTimer(generation: Int, after: Duration)
        case cancelIdleTimer
        case warnBudget(elapsed: Duration)
        /// Resume the callers of `sleep()` and `shutdown()` waiting for a stop.
        case resumeSleepers
    }

    let idleTimeout: Duration?
    /// Past this a wake counts as a budget overrun (nil: no budget).
    let wakeBudget: Duration?
    private(set) var phase = Phase.asleep
    private(set) var waiters: [Waiter] = []
    private(set) var inFlight = 0
    private(set) var isShutDown = false
    private var nextWakeID = 0
    /// The wake whose overrun is already counted: the budget timer and a late success must
    /// not count the same wake twice, and a success must count one the timer never reported
    /// (under load the timer can fire after the wake it guards has ended).
    private var overrunCountedForWake: Int?
    private var idleGeneration = 0

    // Counters for `status()`.
    private(set) var wakes = 0
    private(set) var budgetOverruns = 0
    private(set) var hardCapFailures = 0
    private(set) var wakeFailures = 0
    private(set) var lastWake: Date?
    private(set) var lastWakeDuration: Duration?
    /// The last `keptDurations` successful wake durations, oldest first.
    private(set) var recentWakeDurations: [Duration] = []
    static let keptDurations = 100

    init(idleTimeout: Duration?, wakeBudget: Duration? = nil) {
        self.idleTimeout = idleTimeout
        self.wakeBudget = wakeBudget
    }

    var state: TierState {
        switch phase {
        case .asleep: .asleep
        case .waking: .waking
        case .awake: .awake
        case .stopping: .stopping
        }
    }

    /// A caller wants the tier: `true` when it may go ahead now (counted in flight), else it waits.
    mutating func acquire(_ waiter: Waiter) -> (grantedNow: Bool, actions: [Action]) {
        switch phase {
        case .awake:
            inFlight += 1
            idleGeneration += 1
            return (true, [.cancelIdleTimer])
        case .asleep:
            waiters.append(waiter)
            return (false, beginWake(at: waiter.arrived))
        case .waking, .stopping:
            // While stopping, the waiters wait for the stop to end and a fresh wake.
            waiters.append(waiter)
            return (false, [])
        }
    }

    mutating func cancel(waiterID: Int) -> [Action] {
        guard let index = waiters.firstIndex(where: { $0.id == waiterID }) else { return [] }
        let waiter = waiters.remove(at: index)
        return [.fail([waiter], .cancelled)]
    }

    mutating func wakeSucceeded(id: Int, now: ContinuousClock.Instant) -> [Action] {
        guard case .waking(id, let started) = phase else { return [] }
        let duration = now - started
        var actions: [Action] = [.cancelWakeTimers]
        if let wakeBudget, duration > wakeBudget, overrunCountedForWake != id {
            overrunCountedForWake = id
            budgetOverruns += 1
            actions.append(.warnBudget(elapsed: duration))
        }
        phase = .awake
        wakes += 1
        lastWake = Date()
        lastWakeDuration = duration
        recentWakeDurations.append(duration)
        if recentWakeDurations.count > Self.keptDurations { recentWakeDurations.removeFirst() }
        let granted = waiters
        waiters = []
        inFlight += granted.count
        actions.append(.grant(granted))
        actions += idleTimerIfIdle()
        return actions
    }

    mutating func wakeFailed(id: Int, reason: String) -> [Action] {
        guard case .waking(id, _) = phase else { return [] }
        wakeFailures += 1
        phase = .stopping
        let failed = waiters
        waiters = []
        return [.cancelWakeTimers, .fail(failed, .failed(reason: reason)), .startStop]
    }

    mutating func budgetPassed(id: Int, now: ContinuousClock.Instant) -> [Action] {
        guard case .waking(id, let started) = phase, overrunCountedForWake != id else { return [] }
        overrunCountedForWake = id
        budgetOverruns += 1
        return [.warnBudget(elapsed: now - started)]
    }

    mutating func hardCapReached(id: Int, now: ContinuousClock.Instant) -> [Action] {
        guard case .waking(id, let started) = phase else { return [] }
        hardCapFailures += 1
        phase = .stopping
        let failed = waiters
        waiters = []
        return [.cancelWake, .fail(failed, .timeout(waited: now - started)), .startStop]
    }

    mutating func released() -> [Action] {
        inFlight = max(0, inFlight - 1)
        return idleTimerIfIdle()
    }

    mutating func idleTimerFired(generation: Int) -> [Action] {
        guard phase == .awake, inFlight == 0, generation == idleGeneration else { return [] }
        phase = .stopping
        return [.startStop]
    }

    /// The admin's "sleep now": an awake tier stops (leases in flight are not waited for);
    /// a wake in progress is abandoned and its waiters fail.
    mutating func sleepRequested() -> [Action] {
        switch phase {
        case .asleep, .stopping:
            return phase == .asleep ? [.resumeSleepers] : []
        case .awake:
            idleGeneration += 1
            phase = .stopping
            return [.cancelIdleTimer, .startStop]
        case .waking:
            phase = .stopping
            let failed = waiters
            waiters = []
            return [.cancelWake, .fail(failed, .failed(reason: "the tier was put to sleep while waking")), .startStop]
        }
    }

    /// Server exit: every waiter fails, whatever runs is stopped, and no wake starts again.
    mutating func shutdownRequested() -> [Action] {
        isShutDown = true
        let failed = waiters
        waiters = []
        var actions: [Action] = [.fail(failed, .failed(reason: "the server is shutting down"))]
        switch phase {
        case .stopping:
            break
        case .waking:
            phase = .stopping
            actions += [.cancelWake, .startStop]
        case .awake, .asleep:
            // Stopped even when asleep: stopping is idempotent, and nothing may outlive the server.
            idleGeneration += 1
            phase = .stopping
            actions += [.cancelIdleTimer, .startStop]
        }
        return actions
    }

    mutating func stopFinished(now: ContinuousClock.Instant) -> [Action] {
        guard phase == .stopping else { return [] }
        phase = .asleep
        var actions: [Action] = [.resumeSleepers]
        if !waiters.isEmpty && !isShutDown {
            actions += beginWake(at: now)
        }
        return actions
    }

    private mutating func beginWake(at now: ContinuousClock.Instant) -> [Action] {
        nextWakeID += 1
        phase = .waking(id: nextWakeID, started: now)
        return [.startWake(id: nextWakeID)]
    }

    private mutating func idleTimerIfIdle() -> [Action] {
        guard phase == .awake, inFlight == 0, let idleTimeout else { return [] }
        idleGeneration += 1
        return [.startIdleTimer(generation: idleGeneration, after: idleTimeout)]
    }

    /// Nearest-rank percentile of the recent wake durations.
    func wakePercentile(_ fraction: Double) -> Duration? {
        guard !recentWakeDurations.isEmpty else { return nil }
        let sorted = recentWakeDurations.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
