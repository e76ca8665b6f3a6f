import Engine
import Foundation
import Testing
import TestSupport

/// The engine's numerics against llama.cpp's on the real model: feed each reference
/// conversation's prompt plus llama.cpp's greedy tokens, and compare every step's top-5.
///
/// The bar is 0.05 nats on every top-5 entry and the same argmax wherever the top two
/// differ by more than 0.1. The engine does ggml's AVX2 arithmetic operation for operation
/// (8-bit activations with half-precision scales, ggml's summation orders and fused
/// multiply-adds, flash attention with a half-precision accumulator, ggml's vector `exp`), so
/// it reproduces the fixture to its printed precision: measured worst 1e-4, mean 6e-6, with
/// both kernel backends. The bounds below are far tighter than the so that any drift
/// from llama.cpp's arithmetic shows up here first.
@Suite("Teacher-forced log-probabilities equal llama.cpp's")
struct TeacherForcingTests {
    struct Conversation {
        var promptTokens: [Int]
        var steps: [(id: Int, top: [(id: Int, logprob: Float)])]
    }

    static func conversations() throws -> [Conversation] {
        let list = try #require(try SharedFixtures.json("reference_greedy.json") as? [[String: Any]])
        return try list.map { entry in
            let prompt = try #require(entry["prompt_tokens"] as? [Int])
            let steps = try #require(entry["steps"] as? [[String: Any]]).map { step in
                let top = (step["top"] as? [[Double]] ?? []).map { (id: Int($0[0]), logprob: Float($0[1])) }
                return (id: step["id"] as? Int ?? -1, top: top)
            }
            return Conversation(promptTokens: prompt, steps: steps)
        }
    }

    @Test func topFiveMatchLlamaCpp() async throws {
        // llama.cpp computed each step with a one-token decode (its one-chunk attention). Scoring the
        // conversation as one prompt in batches under 64 rows takes that same attention arithmetic
        // (the one-chunk path does not depend on the batch); a batch of 64 rows or more takes ggml's
        // tiled attention (single-precision accumulators), other floats, as llama.cpp's would.
        let engine = try InferenceEngine(modelPath: SharedFixtures.modelPath,
                                         configuration: EngineConfiguration(contextLength: 1024, prefillChunkTokens: 32))
        var worst: Float = 0
        var total: Float = 0
        var entries = 0
        var argmaxChecked = 0
        var argmaxAgreed = 0
        var idsAgreed = 0
        for conversation in try Self.conversations() {
            let tokens = conversation.promptTokens + conversation.steps.map(\.id)
            var scored: [TokenLogprob?] = []
            for try await event in engine.generate(GenerationRequest(promptTokens: tokens, maxTokens: 0, promptLogprobs: 5)) {
                if case .promptScored(let list) = event { scored = list }
            }
            try #require(scored.count == tokens.count)
            for (stepIndex, step) in conversation.steps.enumerated() {
                let ours = try #require(scored[conversation.promptTokens.count + stepIndex]).top
                try #require(ours.count == 5 && step.top.count == 5)
                for rank in 0..<5 {
                    if ours[rank].id == step.top[rank].id { idsAgreed += 1 }
                    let difference = abs(ours[rank].logprob - step.top[rank].logprob)
                    worst = max(worst, difference)
                    total += difference
                    entries += 1
                }
                if step.top[0].logprob - step.top[1].logprob > 0.1 {
                    argmaxChecked += 1
                    if ours[0].id == step.top[0].id { argmaxAgreed += 1 }
                }
            }
        }
        let mean = total / Float(max(entries, 1))
        print("teacher forcing: \(entries) top-5 entries, ids agreed \(idsAgreed), mean |Δ| \(mean), worst \(worst), argmax \(argmaxAgreed)/\(argmaxChecked)")
        #expect(entries == 975, "the fixture has 195 steps of 5")
        #expect(idsAgreed == entries, "every top-5 token id and rank as llama.cpp's")
        #expect(worst <= 0.001, "the issue's bar is 0.05 nats; exact arithmetic gives 1e-4")
        #expect(mean <= 0.0001)
        #expect(argmaxAgreed == argmaxChecked, "argmax where llama.cpp's top two differ by > 0.1 nats")
    }
}
