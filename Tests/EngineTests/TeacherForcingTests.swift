import Engine
import Foundation
import Testing
import TestSupport

/// The engine's numerics against llama.cpp's on the real model: feed each reference
/// conversation's prompt plus llama.cpp's greedy tokens, and compare every step's top-5.
@Suite("Teacher-forced log-probabilities match llama.cpp")
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

    @Test func topFiveAgreeWithinTolerance() async throws {
        let engine = try InferenceEngine(modelPath: SharedFixtures.modelPath,
                                         configuration: EngineConfiguration(contextLength: 1024))
        var worst: Float = 0
        var compared = 0
        for (index, conversation) in try Self.conversations().enumerated() {
            let tokens = conversation.promptTokens + conversation.steps.map(\.id)
            var scored: [TokenLogprob?] = []
            for try await event in engine.generate(GenerationRequest(promptTokens: tokens, maxTokens: 0, promptLogprobs: 5)) {
                if case .promptScored(let entries) = event { scored = entries }
            }
            try #require(scored.count == tokens.count)
            for (stepIndex, step) in conversation.steps.enumerated() {
                let ours = try #require(scored[conversation.promptTokens.count + stepIndex]).top
                try #require(ours.count == 5 && step.top.count == 5)
                for rank in 0..<5 {
                    let difference = abs(ours[rank].logprob - step.top[rank].logprob)
                    worst = max(worst, difference)
                    #expect(difference <= 0.05, "conversation \(index) step \(stepIndex) rank \(rank): \(ours[rank].logprob) vs llama.cpp \(step.top[rank].logprob)")
                }
                if step.top[0].logprob - step.top[1].logprob > 0.1 {
                    #expect(ours[0].id == step.top[0].id, "conversation \(index) step \(stepIndex): argmax \(ours[0].id) vs llama.cpp \(step.top[0].id)")
                }
                compared += 1
            }
        }
        print("teacher forcing: \(compared) steps compared, largest top-5 difference \(worst) nats")
        #expect(compared > 0)
    }
}
