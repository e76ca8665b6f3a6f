public import Logging
import Synchronization
import OpenAIWire

/// A group of models that wake together on demand and sleep when idle (scale to zero).
///
/// Requests call `acquire()` before running on one of the tier's models and release the lease
/// when they end. Concurrent callers share one wake; the hard cap fails them all at once.
public actor Tier {
    public nonisolated let name: String
    public nonisolated let settings: TierSettings
    public nonisolated let models: [String]
    private let waker: any TierWaker
    private let logger: Logger
    /// Told of every grant and release (the fleet's shared idle clock); `nil` on one machine.
    private let activity: (any TierActivityRecorder)?

    private var machine: TierStateMachine
    private var continuations: [Int: CheckedContinuation<TierLease, any Error>] = [:]
    private var sleepers: [CheckedContinuation<Void, Never>] = []
    private var nextWaiterID = 0
    private var wakeTask: Task<Void, Never>?
    private var wakeTimerTask: Task<Void, Never>?
    private var idleTask: Task<Void, Never>?
    private nonisolated let awake = Mutex(false)

    public init(
        name: String, models: [String], settings: TierSettings, waker: any TierWaker, logger: Logger,
        activity: (any TierActivityRecorder)? = nil
    ) {
        self.name = name
        self.activity = activity
        self.models = models
        self.settings = settings
        self.waker = waker
        var logger = logger
        logger[metadataKey: "tier.name"] = .string(name)
        self.logger = logger
        machine = TierStateMachine(idleTimeout: settings.idleTimeout, wakeBudget: settings.wakeBudget)
    }

    /// Whether the tier is awake now (a snapshot, readable without waiting for the actor):
    /// the server uses it to decide whether to send SSE headers and keep-alives before `acquire`.
    public nonisolated var isAwake: Bool { awake.withLock { $0 } }

    /// Returns a lease once the tier is awake, waking it when asleep; concurrent callers share
    /// one wake.
    /// - Throws: `FleetError.wakeTimeout` at the hard cap (every waiter at once; the wake is
    ///   abandoned and stopped, so the next request starts a fresh one); `FleetError.wakeFailed`
    ///   when the waker throws (every waiter at once); `CancellationError` when the caller is
    ///   cancelled (the wake goes on for the others).
    public func acquire() async throws -> TierLease {
        try Task.checkCancellation()
        guard !machine.isShutDown else { throw FleetError.wakeFailed(tier: name, reason: "the server is shutting down") }
        nextWaiterID += 1
        let waiter = TierStateMachine.Waiter(id: nextWaiterID, arrived: .now)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<TierLease, any Error>) in
                let (grantedNow, actions) = machine.acquire(waiter)
                if grantedNow {
                    continuation.resume(returning: makeLease(wakeDuration: nil))
                } else {
                    continuations[waiter.id] = continuation
                }
                run(actions)
            }
        } onCancel: {
            Task { await self.cancelWaiter(waiter.id) }
        }
    }

    /// Admin "sleep now": stops the tier and returns once it is asleep. Leases in flight are not
    /// waited for; the next request wakes it again. A wake in progress is abandoned.
    public func sleep() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            sleepers.append(continuation)
            run(machine.sleepRequested())
        }
    }

    /// The tier's state and wake statistics.
    public func status() -> TierStatus {
        TierStatus(
            name: name, state: machine.state, models: models, lastWake: machine.lastWake,
            lastWakeDuration: machine.lastWakeDuration, wakes: machine.wakes,
            wakeP50: machine.wakePercentile(0.5), wakeP90: machine.wakePercentile(0.9),
            wakeP99: machine.wakePercentile(0.99), budgetOverruns: machine.budgetOverruns,
            hardCapFailures: machine.hardCapFailures, wakeFailures: machine.wakeFailures, inFlight: machine.inFlight,
            idleTimeout: settings.idleTimeout, wakeBudget: settings.wakeBudget, wakeHardCap: settings.wakeHardCap)
    }

    /// Server exit: fails the waiters, stops whatever runs, and refuses later requests.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            sleepers.append(continuation)
            run(machine.shutdownRequested())
        }
    }

    // MARK: - Events

    private func cancelWaiter(_ id: Int) {
        run(machine.cancel(waiterID: id))
    }

    private func wakeFinished(id: Int, result: Result<Void, any Error>) {
        switch result {
        case .success:
            run(machine.wakeSucceeded(id: id, now: .now))
            if machine.state == .awake, let duration = machine.lastWakeDuration {
                logger.info("tier awake", metadata: ["tier.wake_s": .stringConvertible(duration.inSeconds)])
            }
        case .failure(let error):
            let reason =
                if case FleetError.wakeFailed(_, let reason) = error { reason } else { String(describing: error) }
            let failuresBefore = machine.wakeFailures
            run(machine.wakeFailed(id: id, reason: reason))
            if machine.wakeFailures > failuresBefore {
                logger.error("tier failed to wake", metadata: ["tier.reason": .string(reason)])
            }
        }
    }

    private func released() {
        activity?.served()
        run(machine.released())
    }

    private func idleTimerFired(generation: Int) {
        run(machine.idleTimerFired(generation: generation))
    }

    private func budgetPassed(id: Int) {
        run(machine.budgetPassed(id: id, now: .now))
    }

    private func hardCapReached(id: Int) {
        run(machine.hardCapReached(id: id, now: .now))
    }

    private func stopFinished() {
        run(machine.stopFinished(now: .now))
    }

    // MARK: - Actions

    private func run(_ actions: [TierStateMachine.Action]) {
        for action in actions {
            perform(action)
        }
        let isAwake = machine.state == .awake
        awake.withLock { $0 = isAwake }
    }

    private func perform(_ action: TierStateMachine.Action) {
        switch action {
        case .startWake(let id):
            startWake(id: id)
        case .cancelWake:
            wakeTask?.cancel()
            wakeTimerTask?.cancel()
            wakeTimerTask = nil
        case .cancelWakeTimers:
            wakeTimerTask?.cancel()
            wakeTimerTask = nil
        case .startStop:
            logger.info("tier going to sleep")
            let previousWake = wakeTask
            wakeTask = nil
            let exiting = machine.isShutDown
            Task { [waker] in
                // An abandoned wake ends first, so that nothing it started outlives the stop.
                await previousWake?.value
                if exiting { await waker.shutdown() } else { await waker.stop() }
                self.stopFinished()
            }
        case .grant(let waiters):
            let now = ContinuousClock.now
            for waiter in waiters {
                continuations.removeValue(forKey: waiter.id)?.resume(returning: makeLease(wakeDuration: now - waiter.arrived))
            }
        case .fail(let waiters, let failure):
            let error: any Error =
                switch failure {
                case .cancelled: CancellationError()
                case .timeout(let waited): FleetError.wakeTimeout(tier: name, waited: waited)
                case .failed(let reason): FleetError.wakeFailed(tier: name, reason: reason)
                }
            for waiter in waiters {
                continuations.removeValue(forKey: waiter.id)?.resume(throwing: error)
            }
            if case .timeout(let waited) = failure {
                logger.error(
                    "tier did not wake within its hard cap; the wake is stopped",
                    metadata: ["tier.waited_s": .stringConvertible(waited.inSeconds), "tier.waiters": .stringConvertible(waiters.count)])
            }
        case .startIdleTimer(let generation, let after):
            idleTask?.cancel()
            idleTask = Task {
                try? await Task.sleep(for: after)
                guard !Task.isCancelled else { return }
                self.idleTimerFired(generation: generation)
            }
        case .cancelIdleTimer:
            idleTask?.cancel()
            idleTask = nil
        case .warnBudget(let elapsed):
            logger.warning(
                "tier wake is taking longer than its budget",
                metadata: [
                    "tier.elapsed_s": .stringConvertible(elapsed.inSeconds),
                    "tier.budget_s": .stringConvertible(settings.wakeBudget.inSeconds),
                ])
        case .resumeSleepers:
            let resumed = sleepers
            sleepers = []
            for sleeper in resumed { sleeper.resume() }
        }
    }

    private func startWake(id: Int) {
        logger.info("tier waking")
        wakeTask = Task { [waker] in
            let result: Result<Void, any Error>
            do {
                try await waker.wake()
                result = .success(())
            } catch {
                result = .failure(error)
            }
            self.wakeFinished(id: id, result: result)
        }
        let budget = settings.wakeBudget
        let hardCap = settings.wakeHardCap
        wakeTimerTask = Task {
            if budget < hardCap {
                try? await Task.sleep(for: budget)
                guard !Task.isCancelled else { return }
                self.budgetPassed(id: id)
                try? await Task.sleep(for: hardCap - budget)
            } else {
                try? await Task.sleep(for: hardCap)
            }
            guard !Task.isCancelled else { return }
            self.hardCapReached(id: id)
        }
    }

    private func makeLease(wakeDuration: Duration?) -> TierLease {
        activity?.served()
        return TierLease(wakeDuration: wakeDuration) { [weak self] in
            guard let self else { return }
            Task { await self.released() }
        }
    }
}
