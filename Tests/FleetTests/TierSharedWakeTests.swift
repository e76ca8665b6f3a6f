import Fleet
import Foundation
import Synchronization
import Testing

/// `SharedCommandWaker` over an in-memory `TierCoordination` (the PostgreSQL one is exercised
/// by Tests/Live/test_fleet_tiers.py): replicas waking together start the command once, the
/// others wait for its `ready_url`, and the runner stops it only when the fleet is idle.
@Suite struct TierSharedWakeTests {
    /// One database's worth of coordination, shared by the "replicas" of a test.
    final class MemoryCoordination: TierCoordination {
        private let state = Mutex<(holder: Bool, lastServed: ContinuousClock.Instant?)>((false, nil))

        func claimWake(tier: String) async throws(AccountsError) -> TierWakeClaim? {
            let won = state.withLock { state in
                defer { state.holder = true }
                return !state.holder
            }
            guard won else { return nil }
            return TierWakeClaim { self.state.withLock { $0.holder = false } }
        }

        func recordServed(tier: String) async throws(AccountsError) {
            state.withLock { $0.lastServed = .now }
        }

        func idleTime(tier: String) async throws(AccountsError) -> Duration? {
            state.withLock { $0.lastServed.map { ContinuousClock.now - $0 } }
        }

        var held: Bool { state.withLock { $0.holder } }
    }

    private func replicas(
        _ count: Int, port: Int, startsFile: String, coordination: MemoryCoordination, idleTimeout: Duration?
    ) -> [SharedCommandWaker] {
        let wake = WakeEntry(
            command: "echo started >> \(startsFile); exec python3 -m http.server \(port) --bind 127.0.0.1",
            readyURL: "http://127.0.0.1:\(port)/")
        return (0..<count).map { _ in
            SharedCommandWaker(
                inner: CommandWaker(tierName: "shared", wake: wake, logger: TierTestSupport.logger, echoOutput: false),
                coordination: coordination, idleTimeout: idleTimeout, logger: TierTestSupport.logger)
        }
    }

    private func starts(_ file: String) -> Int {
        ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test func replicasWakingTogetherStartTheCommandOnce() async throws {
        let directory = try TierTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("starts").path
        let coordination = MemoryCoordination()
        let wakers = replicas(3, port: TierTestSupport.freePort(), startsFile: file, coordination: coordination, idleTimeout: nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for waker in wakers { group.addTask { try await waker.wake() } }
            try await group.waitForAll()
        }
        #expect(starts(file) == 1)
        #expect(wakers.filter { $0.inner.processID != nil }.count == 1)
        #expect(coordination.held)
        // Replicas that only waited have nothing to stop; the runner's stop ends it and frees the claim.
        for waker in wakers { await waker.shutdown() }
        #expect(!coordination.held)
        #expect(wakers.allSatisfy { $0.inner.processID == nil })
    }

    @Test func theRunnerKeepsTheCommandWhileAnotherReplicaServes() async throws {
        let directory = try TierTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("starts").path
        let coordination = MemoryCoordination()
        let wakers = replicas(2, port: TierTestSupport.freePort(), startsFile: file, coordination: coordination, idleTimeout: .seconds(600))
        try await wakers[0].wake()
        try await wakers[1].wake()
        let runner = try #require(wakers.first { $0.inner.processID != nil })
        let pid = try #require(runner.inner.processID)
        // The runner's own tier went idle, but the fleet served it just now: the command stays.
        try await coordination.recordServed(tier: "shared")
        await runner.stop()
        #expect(TierTestSupport.isRunning(pid))
        #expect(coordination.held)
        // A wake in the meantime finds it ready, without a second start.
        try await runner.wake()
        #expect(starts(file) == 1)
        await runner.shutdown()
        #expect(await TierTestSupport.eventually { !TierTestSupport.isRunning(pid) })
        #expect(!coordination.held)
    }
}
