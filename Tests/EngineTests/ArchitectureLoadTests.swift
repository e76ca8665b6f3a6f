import Engine
import Foundation
import Testing
import TestSupport

/// Loading tiny hand-built files of each architecture: the tensors each one requires, and the
/// errors for an architecture, a tensor or a RoPE scaling the engine does not run. (Numerics
/// are proven on generated models against llama.cpp: GeneratedModelTests.)
@Suite struct ArchitectureLoadTests {
    /// One block, 4-token SentencePiece vocabulary, 2 query heads of 4 over 1 key/value head.
    static func model(
        architecture: String, dropping: Set<String> = [], extraMetadata: [(String, GGUFWriter.Value)] = [],
        extraTensors: [GGUFWriter.Tensor] = []
    ) throws -> String {
        let (vocabulary, width, heads, kvHeads, head, feedForward) = (4, 8, 2, 1, 4, 16)
        let prefix = architecture + "."
        var metadata: [(String, GGUFWriter.Value)] = [
            ("general.architecture", .string(architecture)),
            (prefix + "context_length", .uint32(64)),
            (prefix + "embedding_length", .uint32(UInt32(width))),
            (prefix + "block_count", .uint32(1)),
            (prefix + "feed_forward_length", .uint32(UInt32(feedForward))),
            (prefix + "attention.head_count", .uint32(UInt32(heads))),
            (prefix + "attention.head_count_kv", .uint32(UInt32(kvHeads))),
            (prefix + "attention.key_length", .uint32(UInt32(head))),
            (prefix + "attention.layer_norm_rms_epsilon", .float32(1e-6)),
            ("tokenizer.ggml.model", .string("llama")),
            ("tokenizer.ggml.tokens", .array(elementType: 8, ["<unk>", "<s>", "</s>", "▁a"].map { .string($0) })),
            ("tokenizer.ggml.scores", .array(elementType: 6, [0, 0, 0, -1].map { .float32($0) })),
        ]
        metadata += extraMetadata
        func tensor(_ name: String, _ shape: [Int]) -> GGUFWriter.Tensor {
            let count = shape.reduce(1, *)
            return .f32(name, shape: shape.map(UInt64.init), values: (0..<count).map { Float($0 % 7) * 0.01 })
        }
        var tensors = [
            tensor("token_embd.weight", [width, vocabulary]),
            tensor("output_norm.weight", [width]),
            tensor("blk.0.attn_norm.weight", [width]),
            tensor("blk.0.attn_output.weight", [heads * head, width]),
            tensor("blk.0.ffn_norm.weight", [width]),
            tensor("blk.0.ffn_down.weight", [feedForward, width]),
        ]
        if architecture == "phi3" {
            tensors += [
                tensor("blk.0.attn_qkv.weight", [width, (heads + 2 * kvHeads) * head]),
                tensor("blk.0.ffn_up.weight", [width, 2 * feedForward]),
                tensor("rope_factors_long.weight", [head / 2]),
                tensor("rope_factors_short.weight", [head / 2]),
            ]
        } else {
            tensors += [
                tensor("blk.0.attn_q.weight", [width, heads * head]),
                tensor("blk.0.attn_k.weight", [width, kvHeads * head]),
                tensor("blk.0.attn_v.weight", [width, kvHeads * head]),
                tensor("blk.0.ffn_gate.weight", [width, feedForward]),
                tensor("blk.0.ffn_up.weight", [width, feedForward]),
            ]
        }
        if architecture == "qwen2" {
            tensors += [
                tensor("blk.0.attn_q.bias", [heads * head]), tensor("blk.0.attn_k.bias", [kvHeads * head]),
                tensor("blk.0.attn_v.bias", [kvHeads * head]),
            ]
        }
        if architecture == "qwen3" {
            tensors += [tensor("blk.0.attn_q_norm.weight", [head]), tensor("blk.0.attn_k_norm.weight", [head])]
        }
        if architecture == "llama" {
            tensors += [tensor("output.weight", [width, vocabulary]), tensor("rope_freqs.weight", [head / 2])]
        }
        return try GGUFWriter(metadata: metadata, tensors: tensors.filter { !dropping.contains($0.name) } + extraTensors).write()
    }

    static func loadError(_ path: String) -> EngineError? {
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try InferenceEngine(modelPath: path, configuration: EngineConfiguration(contextLength: 64, threadCount: 1))
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: ["llama", "qwen2", "qwen3", "phi3"])
    func everyArchitectureLoadsAndScores(architecture: String) async throws {
        let path = try Self.model(architecture: architecture)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = try InferenceEngine(modelPath: path, configuration: EngineConfiguration(contextLength: 64, threadCount: 1))
        #expect(engine.modelInfo.architecture == architecture)
        var scored: [TokenLogprob?] = []
        for try await event in engine.generate(GenerationRequest(promptTokens: [1, 3, 3, 2], maxTokens: 0, promptLogprobs: 2)) {
            if case .promptScored(let list) = event { scored = list }
        }
        #expect(scored.count == 4)
        #expect(scored.dropFirst().allSatisfy { $0.map { $0.logprob.isFinite && $0.top.count == 2 } ?? false })
    }

    @Test func unsupportedArchitectureNamesItAndTheSupportedOnes() throws {
        let error = try #require(Self.loadError(try Self.model(architecture: "falcon")))
        guard case .unsupportedModel = error else { Issue.record("expected unsupportedModel, got \(error)"); return }
        #expect(error.description.contains("'falcon'"))
        for name in ["gemma3", "llama", "phi3", "qwen2", "qwen3"] { #expect(error.description.contains(name)) }
    }

    @Test(arguments: [
        ("qwen3", "blk.0.attn_q_norm.weight"), ("phi3", "blk.0.attn_qkv.weight"), ("llama", "blk.0.ffn_gate.weight"),
        ("qwen2", "output_norm.weight"),
    ])
    func missingTensorNamesItAndTheArchitecture(architecture: String, tensor: String) throws {
        let error = try #require(Self.loadError(try Self.model(architecture: architecture, dropping: [tensor])))
        #expect(error.description.contains("missing tensor '\(tensor)'"), "\(error)")
        #expect(error.description.contains(architecture), "\(error)")
    }

    @Test func wronglyShapedOptionalTensorIsAnError() throws {
        // An optional tensor is checked like a required one: never read past its end.
        let error = try #require(Self.loadError(try Self.model(
            architecture: "llama", dropping: ["rope_freqs.weight"],
            extraTensors: [.f32("rope_freqs.weight", shape: [1], values: [1])])))
        #expect(error.description.contains("tensor 'rope_freqs.weight' has shape [1], expected [2]"), "\(error)")
    }

    @Test func unknownRopeScalingIsAnError() throws {
        let error = try #require(Self.loadError(try Self.model(
            architecture: "llama", extraMetadata: [("llama.rope.scaling.type", .string("dynamic"))])))
        #expect(error.description.contains("rope.scaling.type 'dynamic'"), "\(error)")
        #expect(error.description.contains("yarn"))
    }

    @Test func partialRopeOnLlamaIsAnError() throws {
        let error = try #require(Self.loadError(try Self.model(
            architecture: "llama", extraMetadata: [("llama.rope.dimension_count", .uint32(2))])))
        #expect(error.description.contains("rope.dimension_count 2"), "\(error)")
    }
}
