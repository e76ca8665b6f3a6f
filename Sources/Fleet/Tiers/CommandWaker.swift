public import AsyncHTTPClient
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Wakes a tier by running its `wake.command` (`/bin/sh -c`, in a process group of its own)
/// and polling `ready_url` until it answers 2xx; stops it with `wake.stop`, or SIGTERM to the
/// group and SIGKILL 10 s later.
///
/// The command's output goes to the server's stderr, each line prefixed `[tier NAME] `, and its
/// last lines are kept for the failure reason. A command that exits with a non-zero status
/// before it is ready fails the wake at once; one that exits with status 0 (it started a
/// daemon, as `docker start` does) leaves the wake polling until the tier's hard cap.
public final class CommandWaker: TierWaker {
    public let tierName: String
    public let wake: WakeEntry
    private let httpClient: HTTPClient
    private let logger: Logger
    private let echoOutput: Bool
    private let current = Mutex<RunningCommand?>(nil)
    /// How long the `stop` command, then the group after SIGTERM, get before SIGKILL.
    private static let stopGrace: Duration = .seconds(10)
    private static let pollInterval: Duration = .milliseconds(250)
    private static let pollTimeout: TimeAmount = .seconds(2)

    /// - Parameter echoOutput: pass the command's output to the server's stderr (tests turn it off).
    public init(tierName: String, wake: WakeEntry, httpClient: HTTPClient = .shared, logger: Logger, echoOutput: Bool = true) {
        self.tierName = tierName
        self.wake = wake
        self.httpClient = httpClient
        var logger = logger
        logger[metadataKey: "tier.name"] = .string(tierName)
        self.logger = logger
        self.echoOutput = echoOutput
    }

    /// The wake command and the guard that ends it if the server dies first.
    private struct RunningCommand {
        let child: ChildProcess
        let groupGuard: GroupGuard?
    }

    deinit {
        // Dropped without `stop()`: the guard runs the whole stop (stop command, then signals)
        // in the background; without one, the group is killed here.
        if let running = current.withLock({ $0 }) {
            if let groupGuard = running.groupGuard { groupGuard.abandon() } else { running.child.killNow() }
        }
    }

    /// The pid (and process group id) of the running wake command, if any.
    public var processID: Int32? { current.withLock { $0?.child.pid } }

    public func wake() async throws {
        // Whatever an earlier wake left running goes first.
        if current.withLock({ $0 }) != nil { await stop() }
        var child: ChildProcess?
        if let command = wake.command {
            do {
                child = try ChildProcess.spawn(
                    command: command, environment: wake.environment, outputPrefix: echoOutput ? "[tier \(tierName)] " : nil)
            } catch {
                throw FleetError.wakeFailed(tier: tierName, reason: error.description)
            }
            if let child {
                let groupGuard: GroupGuard?
                do {
                    groupGuard = try GroupGuard.start(watching: child.pid, stopCommand: wake.stop, environment: wake.environment)
                } catch {
                    // The tier still works; only a crash of the server would leave it running.
                    logger.warning("cannot guard the wake command", metadata: ["tier.error": .string(error.description)])
                    groupGuard = nil
                }
                current.withLock { $0 = RunningCommand(child: child, groupGuard: groupGuard) }
            }
            logger.info("wake command started", metadata: ["tier.pid": .stringConvertible(child?.pid ?? 0)])
        }
        guard let readyURL = wake.readyURL else { return }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            if let child {
                group.addTask { [tierName] in
                    let status = try await child.waitForExit()
                    if status == .exited(0) { return false }  // it may have started a daemon: keep polling
                    // The output threads may still be reading its last words.
                    await child.waitForOutput(within: .seconds(2))
                    let detail = child.lastErrorLine.map { ": \($0)" } ?? ""
                    let what = if case .signalled = status { "was killed by \(status)" } else { "exited with \(status)" }
                    throw FleetError.wakeFailed(tier: tierName, reason: "wake command \(what)\(detail)")
                }
            }
            group.addTask { [self] in
                try await pollUntilReady(readyURL)
                return true
            }
            while let ready = try await group.next() {
                if ready {
                    group.cancelAll()
                    return
                }
            }
        }
    }

    public func stop() async {
        guard let running = current.withLock({ process in defer { process = nil }; return process }) else { return }
        let child = running.child
        defer { running.groupGuard?.release() }
        if let stopCommand = wake.stop {
            logger.info("running the stop command")
            do {
                let stopper = try ChildProcess.spawn(
                    command: stopCommand, environment: wake.environment, outputPrefix: echoOutput ? "[tier \(tierName) stop] " : nil)
                let deadline = ContinuousClock.now + Self.stopGrace * 3
                while stopper.exitStatus == nil && ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .milliseconds(50))
                }
                await stopper.terminate(grace: .seconds(1))
                if let status = stopper.exitStatus, status != .exited(0) {
                    logger.warning(
                        "stop command failed", metadata: ["tier.status": .string(status.description), "tier.output": .string(stopper.lastErrorLine ?? "")])
                }
            } catch {
                logger.warning("cannot run the stop command", metadata: ["tier.error": .string(error.description)])
            }
            // The stop command asked it to end: give it the grace period before any signal.
            let deadline = ContinuousClock.now + Self.stopGrace
            while (child.exitStatus == nil || child.isGroupAlive) && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        await child.terminate(grace: Self.stopGrace)
        logger.info("wake command stopped", metadata: ["tier.pid": .stringConvertible(child.pid)])
    }

    /// GETs `url` every 250 ms until it answers 2xx; throws only when cancelled.
    private func pollUntilReady(_ url: String) async throws {
        while true {
            try Task.checkCancellation()
            if await isReady(url) { return }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    func isReady(_ url: String) async -> Bool {
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            let response = try await httpClient.execute(request, timeout: Self.pollTimeout)
            _ = try? await response.body.collect(upTo: 1 << 20)
            return (200..<300).contains(response.status.code)
        } catch {
            return false
        }
    }
}
