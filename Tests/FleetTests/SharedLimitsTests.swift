import Fleet
import Foundation
import Logging
import Testing
import OpenAIWire

@Suite struct RateBucketStoreTests {
    private static func key(_ id: String, rpm: Int? = nil, tpm: Int? = nil) -> APIKey {
        APIKey(id: id, name: id, prefix: "sy-test", requestsPerMinute: rpm, tokensPerMinute: tpm, createdAt: Date())
    }

    @Test(arguments: StoreEngine.available) func arrivalsTakeRequestsUntilTheBucketIsEmpty(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let spend = BucketSpend(keyID: "key_a", requestsPerMinute: 3, tokensPerMinute: nil, arrivalEstimate: 10)
            var admitted: [Bool] = []
            for _ in 0..<4 { admitted.append(try await scratch.store.spend(spend).admitted) }
            #expect(admitted == [true, true, true, false])
            let levels = try await scratch.store.spend(spend)
            #expect(!levels.admitted)
            #expect(try #require(levels.requests) < 1)
            #expect(levels.tokens == nil)
        }
    }

    @Test(arguments: StoreEngine.available) func tokensAreCheckedReservedAndGivenBack(engine: StoreEngine) async throws {
        // tpm 60 refills one token a second: the bounds below allow for the time the test takes, and
        // for the stores' whole-millisecond clock (each refill's interval may read up to 1 ms long,
        // 0.001 tokens here; on a fast run that is more than the whole elapsed time).
        let clockGrain = 0.002
        try await StoreScratch.with(engine) { scratch in
            let store = scratch.store
            let started = ContinuousClock.now
            func spend(estimate: Int? = nil, tokens: Int = 0) async throws -> BucketLevels {
                try await store.spend(BucketSpend(
                    keyID: "key_t", requestsPerMinute: nil, tokensPerMinute: 60, arrivalEstimate: estimate, tokens: tokens))
            }
            func elapsed() -> Double { (ContinuousClock.now - started).inSeconds }
            #expect(try await spend(estimate: 61).admitted == false, "more than the whole limit never passes")
            #expect(try await spend(estimate: 50).admitted)
            let reserved = try #require(try await spend(tokens: 50).tokens)
            #expect(reserved >= 10 - clockGrain && reserved <= 10 + elapsed() + clockGrain)
            let settled = try #require(try await spend(tokens: -30).tokens)
            #expect(settled >= reserved + 30 - clockGrain && settled <= reserved + 30 + elapsed() + clockGrain)
            let overrun = try #require(try await spend(tokens: 200).tokens)
            #expect(overrun < 0, "the token bucket goes into debt")
            #expect(try await spend(estimate: 1).admitted == false || elapsed() > 100)
            let capped = try await spend(tokens: -100_000)
            #expect(capped.tokens == 60, "giving back never passes the limit")
        }
    }

    @Test(arguments: StoreEngine.available) func bucketsSurviveAReopen(engine: StoreEngine) async throws {
        try await StoreScratch.with(engine) { scratch in
            let spend = BucketSpend(keyID: "key_r", requestsPerMinute: 2, tokensPerMinute: nil, arrivalEstimate: 0)
            #expect(try await scratch.store.spend(spend).admitted)
            #expect(try await scratch.store.spend(spend).admitted)
            let again = try await scratch.reopen()
            #expect(try await again.spend(spend).admitted == false, "a restart does not refill the bucket")
            await again.close()
        }
    }

    @Test(arguments: StoreEngine.available) func threeReplicasShareOneBudget(engine: StoreEngine) async throws {
        // 300 requests spread evenly over three replicas, 20 at a time: rpm 60 admits 60, plus what
        // refills (one a second) while they run.
        try await StoreScratch.with(engine) { scratch in
            let handles = [scratch.store, try await scratch.reopen(), try await scratch.reopen()]
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let limiters = handles.map { SharedRateLimiter(store: $0, logger: logger) }
            let key = Self.key("key_shared", rpm: 60)
            let started = ContinuousClock.now
            let admitted = try await withThrowingTaskGroup(of: Int.self) { group in
                for lane in 0..<20 {
                    group.addTask {
                        var count = 0
                        for index in 0..<15 {
                            let limiter = limiters[(lane * 15 + index) % 3]
                            if await limiter.admitArrival(key: key, estimatedTokens: 1).isAllowed { count += 1 }
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            let seconds = (ContinuousClock.now - started).inSeconds
            #expect(admitted >= 59 && Double(admitted) <= 60 + seconds + 1, "admitted \(admitted) in \(seconds) s")
            // The replicas' headers come from the shared row: one arrival on each in turn reports the
            // same remaining requests, give or take what refilled between them (one a second).
            var remaining: [Int] = []
            for limiter in limiters {
                let decision = await limiter.admitArrival(key: key, estimatedTokens: 1)
                remaining.append(try #require(decision.status?.remainingRequests))
                #expect(limiter.currentStatus(for: key)?.remainingRequests == decision.status?.remainingRequests)
            }
            #expect(try #require(remaining.max()) - (try #require(remaining.min())) <= 1, "\(remaining)")
            #expect(limiters.allSatisfy { $0.storeFailures == 0 })
            for handle in handles.dropFirst() { await handle.close() }
        }
    }

    @Test func aFailingStoreFallsBackToTheReplicasOwnLimits() async throws {
        let scratch = try await StoreScratch.make(.sqlite)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let limiter = SharedRateLimiter(store: scratch.store, logger: logger)
        await scratch.store.close()  // every spend now fails
        let key = Self.key("key_down", rpm: 2)
        var results: [Bool] = []
        for _ in 0..<3 { results.append(await limiter.admitArrival(key: key, estimatedTokens: 1).isAllowed) }
        #expect(results == [true, true, false])
        #expect(limiter.storeFailures == 3)
    }
}

