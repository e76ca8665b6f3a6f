import Fleet
import Foundation
import Testing

/// The tier's wake/sleep state machine, driven by a scripted waker. Timings are generous
/// (the suite runs in parallel on two loaded cores): only orderings and counts are asserted.
@Suite struct TierTests {
    @Test func concurrentAcquiresShareOneWake() async throws {
        let waker = ScriptedWaker([.gate])
        let tier = TierTestSupport.tier(waker)
        #expect(!tier.isAwake)
        let leases = try await withThrowingTaskGroup(of: TierLease.self) { group in
            for _ in 0..<5 { group.addTask { try await tier.acquire() } }
            // Every caller waits on the one wake before it is let through.
            #expect(await TierTestSupport.eventually { await tier.status().state == .waking })
            try await Task.sleep(for: .milliseconds(200))
            #expect(waker.wakes == 1)
            waker.open()
            var leases: [TierLease] = []
            for try await lease in group { leases.append(lease) }
            return leases
        }
        #expect(leases.count == 5)
        #expect(leases.allSatisfy { $0.wakeDuration != nil })
        #expect(waker.wakes == 1)
        #expect(tier.isAwake)
        var status = await tier.status()
        #expect(status.state == .awake)
        #expect(status.wakes == 1)
        #expect(status.inFlight == 5)
        #expect(status.wakeP50 != nil && status.lastWake != nil)

        // Once awake, callers go straight through.
        let next = try await tier.acquire()
        #expect(next.wakeDuration == nil)
        #expect(waker.wakes == 1)
        for lease in leases + [next] {
            lease.release()
            lease.release()  // idempotent
        }
        #expect(await TierTestSupport.eventually { await tier.status().inFlight == 0 })
        status = await tier.status()
        #expect(status.state == .awake, "without an idle timeout it never sleeps")
    }

    @Test func idleTimeoutPutsItToSleepAndTheNextAcquireWakesAgain() async throws {
        let waker = ScriptedWaker([.succeed(after: .milliseconds(10))])
        let tier = TierTestSupport.tier(waker, idleTimeout: .milliseconds(300))
        let lease = try await tier.acquire()
        #expect(lease.wakeDuration != nil)
        lease.release()
        #expect(await TierTestSupport.eventually { await tier.status().state == .asleep })
        #expect(waker.stops == 1)
        #expect(!tier.isAwake)

        let again = try await tier.acquire()
        #expect(again.wakeDuration != nil)
        #expect(waker.wakes == 2)
        again.release()
        #expect(await TierTestSupport.eventually { await tier.status().state == .asleep })
        #expect(await tier.status().wakes == 2)
    }

    @Test func aHeldLeaseKeepsTheTierAwake() async throws {
        let waker = ScriptedWaker([.succeed(after: .zero)])
        let tier = TierTestSupport.tier(waker, idleTimeout: .milliseconds(100))
        let long = try await tier.acquire()
        let short = try await tier.acquire()
        short.release()
        // Ten idle timeouts pass while the long generation holds its lease.
        try await Task.sleep(for: .seconds(1))
        #expect(await tier.status().state == .awake)
        #expect(waker.stops == 0)
        long.release()
        #expect(await TierTestSupport.eventually { await tier.status().state == .asleep })
        #expect(waker.stops == 1)
    }

