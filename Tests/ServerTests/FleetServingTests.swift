import Fleet
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OpenAIWire
import Server
import Synchronization
import Testing

/// A waker that takes `delay` to wake (or never wakes, or fails), counting its calls.
private final class ScriptedWaker: TierWaker {
    enum Outcome: Sendable { case ready(after: Duration), never, fail(String) }
    let outcome: Outcome
    private let counts = Mutex((wakes: 0, stops: 0))

    init(_ outcome: Outcome) {
        self.outcome = outcome
    }

    var wakes: Int { counts.withLock { $0.wakes } }
    var stops: Int { counts.withLock { $0.stops } }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    func wake() async throws {
        counts.withLock { $0.wakes += 1 }
        switch outcome {
        case .ready(let delay): try await Task.sleep(for: delay)
        case .never: try await Task.sleep(for: .seconds(3600))
        case .fail(let reason): throw Failure(description: reason)
        }
    }

    func stop() async {
        counts.withLock { $0.stops += 1 }
    }
}

/// Runs `test` against the application serving `backend` in a tier woken by `waker`.
private func withTieredServer(
    _ waker: ScriptedWaker, settings: TierSettings, accounts: ServerAccounts = ServerAccounts(),
    _ test: @escaping @Sendable (any TestClientProtocol, Tier) async throws -> Void
) async throws {
    var logger = Logger(label: "fleet-serving-tests")
    logger.logLevel = .critical
    let backend = FakeBackend(behaviour: .init(reply: "Awake now."))
    let tier = Tier(name: "gpu", models: [backend.descriptor.id], settings: settings, waker: waker, logger: logger)
    let catalogue = ModelCatalogue(models: [ServedModel(descriptor: backend.descriptor, route: .backend(backend), tier: tier)], tiers: [tier])
    let app = SwitchyardApplication.build(
        configuration: ServerConfiguration(port: 0), catalogue: catalogue, accounts: accounts, logger: logger)
    try await app.test(.live) { client in try await test(client, tier) }
    await tier.shutdown()
}

private let tieredChatBody = #"{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"max_tokens":5}"#
private let tieredStreamBody = #"{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"stream":true}"#

/// A fresh key database in a temporary directory.
private func temporaryAccounts() throws -> (ServerAccounts, KeyStore, UsageLedger) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-serving-\(UUID().uuidString)")
    let database = try FleetDatabase(path: directory.appendingPathComponent("switchyard.sqlite").path)
    let store = KeyStore(store: database)
    let ledger = UsageLedger(store: database)
    return (ServerAccounts(keyStore: store, ledger: ledger), store, ledger)
}

@Suite struct FleetServingTests {
    @Test func firstRequestWakesTheTierAndSaysHowLongItTook() async throws {
        let waker = ScriptedWaker(.ready(after: .milliseconds(200)))
        try await withTieredServer(waker, settings: TierSettings(idleTimeout: .seconds(60))) { client, tier in
            #expect(!tier.isAwake)
            let first = try await client.post("/v1/chat/completions", tieredChatBody)
            #expect(first.status == .ok)
            let wakeMilliseconds = try #require(first.headers[HTTPField.Name("x-switchyard-wake-ms")!].flatMap { Int($0) })
            #expect(wakeMilliseconds >= 150)
            #expect(try first.json["choices"]?[0]?["message"]?["content"]?.stringValue?.count == 5)
            let second = try await client.post("/v1/chat/completions", tieredChatBody)
            #expect(second.headers[HTTPField.Name("x-switchyard-wake-ms")!] == nil)
            #expect(waker.wakes == 1)

            let tiers = try await client.get("/v1/tiers").json
            #expect(tiers["data"]?[0]?["state"]?.stringValue == "awake")
            #expect(tiers["data"]?[0]?["wakes"] == .int(1))
        }
    }

    @Test func aWakingStreamGetsHeadersAtOnceAndCommentsUntilTheTierIsUp() async throws {
        // Twenty intervals of wake for three comments: on CI's two loaded cores a 100 ms timer can
        // fire hundreds of milliseconds late (seven intervals once gave one comment).
        let waker = ScriptedWaker(.ready(after: .seconds(2)))
        try await withTieredServer(waker, settings: TierSettings(keepAliveInterval: .milliseconds(100))) { client, _ in
            let response = try await client.post("/v1/chat/completions", tieredStreamBody)
            #expect(response.status == .ok)
            let lines = response.text.split(separator: "\n").map(String.init)
            let keepAlives = lines.filter { $0.hasPrefix(": waking tier gpu") }
            #expect(keepAlives.count >= 3)
            #expect(lines.contains { $0.hasPrefix(": tier gpu woke in") })
            #expect(lines.last == "data: [DONE]")
            let firstData = try #require(lines.firstIndex { $0.hasPrefix("data: ") })
            #expect(lines.firstIndex { $0.hasPrefix(": waking") }! < firstData)
        }
    }

