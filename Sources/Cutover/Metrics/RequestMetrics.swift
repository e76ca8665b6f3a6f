/// Latency and token counts of one streamed request, defined as vLLM's benchmark defines them.
public struct RequestMetrics: Sendable, Codable, Hashable {
    /// Whether the request returned a complete, well-formed stream.
    public var succeeded: Bool
    /// Time to first token: request sent → first chunk carrying generated text, seconds.
    public var ttft: Double
    /// End-to-end latency: request sent → last byte, seconds.
    public var e2e: Double
    /// Gaps between successive content-bearing chunks, seconds.
    public var itl: [Double]
    /// Output tokens by the server's `usage`, nil when it sent none.
    public var usageOutputTokens: Int?
    public var usagePromptTokens: Int?
    /// Streamed chunks that carried content.
    public var chunkCount: Int
    public var failure: String?

    public init(
        succeeded: Bool, ttft: Double, e2e: Double, itl: [Double], usageOutputTokens: Int?,
        usagePromptTokens: Int? = nil, chunkCount: Int, failure: String? = nil
    ) {
        self.succeeded = succeeded
        self.ttft = ttft
        self.e2e = e2e
        self.itl = itl
        self.usageOutputTokens = usageOutputTokens
        self.usagePromptTokens = usagePromptTokens
        self.chunkCount = chunkCount
        self.failure = failure
    }

    /// Reads the metrics of a streamed chat outcome.
    public init(_ outcome: ChatOutcome) {
        self.init(
            succeeded: outcome.succeeded, ttft: outcome.timeToFirstToken ?? outcome.totalLatency,
            e2e: outcome.totalLatency, itl: outcome.interTokenLatencies,
            usageOutputTokens: outcome.usage?.completionTokens, usagePromptTokens: outcome.usage?.promptTokens,
            chunkCount: outcome.contentChunks, failure: outcome.failureReason)
    }

    /// Output tokens: the server's count when given, else the streamed chunk count.
    public var outputTokens: Int { usageOutputTokens ?? chunkCount }

    /// Time per output token after the first: (e2e − ttft) / (tokens − 1); nil for one token.
    public var tpot: Double? {
        outputTokens > 1 ? (e2e - ttft) / Double(outputTokens - 1) : nil
    }

    /// Output tokens per second seen by this one stream (tokens / e2e).
    public var streamTokensPerSecond: Double? {
        e2e > 0 ? Double(outputTokens) / e2e : nil
    }
}
