import Fleet
import Foundation
import Logging
import Synchronization
import OpenAIWire

/// Follows one completion request from admission to its ledger row: time to first token,
/// usage, and what it holds (the tier lease, the admission ticket, the rate-limit
/// reservation), all settled exactly once by `finish(status:)`.
final class RequestAccounting: Sendable {
    private struct Facts {
        var promptTokens = 0
        var completionTokens = 0
        var firstTokenAt: ContinuousClock.Instant?
        var wake: Duration?
        var lease: TierLease?
        var ticket: AdmissionTicket?
        var reservation: RateLimitReservation?
        var finished = false
    }

    let requestID: String
    let key: APIKey?
    let model: String
    let tier: String?
    let endpoint: String
    let stream: Bool
    private let start = ContinuousClock.now
    private let startDate = Date()
    private let recorder: UsageRecorder?
    private let limiter: any RateLimiting
    let logger: Logger
    private let facts = Mutex(Facts())

    init(
        requestID: String, key: APIKey?, model: String, tier: String?, endpoint: String, stream: Bool, recorder: UsageRecorder?,
        limiter: any RateLimiting, logger: Logger
    ) {
        self.requestID = requestID
        self.key = key
        self.model = model
        self.tier = tier
        self.endpoint = endpoint
        self.stream = stream
        self.recorder = recorder
        self.limiter = limiter
        self.logger = logger
    }

    /// How long this request waited for its tier to wake, when it did.
    var wake: Duration? { facts.withLock { $0.wake } }

    /// Holds the tier lease until the request finishes.
    func adopt(_ lease: TierLease) {
        let late = facts.withLock { facts -> Bool in
            guard !facts.finished else { return true }
            facts.lease = lease
            facts.wake = lease.wakeDuration
            return false
        }
        if late { lease.release() }
    }

    /// Holds the admission ticket until the request finishes.
    func adopt(_ ticket: AdmissionTicket) {
        let late = facts.withLock { facts -> Bool in
            guard !facts.finished else { return true }
            facts.ticket = ticket
            return false
        }
        if late { ticket.release() }
    }

    /// Takes `tokens` from the key's token budget now that the request runs (see `RateLimiter.reserve`).
    func reserve(tokens: Int) {
        guard let key else { return }
        let reservation = limiter.reserveTokens(key: key, tokens: tokens)
        let late = facts.withLock { facts -> Bool in
            guard !facts.finished else { return true }
            facts.reservation = reservation
            return false
        }
        if late { limiter.settleTokens(reservation, actualTokens: 0) }
    }

    /// Notes that output began (the first call sets time to first token).
    func outputArrived() {
        let now = ContinuousClock.now
        facts.withLock { facts in
            if facts.firstTokenAt == nil { facts.firstTokenAt = now }
        }
    }

    /// The request's usage so far (replaces what was set before).
    func setUsage(prompt: Int, completion: Int) {
        facts.withLock { facts in
            facts.promptTokens = prompt
            facts.completionTokens = completion
        }
    }

    /// Writes the ledger row (committed, or spooled while the database is down, before this
    /// returns, so it survives a crash right after; the write waits without holding a thread), settles the token reservation with the real usage and releases what the request held.
    /// Only the first call counts.
    func finish(status: Int) async {
        guard let (recorder, record) = settle(status: status) else { return }
        await recorder.record(record)
    }

    /// `finish(status:)` for code on an event loop: `then` runs once the ledger row is committed
    /// (at once when there is no ledger; from the task that wrote the row otherwise).
    func finish(status: Int, then: @escaping @Sendable () -> Void) {
        guard let (recorder, record) = settle(status: status) else { return then() }
        recorder.record(record, then: then)
    }

    /// What `finish` does before the ledger row: marks the request finished, settles the token
    /// reservation, releases what it held; returns the row to write (nil: finished before, or no ledger).
    private func settle(status: Int) -> (UsageRecorder, UsageRecord)? {
        let now = ContinuousClock.now
        guard let facts = facts.withLock({ facts -> Facts? in
            guard !facts.finished else { return nil }
            facts.finished = true
            return facts
        }) else { return nil }
        if let reservation = facts.reservation {
            limiter.settleTokens(reservation, actualTokens: facts.promptTokens + facts.completionTokens)
        }
        facts.ticket?.release()
        facts.lease?.release()
        guard let recorder else { return nil }
        let record = UsageRecord(
            requestID: requestID, time: startDate, keyID: key?.id, keyName: key?.name, model: model, tier: tier,
            endpoint: endpoint, promptTokens: facts.promptTokens, completionTokens: facts.completionTokens,
            latencyMilliseconds: (now - start).inMilliseconds,
            timeToFirstTokenMilliseconds: facts.firstTokenAt.map { ($0 - start).inMilliseconds }, status: status,
            wakeMilliseconds: facts.wake.map(\.inMilliseconds), stream: stream)
        return (recorder, record)
    }
}
