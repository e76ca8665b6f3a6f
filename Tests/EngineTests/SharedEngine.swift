import Engine
import TestSupport

/// One engine on the real model for the whole test process (loading costs ~0.5 s).
enum SharedEngine {
    static let engine: Result<InferenceEngine, any Error> = Result {
        try InferenceEngine(modelPath: SharedFixtures.modelPath,
                            configuration: EngineConfiguration(contextLength: 2048, maxConcurrentSequences: 4))
    }

    static func get() throws -> InferenceEngine { try engine.get() }

    /// An engine of its own, for tests that compare one run's floats with another's. The shared
    /// engine reuses cached prompt prefixes across tests (as llama-server's `cache_prompt` does),
    /// and a prefix that another test computed in a batch of 64 rows or more went through
    /// ggml's tiled attention, whose floats differ from the one-chunk path's in the last bits:
    /// enough to flip a near-tie in greedy decoding.
    static func fresh() throws -> InferenceEngine {
        try InferenceEngine(modelPath: SharedFixtures.modelPath,
                            configuration: EngineConfiguration(contextLength: 2048, maxConcurrentSequences: 4))
    }

    /// Runs every job (a request on an engine) at once and collects each, in the jobs' order.
    static func collectAtOnce(_ jobs: [(request: GenerationRequest, engine: InferenceEngine)]) async throws -> [Outcome] {
        try await withThrowingTaskGroup(of: (Int, Outcome).self) { group in
            for (index, job) in jobs.enumerated() {
                group.addTask { (index, try await collect(job.request, on: job.engine)) }
            }
            var results = Array(repeating: Outcome(), count: jobs.count)
            for try await (index, outcome) in group { results[index] = outcome }
            return results
        }
    }

    /// Collects a whole generation: text, token ids, finish reason, usage.
    struct Outcome {
        var text = ""
        var ids: [Int] = []
        var logprobs: [TokenLogprob] = []
        var reason: FinishReason?
        var usage: GenerationUsage?
    }

    static func collect(_ request: GenerationRequest, on engine: InferenceEngine) async throws -> Outcome {
        var outcome = Outcome()
        for try await event in engine.generate(request) {
            switch event {
            case .token(let token):
                outcome.text += token.text
                outcome.ids.append(token.id)
                if let logprob = token.logprob { outcome.logprobs.append(logprob) }
            case .finished(let reason, let usage):
                outcome.reason = reason
                outcome.usage = usage
            case .promptScored, .toolCall:
                break
            }
        }
        return outcome
    }
}
