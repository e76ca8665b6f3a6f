/// The canned traffic pattern of a benchmark run.
public struct BenchConfiguration: Sendable, Hashable, Codable {
    /// How a cold start is provoked before the cold request.
    public enum ColdStart: Sendable, Hashable, Codable {
        /// Send nothing for this many seconds first.
        case idle(seconds: Double)
        /// Ask the server to put a tier to sleep (`POST {base}/tiers/{name}/sleep`); falls back to
        /// a 5-second idle when the server offers no such call.
        case sleep(tier: String)
    }

    /// Approximate prompt length in words (about one token each for the synthetic vocabulary).
    public var promptWords: Int = 32
    /// `max_tokens`, and the fixed output length where the server honours `ignore_eos`/`min_tokens`.
    public var outputTokens: Int = 64
    /// Requests measured at each level.
    public var requestsPerLevel: Int = 16
    public var concurrencyLevels: [Int] = [1]
    /// When set, requests arrive as a Poisson process at this many per second (no concurrency cap).
    public var requestRate: Double?
    public var warmupRequests: Int = 2
    /// Ask for a fixed output length with the vLLM extensions `ignore_eos` and `min_tokens`.
    public var fixedOutputLength = true
    public var coldStart: ColdStart?
    /// Seeds the synthetic prompts and arrival times, so runs are repeatable.
    public var seed: UInt64 = 42

    public init() {}

    enum CodingKeys: String, CodingKey {
        case promptWords = "prompt_words", outputTokens = "output_tokens", requestsPerLevel = "requests_per_level"
        case concurrencyLevels = "concurrency", requestRate = "request_rate", warmupRequests = "warmup_requests"
        case fixedOutputLength = "fixed_output_length", coldStart = "cold", seed
    }
}

/// SplitMix64: a small, fast, seedable generator for repeatable synthetic traffic.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
