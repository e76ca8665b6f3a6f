import GGUF

/// Where RoPE's per-pair frequency factors come from.
enum RopeFactorSource: Sendable, Equatable {
    case none
    /// `rope_freqs.weight` (Llama 3.x's llama3 scaling).
    case frequencies
    /// LongRoPE: `rope_factors_long.weight` when the context exceeds the original context
    /// length, `rope_factors_short.weight` otherwise (llama_model::get_rope_factors).
    case longShort
}

extension LlamaHyperparameters {
    /// Architectures whose tensors and maths this engine implements, as llama.cpp's
    /// `general.architecture` names them.
    static let supportedArchitectures = ["gemma3", "llama", "phi3", "qwen2", "qwen3"]

    /// Sets what distinguishes `architecture`'s block from the plain llama one, as llama.cpp's
    /// graph builders (src/models/<arch>.cpp) and `llama_model_rope_type` do.
    mutating func applyArchitecture(metadata: GGUFMetadata, prefix: String) throws(EngineError) {
        switch architecture {
        case "llama":
            // Normal RoPE; llama.cpp ignores `attention.sliding_window` for this architecture
            // (Mistral files that carry it attend over the whole context there too).
            ropeFactors = ropeScaling.kind == .longrope ? .longShort : .frequencies
            try requireFullRope()
        case "qwen2":
            ropeStyle = .neox
            try requireFullRope()
        case "qwen3":
            ropeStyle = .neox
            hasQueryKeyNorms = true
            try requireFullRope()
        case "phi3":
            // Queries scaled before attention; gate and up fused in ffn_up. llama.cpp disables
            // phi3's sliding window ("Phi SWA is currently disabled"), so every layer is global.
            ropeStyle = .neox
            scalesQueries = true
            fusedGateUp = true
            ropeFactors = .longShort
        case "gemma3":
            // NEOX RoPE, GELU, √n_embd embedding scale, queries scaled by 1/√key_length before
            // attention, sliding layers `il % 6 < 5` with their own RoPE base (default 10,000).
            ropeStyle = .neox
            activation = .geluTanh
            hasQueryKeyNorms = true
            hasPostNorms = true
            scalesQueries = true
            embeddingScale = Float(embeddingLength).squareRoot()
            if let window = metadata[prefix + "attention.sliding_window"]?.intValue, window > 0 {
                slidingWindow = window
                slidingPatternPeriod = 6
                ropeFrequencyBaseSliding = Float(metadata[prefix + "rope.freq_base_swa"]?.doubleValue ?? 10_000)
            }
        default:
            throw .unsupportedModel(
                "architecture '\(architecture)' (supported: \(Self.supportedArchitectures.joined(separator: ", ")))")
        }
    }

    /// llama.cpp's llama, qwen2 and qwen3 graphs assert that RoPE covers the whole head.
    private func requireFullRope() throws(EngineError) {
        guard ropeDimension == headDimension else {
            throw .unsupportedModel(
                "\(architecture) with rope.dimension_count \(ropeDimension) ≠ head size \(headDimension)")
        }
    }
}
