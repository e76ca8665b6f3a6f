import Engine
import TestSupport

/// One engine on the real model for the whole test process (loading costs ~0.5 s).
enum SharedEngine {
    static let engine: Result<InferenceEngine, any Error> = Result {
        try InferenceEngine(modelPath: SharedFixtures.modelPath,
                            configuration: EngineConfiguration(contextLength: 2048, maxConcurrentSequences: 4))
    }

    static func get() throws -> InferenceEngine { try engine.get() }

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
