import Fleet
import OpenAIWire
import Testing

/// The pool's choices as a table: policy, loads, health and limits in; target out.
@Suite struct UpstreamPoolStateTests {
    private let t0 = ContinuousClock.now

    private func pool(
        _ balance: BalancePolicy, count: Int = 3, maxConcurrency: Int? = nil, ejectAfter: Int = 3, coolDown: Duration = .seconds(30)
    ) -> UpstreamPoolState {
        let targets = (0..<count).map { UpstreamPoolState.Target(identity: UInt64(1000 + $0), maxConcurrency: maxConcurrency) }
        return UpstreamPoolState(targets: targets, settings: UpstreamPoolSettings(balance: balance, ejectAfter: ejectAfter, coolDown: coolDown))
    }

    /// Takes `n` slots and returns the targets chosen.
    private func take(_ n: Int, from state: inout UpstreamPoolState, prefix: PromptPrefix? = nil) -> [Int] {
        (0..<n).map { _ in
            guard case .target(let index) = state.acquire(prefix: prefix, excluding: [], at: t0) else { return -1 }
            return index
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var balance: BalancePolicy
        var requests: Int
        var expected: [Int]
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "failover always takes the first", balance: .failover, requests: 4, expected: [0, 0, 0, 0]),
        Case(name: "round robin takes turns", balance: .roundRobin, requests: 5, expected: [0, 1, 2, 0, 1]),
        Case(name: "least outstanding fills evenly", balance: .leastOutstanding, requests: 6, expected: [0, 1, 2, 0, 1, 2]),
    ])
    func ordersRequestsHeldOpen(_ example: Case) {
        var state = pool(example.balance)
        #expect(take(example.requests, from: &state) == example.expected)
    }

    @Test func leastOutstandingPrefersTheTargetThatFinished() {
        var state = pool(.leastOutstanding)
        #expect(take(3, from: &state) == [0, 1, 2])
        _ = state.release(1, outcome: .success, at: t0)
        #expect(take(1, from: &state) == [1])
        _ = state.release(2, outcome: .success, at: t0)
        _ = state.release(0, outcome: .success, at: t0)
        #expect(state.targets.map(\.inFlight) == [0, 1, 0])
        #expect(take(2, from: &state).sorted() == [0, 2])
    }

    @Test func roundRobinSpreadsRequestsThatFinishAtOnce() {
        var state = pool(.roundRobin)
        var counts = [0, 0, 0]
        for _ in 0..<30 {
            guard case .target(let index) = state.acquire(prefix: nil, excluding: [], at: t0) else { Issue.record("no target"); return }
            counts[index] += 1
            _ = state.release(index, outcome: .success, at: t0)
        }
        #expect(counts == [10, 10, 10])
    }

    @Test func retriesSkipTargetsAlreadyTried() {
        var state = pool(.failover)
        #expect(state.acquire(prefix: nil, excluding: [0], at: t0) == .target(1))
        #expect(state.acquire(prefix: nil, excluding: [0, 1], at: t0) == .target(2))
        #expect(state.acquire(prefix: nil, excluding: [0, 1, 2], at: t0) == .exhausted)
    }

    @Test func fullTargetsOverflowToOthersThenAnswerBusy() {
        var state = pool(.failover, count: 2, maxConcurrency: 2)
        #expect(take(4, from: &state) == [0, 0, 1, 1])
        #expect(state.acquire(prefix: nil, excluding: [], at: t0) == .busy)
        _ = state.release(0, outcome: .success, at: t0)
        #expect(state.acquire(prefix: nil, excluding: [], at: t0) == .target(0))
    }

    @Test func consecutiveFailuresEjectForTheCoolDown() {
        var state = pool(.failover, ejectAfter: 2, coolDown: .seconds(10))
        #expect(take(1, from: &state) == [0])
        #expect(state.release(0, outcome: .failure, at: t0) == false)
        #expect(take(1, from: &state) == [0])
        #expect(state.release(0, outcome: .failure, at: t0) == true)
        #expect(state.targets[0].health.ejections == 1)
        // Out during the cool-down,
        #expect(state.acquire(prefix: nil, excluding: [], at: t0 + .seconds(9)) == .target(1))
        _ = state.release(1, outcome: .success, at: t0)
        // back after it; one more failure ejects it again at once, a success clears it.
        #expect(state.acquire(prefix: nil, excluding: [], at: t0 + .seconds(11)) == .target(0))
        #expect(state.release(0, outcome: .failure, at: t0 + .seconds(11)) == true)
        #expect(state.acquire(prefix: nil, excluding: [], at: t0 + .seconds(12)) == .target(1))
        _ = state.release(1, outcome: .success, at: t0)
        #expect(state.acquire(prefix: nil, excluding: [], at: t0 + .seconds(22)) == .target(0))
        _ = state.release(0, outcome: .success, at: t0 + .seconds(22))
        #expect(state.targets[0].health.consecutiveFailures == 0)
    }

    @Test func successesBetweenFailuresKeepATargetIn() {
        var state = pool(.failover, ejectAfter: 2)
        for outcome in [UpstreamPoolState.Outcome.failure, .success, .failure, .neutral, .success, .failure] {
            #expect(take(1, from: &state) == [0])
            #expect(state.release(0, outcome: outcome, at: t0) == false)
        }
    }

    @Test func failingHealthCheckTakesATargetOutUntilOnePasses() {
        var state = pool(.roundRobin)
        #expect(state.recordHealthCheck(1, passed: false) == true)
        #expect(state.recordHealthCheck(1, passed: false) == false)  // already out: one ejection
        var seen: Set<Int> = []
        for _ in 0..<6 {
            guard case .target(let index) = state.acquire(prefix: nil, excluding: [], at: t0) else { return }
            seen.insert(index)
            _ = state.release(index, outcome: .success, at: t0)
        }
        #expect(seen == [0, 2])
        #expect(state.recordHealthCheck(1, passed: true) == false)
        #expect(state.targets[1].health.isAvailable(at: t0))
        #expect(state.targets[1].health.ejections == 1)
    }

    @Test func whenEveryTargetIsOutTheyAreTriedAnyway() {
        var state = pool(.failover, count: 2)
        _ = state.recordHealthCheck(0, passed: false)
        _ = state.recordHealthCheck(1, passed: false)
        #expect(state.acquire(prefix: nil, excluding: [], at: t0) == .target(0))
        #expect(state.acquire(prefix: nil, excluding: [0], at: t0) == .target(1))
    }

    @Test func anEjectedTargetIsNotUsedWhileAHealthyOneIsOnlyFull() {
        var state = pool(.failover, count: 2, maxConcurrency: 1)
        _ = state.recordHealthCheck(0, passed: false)
        #expect(take(1, from: &state) == [1])
        #expect(state.acquire(prefix: nil, excluding: [], at: t0) == .busy)
    }

    // MARK: - Prefix affinity

    private func prefixes(_ count: Int) -> [PromptPrefix] {
        (0..<count).map { PromptPrefix(hash: PromptPrefixTests.hash("conversation \($0)")) }
    }

    @Test func aPrefixAlwaysGoesToTheSameTargetWhateverTheLoad() {
        var state = pool(.prefixAffinity)
        let prefix = PromptPrefix(hash: 42)
        let first = take(1, from: &state, prefix: prefix)
        #expect(take(10, from: &state, prefix: prefix) == Array(repeating: first[0], count: 10))
    }

    @Test func prefixesSpreadOverTheTargets() {
        var state = pool(.prefixAffinity)
        var counts = [0, 0, 0]
        for prefix in prefixes(300) {
            let index = take(1, from: &state, prefix: prefix)[0]
            counts[index] += 1
            _ = state.release(index, outcome: .success, at: t0)
        }
        #expect(counts.allSatisfy { $0 > 60 }, "\(counts)")
    }

    @Test func losingATargetMovesOnlyItsPrefixes() {
        var state = pool(.prefixAffinity)
        var before: [Int] = []
        for prefix in prefixes(200) {
            let index = take(1, from: &state, prefix: prefix)[0]
            before.append(index)
            _ = state.release(index, outcome: .success, at: t0)
        }
        _ = state.recordHealthCheck(2, passed: false)
        for (prefix, old) in zip(prefixes(200), before) {
            let index = take(1, from: &state, prefix: prefix)[0]
            _ = state.release(index, outcome: .success, at: t0)
            if old != 2 { #expect(index == old) } else { #expect(index != 2) }
        }
    }

    @Test func aFullAffinityTargetOverflowsToTheNextRanked() {
        var state = pool(.prefixAffinity, maxConcurrency: 1)
        let prefix = PromptPrefix(hash: 7)
        let chosen = take(3, from: &state, prefix: prefix)
        #expect(Set(chosen).count == 3)
        #expect(state.acquire(prefix: prefix, excluding: [], at: t0) == .busy)
    }

    @Test func defaultsBalanceOnlyPools() {
        #expect(UpstreamPoolSettings.defaults(targetCount: 1).balance == .failover)
        #expect(UpstreamPoolSettings.defaults(targetCount: 2).balance == .leastOutstanding)
    }
}

