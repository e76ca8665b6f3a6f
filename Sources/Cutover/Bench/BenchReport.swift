/// Results of one traffic level (a concurrency or a request rate) on one endpoint.
public struct BenchLevel: Sendable, Codable, Hashable {
    /// "c=4" or "rate=2/s".
    public var label: String
    public var concurrency: Int?
    public var requestRate: Double?
    public var metrics: BenchMetrics
    public var requests: [RequestMetrics]

    public init(label: String, concurrency: Int?, requestRate: Double?, metrics: BenchMetrics, requests: [RequestMetrics]) {
        self.label = label
        self.concurrency = concurrency
        self.requestRate = requestRate
        self.metrics = metrics
        self.requests = requests
    }

    enum CodingKeys: String, CodingKey { case label, concurrency, requestRate = "request_rate", metrics, requests }
}

/// The first request after the endpoint was left idle or put to sleep.
public struct ColdStartResult: Sendable, Codable, Hashable {
    /// "idle 30s", "sleep tier 'small'", ...
    public var method: String
    public var ttftMilliseconds: Double
    public var totalMilliseconds: Double
    /// Warm TTFT p50 of the first level, for comparison.
    public var warmTTFTp50Milliseconds: Double
    public var succeeded: Bool
    public var detail: String

    public init(method: String, ttftMilliseconds: Double, totalMilliseconds: Double, warmTTFTp50Milliseconds: Double, succeeded: Bool, detail: String) {
        self.method = method
        self.ttftMilliseconds = ttftMilliseconds
        self.totalMilliseconds = totalMilliseconds
        self.warmTTFTp50Milliseconds = warmTTFTp50Milliseconds
        self.succeeded = succeeded
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case method, ttftMilliseconds = "ttft_ms", totalMilliseconds = "total_ms"
        case warmTTFTp50Milliseconds = "warm_ttft_p50_ms", succeeded, detail
    }
}

/// One endpoint's benchmark.
public struct BenchEndpointResult: Sendable, Encodable {
    public var endpoint: Endpoint
    public var levels: [BenchLevel]
    public var coldStart: ColdStartResult?
    /// Whether the server accepted `ignore_eos`/`min_tokens` (nil when not asked for).
    public var fixedLengthAccepted: Bool?
    public var notes: [String]

    public init(endpoint: Endpoint, levels: [BenchLevel], coldStart: ColdStartResult?, fixedLengthAccepted: Bool?, notes: [String]) {
        self.endpoint = endpoint
        self.levels = levels
        self.coldStart = coldStart
        self.fixedLengthAccepted = fixedLengthAccepted
        self.notes = notes
    }

    enum CodingKeys: String, CodingKey {
        case endpoint, levels, coldStart = "cold_start", fixedLengthAccepted = "fixed_length_accepted", notes
    }
}

/// A benchmark of one or more endpoints under the same traffic.
public struct BenchReport: Sendable, Encodable {
    public var configuration: BenchConfiguration
    public var results: [BenchEndpointResult]
    public var thresholds: [ThresholdCheck] = []

    public init(configuration: BenchConfiguration, results: [BenchEndpointResult]) {
        self.configuration = configuration
        self.results = results
    }

    enum CodingKeys: String, CodingKey { case configuration, results, thresholds, passed }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(configuration, forKey: .configuration)
        try container.encode(results, forKey: .results)
        try container.encode(thresholds, forKey: .thresholds)
        try container.encode(passed, forKey: .passed)
    }

    public var passed: Bool { thresholds.allSatisfy(\.passed) }

    /// Checks the candidate (last endpoint) against the baseline (first) at each level, and
    /// failures on every endpoint.
    public mutating func apply(maxTTFTp95Ratio: Double?, minThroughputRatio: Double?, maxFailures: Int?) {
        thresholds = []
        if let maxFailures {
            for result in results {
                let failed = result.levels.reduce(0) { $0 + $1.metrics.failed }
                thresholds.append(ThresholdCheck(name: "max-failures", limit: Double(maxFailures), actual: Double(failed), atMost: true,
                    detail: "\(result.endpoint.name) failed requests"))
            }
        }
        guard results.count >= 2, let baseline = results.first, let candidate = results.last else { return }
        for (base, cand) in zip(baseline.levels, candidate.levels) {
            if let limit = maxTTFTp95Ratio {
                let actual = base.metrics.ttft.p95 > 0 ? cand.metrics.ttft.p95 / base.metrics.ttft.p95 : nil
                thresholds.append(ThresholdCheck(name: "max-ttft-p95-ratio", limit: limit, actual: actual, atMost: true,
                    detail: "\(base.label): \(candidate.endpoint.name) \(format(cand.metrics.ttft.p95)) ms vs \(baseline.endpoint.name) \(format(base.metrics.ttft.p95)) ms"))
            }
            if let limit = minThroughputRatio {
                let actual = base.metrics.outputThroughput > 0 ? cand.metrics.outputThroughput / base.metrics.outputThroughput : nil
                thresholds.append(ThresholdCheck(name: "min-throughput-ratio", limit: limit, actual: actual, atMost: false,
                    detail: "\(base.label): \(candidate.endpoint.name) \(format(cand.metrics.outputThroughput)) tok/s vs \(baseline.endpoint.name) \(format(base.metrics.outputThroughput)) tok/s"))
            }
        }
    }
}
