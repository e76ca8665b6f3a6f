/// Aggregate metrics of one batch of benchmark requests, as vLLM's `benchmark_serving` reports them.
public struct BenchMetrics: Sendable, Codable, Hashable {
    public var completed: Int
    public var failed: Int
    /// Wall-clock seconds from the first request sent to the last response finished.
    public var duration: Double
    public var totalInputTokens: Int
    public var totalOutputTokens: Int
    /// Completed requests per second.
    public var requestThroughput: Double
    /// Output tokens per second over all streams together.
    public var outputThroughput: Double
    public var ttft: LatencySummary
    public var tpot: LatencySummary
    public var itl: LatencySummary
    public var e2e: LatencySummary
    /// Output tokens per second of each stream, summarized (values are tokens/s, not ms).
    public var streamTokensPerSecond: LatencySummary
    /// Requests whose `usage.completion_tokens` differs from their streamed content-chunk count.
    public var usageChunkMismatches: Int
    /// Mean of (usage tokens − chunk count) over requests that had usage.
    public var meanUsageChunkDifference: Double
    /// Requests that came back without a `usage` object.
    public var requestsWithoutUsage: Int
    /// The first few failure reasons.
    public var failures: [String]

    /// Aggregates `requests` that ran over `duration` seconds of wall-clock time.
    public init(requests: [RequestMetrics], duration: Double) {
        let good = requests.filter(\.succeeded)
        completed = good.count
        failed = requests.count - good.count
        self.duration = duration
        totalInputTokens = good.reduce(0) { $0 + ($1.usagePromptTokens ?? 0) }
        totalOutputTokens = good.reduce(0) { $0 + $1.outputTokens }
        requestThroughput = duration > 0 ? Double(completed) / duration : 0
        outputThroughput = duration > 0 ? Double(totalOutputTokens) / duration : 0
        ttft = LatencySummary(seconds: good.map(\.ttft))
        tpot = LatencySummary(seconds: good.compactMap(\.tpot))
        itl = LatencySummary(seconds: good.flatMap(\.itl))
        e2e = LatencySummary(seconds: good.map(\.e2e))
        // Stored as "seconds" so the summary's ×1000 scaling is undone: the values are tokens/s.
        streamTokensPerSecond = LatencySummary(seconds: good.compactMap(\.streamTokensPerSecond).map { $0 / 1000 })
        let withUsage = good.filter { $0.usageOutputTokens != nil }
        requestsWithoutUsage = good.count - withUsage.count
        usageChunkMismatches = withUsage.filter { $0.usageOutputTokens != $0.chunkCount }.count
        meanUsageChunkDifference = withUsage.isEmpty ? 0
            : Double(withUsage.reduce(0) { $0 + (($1.usageOutputTokens ?? 0) - $1.chunkCount) }) / Double(withUsage.count)
        failures = Array(requests.compactMap(\.failure).prefix(5))
    }
}
