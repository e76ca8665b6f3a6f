import Engine
import Foundation
import Testing
import TestSupport

/// The generated test models (scripts/testmodels: random weights, each family's metadata layout and
/// tokenizer) against llama.cpp's AVX2 build: feed each reference prompt plus llama.cpp's greedy
/// tokens, and compare every step's top-5 log-probabilities: ids in order (ties within 1e-4 nats in
/// either order) and within 0.001 nats.
/// Skipped when scripts/testmodels/make.sh has not made the models, except under CI=true.
@Suite("Generated models: teacher-forced log-probabilities equal llama.cpp's",
       .enabled(if: GeneratedModels.runsOrRequired, "the generated models are not made (scripts/testmodels/make.sh)"))
struct GeneratedModelTeacherForcingTests {
    /// The references the engine passes (ids of references/index.json: `model.TYPE`, `@N` for a context
    /// other than 4096): every architecture (qwen2 tied and untied, qwen3, llama 3 with rope_freqs,
    /// linear and yarn scaling, mistral, phi3 with LongRoPE's short and long factors) in every weight
    /// type. Measured worst 1.3e-5 nats (F32), 1.1e-5 (Q4_K_M), 3.8e-6 (Q8_0), every id in order.
    static let passing = [
        "qwen2.F32", "qwen2.Q8_0", "qwen2.Q4_K_M",
        "qwen2-tied.F32", "qwen2-tied.Q8_0", "qwen2-tied.Q4_K_M",
        "qwen3.F32", "qwen3.Q8_0", "qwen3.Q4_K_M",
        "llama3.F32", "llama3.Q8_0", "llama3.Q4_K_M",
        "llama3-linear.F32", "llama3-linear.Q8_0", "llama3-linear.Q4_K_M",
        "llama3-yarn.F32", "llama3-yarn.Q8_0", "llama3-yarn.Q4_K_M",
        "mistral.F32", "mistral.Q8_0", "mistral.Q4_K_M",
        "phi3.F32", "phi3.F32@8192", "phi3.Q8_0", "phi3.Q8_0@8192", "phi3.Q4_K_M", "phi3.Q4_K_M@8192",
    ]

    /// `SWITCHYARD_GENERATED_REFERENCES` (comma-separated ids, or `all`) replaces the list, to try others.
    static let selected: [String] = {
        guard let chosen = ProcessInfo.processInfo.environment["SWITCHYARD_GENERATED_REFERENCES"] else { return passing }
        if chosen == "all" { return (try? GeneratedModels.references().map(\.id)) ?? passing }
        return chosen.split(separator: ",").map { String($0) }
    }()

    static func load(_ reference: GeneratedModels.Reference) throws -> [(prompt: [Int], steps: [ReferenceStep])] {
        let list = try #require(try GeneratedModels.json(reference.referenceFile) as? [[String: Any]])
        return try list.map { entry in
            let prompt = try #require(entry["prompt_tokens"] as? [Int])
            let steps = try #require(entry["steps"] as? [[String: Any]]).map { step in
                (id: step["id"] as? Int ?? -1,
                 top: (step["top"] as? [[Double]] ?? []).map { (id: Int($0[0]), logprob: Float($0[1])) })
            }
            return (prompt, steps)
        }
    }

    /// Each step is a request of the prompt plus the reference tokens so far (the prefix cached), as
    /// llama-server evaluated them: the prompt, then one token per decode step. A fresh engine per
    /// prompt: llama-server computed each with `cache_prompt: false`. Two threads (`-t 2`) and the
    /// server's context size (phi3's LongRoPE picks its factors by it).
    @Test(arguments: selected)
    func topFiveMatchLlamaCpp(_ id: String) async throws {
        let reference = try GeneratedModels.reference(id)
        let path = GeneratedModels.path(of: reference.file)
        try #require(FileManager.default.fileExists(atPath: path),
                     "\(path) is missing: run scripts/testmodels/make.sh")
        let prompts = try Self.load(reference)
        #expect(prompts.count >= 4)
        for (index, (prompt, steps)) in prompts.enumerated() {
            let engine = try InferenceEngine(
                modelPath: path,
                configuration: EngineConfiguration(contextLength: reference.contextLength, threadCount: 2))
            #expect(engine.modelInfo.architecture == reference.architecture)
            let score = try await TeacherForcing.score(engine, prompt: prompt, steps: steps) { rank, ours, theirs in
                Self.sameCandidate(rank, ours: ours, reference: theirs)
            }
            print("\(id) teacher forcing, prompt \(index) (\(prompt.count) tokens): worst |Δ| \(score.worst), ids \(score.idsAgreed)/\(score.entries)")
            #expect(score.idsAgreed == score.entries, "\(id) prompt \(index): every top-5 id in llama.cpp's order (ties aside)")
            #expect(score.worst <= 0.001, "\(id) prompt \(index): within 0.001 nats")
        }
    }

    /// Reference log-probabilities closer than this are a tie: random weights make a few (7 of the 3,456
    /// steps have neighbours within 0.001, the closest 1.5e-5 apart), and an exact engine may order a
    /// tie either way by float rounding. Everything else must be in llama.cpp's order.
    static let tie: Float = 1e-4

    /// Whether our candidate at `rank` is llama.cpp's, or a candidate tied with it at that rank (a tie
    /// with llama.cpp's sixth, unseen, candidate included for the last rank).
    static func sameCandidate(_ rank: Int, ours: [TokenAlternative], reference: [(id: Int, logprob: Float)]) -> Bool {
        if ours[rank].id == reference[rank].id { return true }
        let tied = reference.filter { abs($0.logprob - reference[rank].logprob) < tie }.map(\.id)
        if tied.contains(ours[rank].id) { return true }
        return rank == reference.count - 1 && abs(ours[rank].logprob - reference[rank].logprob) < tie
            && !reference.contains { $0.id == ours[rank].id }
    }

    /// Every listed id names a reference of references/index.json (a typo would test nothing).
    @Test func listedReferencesExist() throws {
        let ids = Set(try GeneratedModels.references().map(\.id))
        for id in Self.selected { #expect(ids.contains(id), "\(id) is not in references/index.json") }
    }
}