    @Test func theHardCapFailsWaitersWith504ThatMustNotBeRetried() async throws {
        let waker = ScriptedWaker(.never)
        let settings = TierSettings(wakeBudget: .milliseconds(100), wakeHardCap: .milliseconds(500))
        try await withTieredServer(waker, settings: settings) { client, tier in
            // The test client sends one request at a time: each finds the tier asleep and starts a fresh wake.
            for _ in 0..<2 {
                let response = try await client.post("/v1/chat/completions", tieredChatBody)
                #expect(response.status == .gatewayTimeout)
                #expect(response.headers[HTTPField.Name("x-should-retry")!] == "false")
                let error = try response.json["error"]
                #expect(error?["type"]?.stringValue == "timeout_error")
                #expect(error?["code"]?.stringValue == "wake_timeout")
            }
            #expect(waker.wakes == 2)
            // The abandoned wake is stopped after the 504 went out: the tier passes through
            // `stopping` (briefly, longer on a loaded machine) on its way back to sleep.
            var status = await tier.status()
            let deadline = ContinuousClock.now + .seconds(10)
            while status.state != .asleep && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                status = await tier.status()
            }
            #expect(status.state == .asleep)
            #expect(status.budgetOverruns >= 1)

            // A stream waiting for a wake that times out ends with one error event.
            let stream = try await client.post("/v1/chat/completions", tieredStreamBody)
            #expect(stream.status == .ok)
            #expect(stream.text.contains(#""code":"wake_timeout""#))
            #expect(!stream.text.contains("[DONE]"))
        }
    }

    @Test func aFailedWakeIs503WithTheReason() async throws {
        let waker = ScriptedWaker(.fail("wake command exited with status 3: no GPU"))
        try await withTieredServer(waker, settings: TierSettings()) { client, _ in
            let response = try await client.post("/v1/chat/completions", tieredChatBody)
            #expect(response.status == .serviceUnavailable)
            let error = try response.json["error"]
            #expect(error?["code"]?.stringValue == "wake_failed")
            #expect(error?["message"]?.stringValue?.contains("no GPU") == true)
        }
    }

    @Test func adminSleepNeedsAnAdminKey() async throws {
        let (accounts, store, _) = try temporaryAccounts()
        let user = try await store.create(name: "user").secret
        let admin = try await store.create(name: "ops", isAdmin: true).secret
        let waker = ScriptedWaker(.ready(after: .zero))
        try await withTieredServer(waker, settings: TierSettings(), accounts: accounts) { client, tier in
            #expect(try await client.post("/v1/chat/completions", tieredChatBody).status == .unauthorized)
            #expect(try await client.post("/v1/chat/completions", tieredChatBody, headers: [.authorization: "Bearer \(user)"]).status == .ok)
            #expect(tier.isAwake)
            let refused = try await client.post("/v1/tiers/gpu/sleep", "", headers: [.authorization: "Bearer \(user)"])
            #expect(refused.status == .forbidden)
            let slept = try await client.post("/v1/tiers/gpu/sleep", "", headers: [.authorization: "Bearer \(admin)"])
            #expect(slept.status == .ok)
            #expect(try slept.json["state"]?.stringValue == "asleep")
            #expect(try await client.post("/v1/tiers/nope/sleep", "", headers: [.authorization: "Bearer \(admin)"]).status == .notFound)
        }
    }

    @Test func rateLimitHeadersAnd429WithTheLedgerCountingEveryRequest() async throws {
        let (accounts, store, ledger) = try temporaryAccounts()
        let (key, secret) = try await store.create(name: "limited", requestsPerMinute: 2, tokensPerMinute: 10_000)
        let other = try await store.create(name: "elsewhere", allowedModels: ["another-model"]).secret
        let backend = FakeBackend()
        var logger = Logger(label: "fleet-serving-tests")
        logger.logLevel = .critical
        let app = SwitchyardApplication.build(
            configuration: ServerConfiguration(port: 0), catalogue: ModelCatalogue([backend]), accounts: accounts, logger: logger)
        try await app.test(.router) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(secret)"]
            let first = try await client.post("/v1/chat/completions", tieredChatBody, headers: auth)
            #expect(first.status == .ok)
            #expect(first.headers[HTTPField.Name("x-ratelimit-limit-requests")!] == "2")
            #expect(first.headers[HTTPField.Name("x-ratelimit-remaining-requests")!] == "1")
            #expect(first.headers[HTTPField.Name("x-ratelimit-limit-tokens")!] == "10000")
            #expect(first.headers[HTTPField.Name("x-ratelimit-reset-requests")!] != nil)
            #expect(try await client.post("/v1/chat/completions", tieredStreamBody, headers: auth).status == .ok)
            let refused = try await client.post("/v1/chat/completions", tieredChatBody, headers: auth)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter].flatMap { Int($0) } ?? 0 >= 1)
            #expect(refused.headers[HTTPField.Name("x-ratelimit-remaining-requests")!] == "0")
            #expect(try refused.json["error"]?["code"]?.stringValue == "rate_limit_exceeded")

            let hidden = try await client.post("/v1/chat/completions", tieredChatBody, headers: [.authorization: "Bearer \(other)"])
            #expect(hidden.status == .notFound)
            let models = try await client.get("/v1/models", headers: [.authorization: "Bearer \(other)"]).json
            #expect(models["data"]?.arrayValue?.isEmpty == true)
        }
        let rows = try await ledger.records(since: Date().addingTimeInterval(-60))
        let mine = rows.filter { $0.keyID == key.id }
        #expect(mine.map(\.status).sorted() == [200, 200, 429])
        #expect(mine.contains { $0.stream && $0.completionTokens > 0 && $0.timeToFirstTokenMilliseconds != nil })
        #expect(mine.allSatisfy { $0.model == "fake-model" && $0.endpoint == "chat/completions" })
    }
}