@Suite struct PromptPrefixTests {
    static func hash(_ text: String) -> UInt64 {
        PromptPrefix(body: JSONObject(["prompt": .string(text)]), length: 10_000)?.hash ?? 0
    }

    private func chat(_ system: String, _ user: String) -> JSONObject {
        JSONObject([
            "model": "m",
            "messages": .array([
                .object(JSONObject(["role": "system", "content": .string(system)])),
                .object(JSONObject(["role": "user", "content": .array([.object(JSONObject(["type": "text", "text": .string(user)]))])])),
            ]),
        ])
    }

    @Test func promptsThatShareTheirStartHashAlike() {
        let system = String(repeating: "You answer questions about the manual. ", count: 10)
        let a = PromptPrefix(body: chat(system, "What is a tier?"), length: 200)
        let b = PromptPrefix(body: chat(system, "How do keys work?"), length: 200)
        #expect(a != nil && a == b)
    }

    @Test func promptsThatDifferEarlyHashApart() {
        let a = PromptPrefix(body: chat("You are terse.", "Hi"), length: 200)
        let b = PromptPrefix(body: chat("You are verbose.", "Hi"), length: 200)
        #expect(a != b)
    }

    @Test func theLengthCountsCharacters() {
        let a = PromptPrefix(body: JSONObject(["prompt": "héllo world"]), length: 5)
        let b = PromptPrefix(body: JSONObject(["prompt": "héllo there"]), length: 5)
        let c = PromptPrefix(body: JSONObject(["prompt": "hallo world"]), length: 5)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func responsesInputAndInstructionsCount() {
        let a = PromptPrefix(body: JSONObject(["instructions": "Be brief.", "input": "one"]), length: 100)
        let b = PromptPrefix(body: JSONObject(["instructions": "Be brief.", "input": "two"]), length: 100)
        let c = PromptPrefix(body: JSONObject(["instructions": "Be brief.", "input": "one"]), length: 100)
        #expect(a != b)
        #expect(a == c)
    }

    @Test func noPromptNoPrefix() {
        #expect(PromptPrefix(body: JSONObject(["model": "m"]), length: 100) == nil)
    }

    /// FNV-1a's published test vector: the hash is the same in every process and replica.
    @Test func theHashIsStable() {
        #expect(PromptPrefix(body: JSONObject(["prompt": "a"]), length: 10)?.hash == 0xaf63_dc4c_8601_ec8c)
    }
}
