import Engine
import Foundation
import Testing
import TestSupport

/// Gemma 3 270M (Q4_K_M: Q5_0, Q4_K, Q6_K and Q8_0 weights; SentencePiece; sliding-window
/// layers) against llama.cpp's AVX2 build: feed each reference prompt plus llama.cpp's greedy
/// tokens, and compare every step's top-5. The last reference is a 792-token prompt that
/// crosses the 512-token sliding window. Skipped when the model file has not been pulled.
@Suite("Gemma 3 teacher-forced log-probabilities equal llama.cpp's",
       .enabled(if: SharedFixtures.gemma3Available, "gemma3-270m is not pulled"))
struct Gemma3TeacherForcingTests {
    struct Reference {
        var promptTokens: [Int]
        var steps: [(id: Int, top: [(id: Int, logprob: Float)])]
    }

    static func references() throws -> [Reference] {
        let list = try #require(try SharedFixtures.gemma3JSON("reference_greedy.json") as? [[String: Any]])
        return try list.map { entry in
            let prompt = try #require(entry["prompt_tokens"] as? [Int])
            let steps = try #require(entry["steps"] as? [[String: Any]]).map { step in
                let top = (step["top"] as? [[Double]] ?? []).map { (id: Int($0[0]), logprob: Float($0[1])) }
                return (id: step["id"] as? Int ?? -1, top: top)
            }
            return Reference(promptTokens: prompt, steps: steps)
        }
    }

    @Test func topFiveMatchLlamaCpp() async throws {
        let engine = try InferenceEngine(modelPath: SharedFixtures.gemma3ModelPath,
                                         configuration: EngineConfiguration(contextLength: 1024))
        #expect(engine.modelInfo.architecture == "gemma3")
        var worst: Float = 0
        var total: Float = 0
        var entries = 0
        var idsAgreed = 0
        var longPromptSteps = 0
        let references = try Self.references()
        for reference in references {
            let tokens = reference.promptTokens + reference.steps.map(\.id)
            var scored: [TokenLogprob?] = []
            for try await event in engine.generate(GenerationRequest(promptTokens: tokens, maxTokens: 0, promptLogprobs: 5)) {
                if case .promptScored(let list) = event { scored = list }
            }
            try #require(scored.count == tokens.count)
            for (stepIndex, step) in reference.steps.enumerated() {
                let ours = try #require(scored[reference.promptTokens.count + stepIndex]).top
                try #require(ours.count == 5 && step.top.count == 5)
                for rank in 0..<5 {
                    if ours[rank].id == step.top[rank].id { idsAgreed += 1 }
                    let difference = abs(ours[rank].logprob - step.top[rank].logprob)
                    worst = max(worst, difference)
                    total += difference
                    entries += 1
                }
                if reference.promptTokens.count > 512 { longPromptSteps += 1 }
            }
        }
        let mean = total / Float(max(entries, 1))
        print("gemma3 teacher forcing: \(entries) top-5 entries, ids agreed \(idsAgreed), mean |Δ| \(mean), worst \(worst)")
        #expect(references.count == 9)
        #expect(longPromptSteps == 32, "the 792-token prompt crosses the sliding window")
        #expect(entries == references.reduce(0) { $0 + 5 * $1.steps.count })
        #expect(idsAgreed == entries, "every top-5 token id in llama.cpp's order")
        #expect(worst <= 0.001, "the issue's bar: 0.001 nats on every top-5 entry")
    }
}
