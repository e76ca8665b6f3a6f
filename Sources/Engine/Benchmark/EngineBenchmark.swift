import Foundation
import OpenAIWire

/// Measures the engine alone, the way llama.cpp's `llama-bench` does: prompt processing of
/// `promptTokens` tokens (pp512) and decoding of `decodeTokens` tokens (tg128), single stream.
public struct EngineBenchmark: Sendable {
    public struct Result: Sendable, Codable {
        public var promptTokens: Int
        public var decodeTokens: Int
        public var prefillSeconds: Double
        public var decodeSeconds: Double
        public var prefillTokensPerSecond: Double
        public var decodeTokensPerSecond: Double
        /// Decode rate with a JSON-schema grammar masking every step, for a schema the engine has
        /// served before (its states' token masks cached, as for an app's repeated requests).
        public var constrainedDecodeTokensPerSecond: Double
        /// The same for the first request with the schema: masks its 400 ms precompute budget did
        /// not reach are worked out as the decode meets their states.
        public var firstConstrainedDecodeTokensPerSecond: Double
        /// Decode rate sampling at temperature 0.8 and top_p 0.95 (the sampler's cost over greedy).
        public var sampledDecodeTokensPerSecond: Double
        public var peakRSSBytes: Int
        public var threads: Int

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens"
            case decodeTokens = "decode_tokens"
            case prefillSeconds = "prefill_seconds"
            case decodeSeconds = "decode_seconds"
            case prefillTokensPerSecond = "prefill_tokens_per_second"
            case decodeTokensPerSecond = "decode_tokens_per_second"
            case constrainedDecodeTokensPerSecond = "constrained_decode_tokens_per_second"
            case firstConstrainedDecodeTokensPerSecond = "first_constrained_decode_tokens_per_second"
            case sampledDecodeTokensPerSecond = "sampled_decode_tokens_per_second"
            case peakRSSBytes = "peak_rss_bytes"
            case threads
        }
    }

    public var promptTokens = 512
    public var decodeTokens = 128
    /// Runs before timing, to page the weights in and warm caches.
    public var warmupTokens = 16

    public init(promptTokens: Int = 512, decodeTokens: Int = 128) {
        self.promptTokens = promptTokens
        self.decodeTokens = decodeTokens
    }

    /// Runs the benchmark on `engine`. The prompt is ordinary text tokens (their content does
    /// not change the cost); each run uses a fresh prompt so no cached prefix is reused.
    public func run(on engine: InferenceEngine) async throws -> Result {
        let vocabulary = engine.modelInfo.vocabularySize
        func prompt(_ count: Int, salt: Int) -> [Int] {
            (0..<count).map { 100 + ($0 * 7919 + salt * 104_729) % max(vocabulary - 200, 1) }
        }
        _ = try await time(GenerationRequest(
            promptTokens: prompt(warmupTokens, salt: 1), sampling: .greedy, maxTokens: 4, ignoreEOS: true), on: engine)
        // Prefill: the time to the first token of a 1-token generation is the prompt's cost.
        let prefill = try await time(GenerationRequest(
            promptTokens: prompt(promptTokens, salt: 2), sampling: .greedy, maxTokens: 1, ignoreEOS: true), on: engine)
        // Decode: a short prompt, then `decodeTokens` tokens; time measured from the first token.
        let decode = try await time(GenerationRequest(
            promptTokens: prompt(8, salt: 3), sampling: .greedy, maxTokens: decodeTokens + 1, ignoreEOS: true),
                                    on: engine)
        // The same decode under a schema long enough that the grammar never ends it early.
        let schema: JSONValue = [
            "type": "object", "required": ["items"],
            "properties": ["items": ["type": "array", "minItems": 100, "items": ["type": "string", "maxLength": 12]]],
        ]
        let constrainedRequest = GenerationRequest(
            promptTokens: prompt(8, salt: 3), sampling: .greedy, maxTokens: decodeTokens + 1, ignoreEOS: true,
            constraint: .jsonSchema(schema, strict: true))
        let firstConstrained = try await time(constrainedRequest, on: engine)
        let constrained = try await time(constrainedRequest, on: engine)
        let sampled = try await time(GenerationRequest(
            promptTokens: prompt(8, salt: 3), sampling: SamplingParameters(temperature: 0.8, topP: 0.95, seed: 1),
            maxTokens: decodeTokens + 1, ignoreEOS: true), on: engine)
        return Result(
            promptTokens: promptTokens, decodeTokens: decodeTokens, prefillSeconds: prefill.firstToken,
            decodeSeconds: decode.total - decode.firstToken,
            prefillTokensPerSecond: Double(promptTokens) / prefill.firstToken,
            decodeTokensPerSecond: Double(decodeTokens) / (decode.total - decode.firstToken),
            constrainedDecodeTokensPerSecond: Double(decodeTokens) / (constrained.total - constrained.firstToken),
            firstConstrainedDecodeTokensPerSecond: Double(decodeTokens) / (firstConstrained.total - firstConstrained.firstToken),
            sampledDecodeTokensPerSecond: Double(decodeTokens) / (sampled.total - sampled.firstToken),
            peakRSSBytes: ProcessMemory.peakResidentBytes(),
            threads: engine.threadCount)
    }

    private func time(_ request: GenerationRequest, on engine: InferenceEngine) async throws
        -> (firstToken: Double, total: Double)
    {
        let clock = ContinuousClock()
        let start = clock.now
        var firstToken: Duration?
        for try await event in engine.generate(request) {
            if case .token = event, firstToken == nil { firstToken = clock.now - start }
        }
        let total = clock.now - start
        return ((firstToken ?? total).inSeconds, total.inSeconds)
    }
}

/// Memory figures of this process from /proc (Linux).
public enum ProcessMemory {
    /// Peak resident set size (VmHWM), in bytes; 0 where /proc is unavailable.
    public static func peakResidentBytes() -> Int { statusField("VmHWM:") }
    /// Current resident set size (VmRSS), in bytes.
    public static func residentBytes() -> Int { statusField("VmRSS:") }

    private static func statusField(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let kilobytes = line.dropFirst(name.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
                .flatMap { Int($0) } ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}
