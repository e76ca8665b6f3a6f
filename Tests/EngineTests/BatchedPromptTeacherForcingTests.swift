import Engine
import Foundation
import Testing
import TestSupport

/// Prompts of 64 to 700 tokens evaluated in batches of 64 rows or more, where llama.cpp's attention
/// takes its tiled path (`TiledAttention`), against llama.cpp's AVX2 build run with `-b 512 -ub 512`
/// (scripts/testmodels/references_batched.py, references/batched): qwen3 (head 128), llama3 (head 64)
/// and phi3 generated models in F32 and Q4_K_M, and Gemma 3 270M (head 256) across its 512-token
/// sliding window. The engine batches as llama-server did: prefill chunks of 512 (Gemma's split
/// by PromptBatchBreaks into 188, 508 and 4 rows), then one token per step.
@Suite("Batched prompts: teacher-forced log-probabilities equal llama.cpp's (-ub 512)")
struct BatchedPromptTeacherForcingTests {
    struct Entry {
        var id: String
        var file: String
        var architecture: String
        var contextLength: Int
        var reference: String
    }

    static var directory: URL { GeneratedModels.referencesDirectory.appendingPathComponent("batched") }

    static func entries() throws -> [Entry] {
        let data = try Data(contentsOf: directory.appendingPathComponent("index.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let list = try #require(root["references"] as? [[String: Any]])
        return try list.map { e in
            Entry(id: try #require(e["id"] as? String), file: try #require(e["file"] as? String),
                  architecture: try #require(e["architecture"] as? String),
                  contextLength: try #require(e["n_ctx"] as? Int), reference: try #require(e["reference"] as? String))
        }
    }

    static let ids = ["qwen3.F32", "qwen3.Q4_K_M", "llama3.F32", "llama3.Q4_K_M", "phi3.F32", "phi3.Q4_K_M",
                      "gemma3-270m"]

    /// The model file of an entry, or nil where it is not present and may be skipped (Gemma 3 when
    /// not pulled; the generated models outside CI when make.sh has not run).
    static func modelPath(_ entry: Entry) -> String? {
        if entry.id == "gemma3-270m" { return SharedFixtures.gemma3Available ? SharedFixtures.gemma3ModelPath : nil }
        let path = GeneratedModels.path(of: entry.file)
        return FileManager.default.fileExists(atPath: path) || ProcessInfo.processInfo.environment["CI"] == "true"
            ? path : nil
    }

    @Test(arguments: ids)
    func topFiveMatchLlamaCpp(_ id: String) async throws {
        let entry = try #require(try Self.entries().first { $0.id == id }, "\(id) is not in references/batched/index.json")
        guard let path = Self.modelPath(entry) else {
            print("\(id): model file not present, skipped")
            return
        }
        let data = try Data(contentsOf: Self.directory.appendingPathComponent(entry.reference))
        let prompts = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(prompts.count >= 2)
        for (index, prompt) in prompts.enumerated() {
            let tokens = try #require(prompt["prompt_tokens"] as? [Int])
            #expect(tokens.count >= 64, "a batch of 64 rows or more")
            let steps = try #require(prompt["steps"] as? [[String: Any]]).map { step -> ReferenceStep in
                (id: step["id"] as? Int ?? -1,
                 top: (step["top"] as? [[Double]] ?? []).map { (id: Int($0[0]), logprob: Float($0[1])) })
            }
            // A fresh engine per prompt (`cache_prompt: false`); two threads (`-t 2`); llama-server's
            // batch of 512 as the prefill chunk (and, for Gemma, its 1024-cell sliding-window cache).
            let engine = try InferenceEngine(
                modelPath: path,
                configuration: EngineConfiguration(contextLength: entry.contextLength, threadCount: 2,
                                                   prefillChunkTokens: 512))
            #expect(engine.modelInfo.architecture == entry.architecture)
            let score = try await TeacherForcing.score(engine, prompt: tokens, steps: steps)
            print("\(id) batched teacher forcing, prompt \(index) (\(tokens.count) tokens): worst |Δ| \(score.worst), ids \(score.idsAgreed)/\(score.entries)")
            #expect(score.idsAgreed == score.entries, "\(id) prompt \(index): every top-5 id in llama.cpp's order")
            #expect(score.worst <= 0.001, "\(id) prompt \(index): within 0.001 nats")
        }
    }
}