    @Test func theHardCapFailsEveryWaiterAtOnceAndTheNextAcquireStartsAFreshWake() async throws {
        let waker = ScriptedWaker([.succeed(after: .seconds(3600)), .succeed(after: .milliseconds(10))])
        let tier = TierTestSupport.tier(waker, budget: .milliseconds(300), hardCap: .milliseconds(800))
        let outcomes = await withTaskGroup(of: (FleetError?, ContinuousClock.Instant).self) { group in
            for _ in 0..<3 {
                group.addTask {
                    do {
                        _ = try await tier.acquire()
                        return (nil, .now)
                    } catch {
                        return (error as? FleetError, .now)
                    }
                }
            }
            var outcomes: [(FleetError?, ContinuousClock.Instant)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        #expect(outcomes.count == 3)
        for (error, _) in outcomes {
            guard case .wakeTimeout(let tierName, let waited) = error else {
                Issue.record("expected wakeTimeout, got \(String(describing: error))")
                continue
            }
            #expect(tierName == "t")
            #expect(waited >= .milliseconds(800))
        }
        // Failed together (one event fails them all), not one by one.
        let times = outcomes.map(\.1)
        if let first = times.min(), let last = times.max() { #expect(last - first < .seconds(2)) }

        // The abandoned wake is cancelled and stopped.
        #expect(await TierTestSupport.eventually { await tier.status().state == .asleep })
        #expect(waker.cancelledWakes == 1)
        #expect(waker.stops == 1)
        let status = await tier.status()
        #expect(status.hardCapFailures == 1)
        #expect(status.budgetOverruns == 1)
        #expect(status.wakes == 0)

        let lease = try await tier.acquire()
        #expect(waker.wakes == 2)
        #expect(lease.wakeDuration != nil)
        #expect(await tier.status().wakes == 1)
    }

    @Test func aFailingWakerFailsEveryWaiterWithItsReason() async throws {
        let waker = ScriptedWaker([.fail("the GPU is on fire", after: .milliseconds(200)), .succeed(after: .zero)])
        let tier = TierTestSupport.tier(waker)
        let errors = await withTaskGroup(of: (any Error)?.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do {
                        _ = try await tier.acquire()
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var errors: [(any Error)?] = []
            for await error in group { errors.append(error) }
            return errors
        }
        #expect(errors.count == 4)
        for error in errors {
            #expect(error as? FleetError == .wakeFailed(tier: "t", reason: "the GPU is on fire"))
        }
        #expect(await TierTestSupport.eventually { await tier.status().state == .asleep })
        #expect(waker.stops == 1, "what a failed wake started is stopped")
        #expect(await tier.status().wakeFailures == 1)

        _ = try await tier.acquire()
        #expect(waker.wakes == 2)
    }

    @Test func cancellingOneWaiterLeavesTheWakeToTheOthers() async throws {
        let waker = ScriptedWaker([.gate])
        let tier = TierTestSupport.tier(waker)
        let cancelled = Task { try await tier.acquire() }
        let patient = Task { try await tier.acquire() }
        #expect(await TierTestSupport.eventually { await tier.status().state == .waking })
        try await Task.sleep(for: .milliseconds(100))
        cancelled.cancel()
        let result = await cancelled.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(await tier.status().state == .waking)
        #expect(waker.cancelledWakes == 0)

        waker.open()
        let lease = try await patient.value
        #expect(lease.wakeDuration != nil)
        #expect(waker.wakes == 1)
        #expect(await tier.status().inFlight == 1, "the cancelled caller holds no lease")
    }

    @Test func aCallerCancelledBeforeAcquiringIsRefused() async throws {
        let waker = ScriptedWaker([.gate])
        let tier = TierTestSupport.tier(waker)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await tier.acquire()
        }
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(waker.wakes == 0)
    }

    @Test func aSlowWakeIsCountedAsABudgetOverrunOnce() async throws {
        let waker = ScriptedWaker([.succeed(after: .milliseconds(700))])
        let tier = TierTestSupport.tier(waker, budget: .milliseconds(100), hardCap: .seconds(120))
        let lease = try await tier.acquire()
        let status = await tier.status()
        #expect(status.budgetOverruns == 1)
        #expect(status.wakes == 1)
        #expect(status.hardCapFailures == 0)
        #expect((status.lastWakeDuration ?? .zero) >= .milliseconds(700))
        #expect((lease.wakeDuration ?? .zero) >= .milliseconds(700))
    }

    @Test func sleepStopsAnAwakeTierAndTheNextRequestWakesIt() async throws {
        let waker = ScriptedWaker([.succeed(after: .zero)])
        let tier = TierTestSupport.tier(waker)
        let lease = try await tier.acquire()
        await tier.sleep()
        #expect(await tier.status().state == .asleep)
        #expect(!tier.isAwake)
        #expect(waker.stops == 1)
        lease.release()  // a request that was running when it was put to sleep
        await tier.sleep()  // already asleep: returns at once
        #expect(waker.stops == 1)
        _ = try await tier.acquire()
        #expect(waker.wakes == 2)
        #expect(tier.isAwake)
    }

    @Test func sleepDuringAWakeAbandonsItAndFailsItsWaiters() async throws {
        let waker = ScriptedWaker([.succeed(after: .seconds(3600)), .succeed(after: .zero)])
        let tier = TierTestSupport.tier(waker)
        let waiting = Task { try await tier.acquire() }
        #expect(await TierTestSupport.eventually { await tier.status().state == .waking })
        #expect(!tier.isAwake)
        await tier.sleep()
        #expect(await tier.status().state == .asleep)
        let result = await waiting.result
        #expect(throws: FleetError.wakeFailed(tier: "t", reason: "the tier was put to sleep while waking")) { try result.get() }
        #expect(waker.cancelledWakes == 1)
        #expect(waker.stops == 1)
        _ = try await tier.acquire()
        #expect(tier.isAwake)
        #expect(waker.wakes == 2)
    }

    @Test func shutdownStopsTheWakerAndRefusesLaterRequests() async throws {
        let waker = ScriptedWaker([.gate])
        let tier = TierTestSupport.tier(waker)
        let waiting = Task { try await tier.acquire() }
        #expect(await TierTestSupport.eventually { await tier.status().state == .waking })
        await tier.shutdown()
        let result = await waiting.result
        #expect(throws: FleetError.self) { try result.get() }
        #expect(waker.stops == 1)
        await #expect(throws: FleetError.self) { try await tier.acquire() }
    }

    @Test func statusReportsWakePercentiles() async throws {
        let waker = ScriptedWaker([.succeed(after: .milliseconds(50))])
        let tier = TierTestSupport.tier(waker)
        for _ in 0..<3 {
            let lease = try await tier.acquire()
            lease.release()
            await tier.sleep()
        }
        let status = await tier.status()
        #expect(status.wakes == 3)
        let p50 = try #require(status.wakeP50)
        let p99 = try #require(status.wakeP99)
        #expect(p50 >= .milliseconds(50))
        #expect(p99 >= p50)
        #expect(status.name == "t" && status.models == ["m"])
        #expect(status.wakeHardCap == .seconds(240))
    }
}
