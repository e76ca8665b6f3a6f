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

    /// The 792-token reference, computed with `-b 32 -ub 32`: 32-token prefill batches with breaks
    /// 32 and 4 tokens before the end (PromptBatchBreaks), and decode steps over 512+ cells that
    /// ggml splits per thread (split-KV attention).
    static let longPromptIndex = 8

    /// Each step is a request of the prompt plus the reference tokens so far, with the prefix
    /// cached: the prompt is evaluated in llama-server's batches and each step token alone, as
    /// llama-server did (prompt, then one token per decode step), so every kernel takes llama.cpp's path.
    @Test func topFiveMatchLlamaCpp() async throws {
        let references = try Self.references()
        #expect(references.count == 9)
        #expect(references.last.map { $0.promptTokens.count > 512 } == true, "the last prompt crosses the sliding window")
        for (index, reference) in references.enumerated() {
            // A fresh engine per reference: llama-server computed each with `cache_prompt: false`,
            // so no prefix (not even BOS) may come from an earlier reference's cache. The long
            // prompt was computed with `-b 32 -ub 32`: 32-token prefill batches. Two threads, as
            // the server's `-t 2`: a decode step over 512+ cache cells splits them per thread.
            let chunk = index == Self.longPromptIndex ? 32 : EngineConfiguration().prefillChunkTokens
            let engine = try InferenceEngine(
                modelPath: SharedFixtures.gemma3ModelPath,
                configuration: EngineConfiguration(contextLength: 1024, threadCount: 2, prefillChunkTokens: chunk))
            #expect(engine.modelInfo.architecture == "gemma3")
            // The first request evaluates the prompt: the scheduler batches it as llama-server
            // does for a sliding-window model (its last 4 tokens a batch of their own,
            // PromptBatchBreaks); each later request adds one reference token to the cached prefix.
            let score = try await TeacherForcing.score(engine, prompt: reference.promptTokens, steps: reference.steps)
            print("gemma3 teacher forcing, reference \(index) (\(reference.promptTokens.count) prompt tokens): worst |Δ| \(score.worst), ids \(score.idsAgreed)/\(score.entries)")
            #expect(score.idsAgreed == score.entries, "reference \(index): every top-5 id in llama.cpp's order")
            #expect(score.worst <= 0.001, "reference \(index): within 0.001 nats")
        }
    }
}
