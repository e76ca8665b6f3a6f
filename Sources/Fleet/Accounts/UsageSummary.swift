/// How `UsageLedger.summary` groups its rows.
public enum UsageGrouping: String, Sendable, Equatable, CaseIterable {
    /// One group per key (named by the key's name; "(no key)" for requests without one).
    case key
    /// One group per public model name.
    case model
    /// One group, "all", with every row.
    case none
}

/// Totals and latency percentiles for one group of usage rows.
///
/// Percentiles use the nearest-rank method over the group's rows: p50 of 1, 2, 3, 4 is 2.
public struct UsageSummary: Sendable, Equatable {
    /// The key's name, the model, or "all".
    public var group: String
    public var requests: Int
    /// Requests answered with an HTTP status of 400 or more.
    public var errors: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// Milliseconds.
    public var latencyP50: Double
    /// Milliseconds.
    public var latencyP95: Double
    /// Milliseconds, over the rows that have a time to first token; nil when none has.
    public var ttftP50: Double?

    public init(
        group: String, requests: Int, errors: Int, promptTokens: Int, completionTokens: Int,
        latencyP50: Double, latencyP95: Double, ttftP50: Double?
    ) {
        self.group = group
        self.requests = requests
        self.errors = errors
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencyP50 = latencyP50
        self.latencyP95 = latencyP95
        self.ttftP50 = ttftP50
    }

    /// Summarises one group from its totals and its unsorted latencies (at least one).
    init(
        group: String, requests: Int, errors: Int, promptTokens: Int, completionTokens: Int,
        latencies: [Double], firstTokenTimes: [Double]
    ) {
        let latencies = latencies.sorted()
        let firstTokens = firstTokenTimes.sorted()
        self.init(
            group: group, requests: requests, errors: errors, promptTokens: promptTokens,
            completionTokens: completionTokens,
            latencyP50: Self.percentile(50, ofSorted: latencies) ?? 0,
            latencyP95: Self.percentile(95, ofSorted: latencies) ?? 0,
            ttftP50: Self.percentile(50, ofSorted: firstTokens))
    }

    /// The nearest-rank percentile of ascending `values`: the smallest value with at least `p` percent
    /// of the values at or below it. Nil when there are none.
    public static func percentile(_ p: Double, ofSorted values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let rank = Int((p / 100 * Double(values.count)).rounded(.up))
        return values[min(max(rank, 1), values.count) - 1]
    }
}
