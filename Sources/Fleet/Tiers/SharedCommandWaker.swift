import Foundation
public import Logging
import Synchronization

/// A tier's wake command shared by replicas over one database: one wake for the whole fleet.
///
/// Waking: when `ready_url` already answers (another replica's command is up), the tier is
/// awake at once. Otherwise the replica that claims the tier's wake (`TierCoordination`) runs
/// the command as `CommandWaker` does; the others poll `ready_url` (every 250 ms, retrying the
/// claim, so that a claim freed by a replica that died is taken over) until it answers. Each
/// replica's own tier keeps its wake budget, hard cap and 504 while it waits.
///
/// Sleeping: replicas that only waited have nothing to stop. The replica that runs the command
/// stops it only once no replica has served the tier for `idle_timeout` (the shared clock of
/// `recordServed`): until then it waits in the background, and a request in the meantime
/// keeps the command running. At server exit it stops at once.
///
/// When the database cannot be reached, a replica wakes the tier by itself (serving matters
/// more than a second start) and says so in the log.
public final class SharedCommandWaker: TierWaker, TierActivityRecorder {
    public let tierName: String
    public let inner: CommandWaker
    let coordination: any TierCoordination
    let idleTimeout: Duration?
    let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var claim: TierWakeClaim?
        /// This replica started the command (with or without a claim).
        var runsCommand = false
        /// Its command answered `ready_url`.
        var commandReady = false
        var deferredStop: Task<Void, Never>?
        var lastRecorded: ContinuousClock.Instant?
    }

    static let pollInterval: Duration = .milliseconds(250)

    public init(inner: CommandWaker, coordination: any TierCoordination, idleTimeout: Duration?, logger: Logger) {
        self.tierName = inner.tierName
        self.inner = inner
        self.coordination = coordination
        self.idleTimeout = idleTimeout
        var logger = logger
        logger[metadataKey: "tier.name"] = .string(inner.tierName)
        self.logger = logger
    }

    public func wake() async throws {
        state.withLock { $0.deferredStop?.cancel(); $0.deferredStop = nil }
        guard let readyURL = inner.wake.readyURL else { return try await inner.wake() }
        while true {
            try Task.checkCancellation()
            if await inner.isReady(readyURL) {
                served()
                return
            }
            if state.withLock({ $0.claim != nil }) {
                // This replica holds the wake already, and its command is not answering: start it again.
                try await runCommand(claim: nil)
                return
            }
            let claim: TierWakeClaim?
            do {
                claim = try await coordination.claimWake(tier: tierName)
            } catch {
                logger.warning(
                    "cannot coordinate the wake with other replicas; waking here", metadata: ["tier.error": .string("\(error)")])
                try await runCommand(claim: nil)
                return
            }
            if let claim {
                try await runCommand(claim: claim)
                return
            }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    /// Runs the command, under `claim` when new; the claim stays held while the command runs.
    private func runCommand(claim: TierWakeClaim?) async throws {
        state.withLock { state in
            if let claim { state.claim = claim }
            state.runsCommand = true
            state.commandReady = false
        }
        logger.info("this replica runs the tier's wake command")
        try await inner.wake()
        state.withLock { $0.commandReady = true }
        served()
    }

    public func stop() async {
        let (runs, ready) = state.withLock { ($0.runsCommand, $0.commandReady) }
        guard runs else { return }
        guard ready, let idleTimeout else { return await stopNow() }
        let task = Task { [self] in
            while !Task.isCancelled {
                let idle: Duration?
                do {
                    idle = try await coordination.idleTime(tier: tierName)
                } catch {
                    idle = nil  // the database is down: this replica's own idle timer decides
                }
                let remaining = idleTimeout - (idle ?? idleTimeout)
                if remaining <= .zero {
                    await stopNow()
                    return
                }
                logger.info(
                    "another replica served the tier recently; its command keeps running",
                    metadata: ["tier.idle_s": .stringConvertible((idle ?? .zero).components.seconds)])
                try? await Task.sleep(for: remaining)
            }
        }
        state.withLock { $0.deferredStop?.cancel(); $0.deferredStop = task }
    }

    public func shutdown() async {
        let deferred = state.withLock { state in
            defer { state.deferredStop = nil }
            return state.deferredStop
        }
        deferred?.cancel()
        await stopNow()
    }

    private func stopNow() async {
        let claim = state.withLock { state in
            defer {
                state.claim = nil
                state.runsCommand = false
                state.commandReady = false
            }
            return state.claim
        }
        await inner.stop()
        await claim?.release()
    }

    /// Stamps the shared idle clock, at most every tenth of the idle timeout (and 5 s).
    public func served() {
        let interval = min((idleTimeout ?? .seconds(50)) / 10, .seconds(5))
        let now = ContinuousClock.now
        let due = state.withLock { state in
            if let last = state.lastRecorded, now - last < interval { return false }
            state.lastRecorded = now
            return true
        }
        guard due else { return }
        Task { [coordination, tierName, logger] in
            do {
                try await coordination.recordServed(tier: tierName)
            } catch {
                logger.debug("cannot record tier activity", metadata: ["tier.error": .string("\(error)")])
            }
        }
    }
}
