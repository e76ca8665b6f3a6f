import Foundation
import OpenAIWire

/// The engine alone under many streams: `streams` greedy generations of `decodeTokens` tokens
/// each, submitted at once (distinct 8-token prompts, so no cached prefix is shared), and the
/// aggregate rate of the tokens that arrive after every stream has its first one. Without HTTP,
/// this is the scheduler, the batched forward pass and the per-token bookkeeping alone
/// (`serve-bench` adds the server and its clients on the same cores).
public struct ConcurrentDecodeBenchmark: Sendable {
    public struct Result: Sendable, Codable {
        public var streams: Int
        public var decodeTokens: Int
        /// Tokens that arrived after the last stream's first token, per second of that time.
        public var decodeTokensPerSecond: Double
        /// Milliseconds between two tokens of the last stream to start (one step of all streams).
        public var stepMilliseconds: Double

        enum CodingKeys: String, CodingKey {
            case streams
            case decodeTokens = "decode_tokens"
            case decodeTokensPerSecond = "decode_tokens_per_second"
            case stepMilliseconds = "step_milliseconds"
        }
    }

    public var streams: Int
    public var decodeTokens: Int
    /// Greedy, or temperature 0.8 / top_p 0.95 (seeded per stream) to include the sampler's cost.
    public var sampled: Bool

    public init(streams: Int, decodeTokens: Int = 128, sampled: Bool = false) {
        self.streams = max(1, streams)
        self.decodeTokens = max(2, decodeTokens)
        self.sampled = sampled
    }

    /// Runs on `engine`, which should allow `streams` concurrent sequences.
    public func run(on engine: InferenceEngine) async throws -> Result {
        let vocabulary = max(engine.modelInfo.vocabularySize - 200, 1)
        let clock = ContinuousClock()
        let start = clock.now
        let arrivals = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for stream in 0..<streams {
                let prompt = (0..<8).map { 100 + ($0 * 7919 + (stream + 10) * 104_729) % vocabulary }
                let sampling = sampled ? SamplingParameters(temperature: 0.8, topP: 0.95, seed: UInt64(stream + 1)) : .greedy
                let request = GenerationRequest(
                    promptTokens: prompt, sampling: sampling, maxTokens: decodeTokens, ignoreEOS: true)
                group.addTask {
                    var times: [Duration] = []
                    for try await event in engine.generate(request) {
                        if case .token = event { times.append(clock.now - start) }
                    }
                    return times
                }
            }
            return try await group.reduce(into: [[Duration]]()) { $0.append($1) }
        }
        let lastFirst = arrivals.compactMap(\.first).max() ?? .zero
        let end = arrivals.compactMap(\.last).max() ?? .zero
        let after = arrivals.reduce(0) { $0 + $1.filter { $0 > lastFirst }.count }
        let window = max((end - lastFirst).inSeconds, 1e-9)
        let lastStream = arrivals.max { ($0.first ?? .zero) < ($1.first ?? .zero) } ?? []
        let steps = max(lastStream.count - 1, 1)
        let stepSeconds = ((lastStream.last ?? .zero) - (lastStream.first ?? .zero)).inSeconds / Double(steps)
        return Result(streams: streams, decodeTokens: decodeTokens,
                      decodeTokensPerSecond: Double(after) / window, stepMilliseconds: stepSeconds * 1000)
    }
}

extension ConcurrentDecodeBenchmark.Result {
    /// The mean rate and step time of runs of one level (the first run's stream and token counts).
    public static func mean(of runs: [Self]) -> Self {
        guard var result = runs.first else { return Self(streams: 0, decodeTokens: 0, decodeTokensPerSecond: 0, stepMilliseconds: 0) }
        let count = Double(runs.count)
        result.decodeTokensPerSecond = runs.reduce(0) { $0 + $1.decodeTokensPerSecond } / count
        result.stepMilliseconds = runs.reduce(0) { $0 + $1.stepMilliseconds } / count
        return result
    }
}
