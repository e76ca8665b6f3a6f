import Fleet
import Testing

/// The retry-before-first-byte decisions, one row per case.
@Suite struct UpstreamRetryPolicyTests {
    typealias Row = (outcome: UpstreamRetryPolicy.Outcome, attempt: Int, action: UpstreamRetryPolicy.Action)

    static let delay: Duration = .milliseconds(200)
    static let table: [Row] = [
        (.answered(status: 200), 1, .relay),
        (.answered(status: 204), 2, .relay),
        (.answered(status: 502), 1, .tryNextTarget),
        (.answered(status: 503), 1, .tryNextTarget),
        (.answered(status: 504), 2, .tryNextTarget),
        (.answered(status: 400), 1, .passOnError),
        (.answered(status: 401), 1, .passOnError),
        (.answered(status: 429), 1, .passOnError),
        (.answered(status: 500), 1, .passOnError),
        (.failed(.connectionRefused), 1, .retrySameTarget(after: delay)),
        (.failed(.connectionRefused), 2, .tryNextTarget),
        (.failed(.connectionReset), 1, .retrySameTarget(after: delay)),
        (.failed(.connectTimeout), 1, .retrySameTarget(after: delay)),
        (.failed(.nameResolution), 1, .retrySameTarget(after: delay)),
        (.failed(.tls), 1, .retrySameTarget(after: delay)),
        (.failed(.connectionClosed), 1, .retrySameTarget(after: delay)),
        (.failed(.other("odd")), 1, .retrySameTarget(after: delay)),
        (.failed(.noResponse), 1, .tryNextTarget),
        (.failed(.invalidRequest), 1, .tryNextTarget),
        (.failed(.shutDown), 1, .tryNextTarget),
        (.failed(.cancelled), 1, .cancel),
        (.failed(.cancelled), 2, .cancel),
    ]

    @Test(arguments: table.indices)
    func decides(row index: Int) {
        let row = Self.table[index]
        #expect(UpstreamRetryPolicy(retriesPerTarget: 1, retryDelay: Self.delay).action(after: row.outcome, attempt: row.attempt) == row.action)
    }

    @Test func noRetriesMovesOnAtOnce() {
        #expect(UpstreamRetryPolicy(retriesPerTarget: 0).action(after: .failed(.connectionRefused), attempt: 1) == .tryNextTarget)
    }
}
