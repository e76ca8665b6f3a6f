import Foundation
import GGUF

/// How a model stretches RoPE past its pretraining context, and the YaRN parameters ggml's
/// rope takes, derived from the `<arch>.rope.scaling.*` keys exactly as llama.cpp does it
/// (`llama_model_base::load_hparams`, then `llama_context`'s constructor with default context
/// parameters: no user overrides).
struct RopeScaling: Sendable, Equatable {
    /// `rope.scaling.type`: llama.cpp's names; absent means `linear`.
    enum Kind: String, Sendable, CaseIterable { case none, linear, yarn, longrope }

    var kind: Kind = .linear
    /// Multiplies every angle (`1 / rope.scaling.factor`; 1 without a factor or with `none`).
    var frequencyScale: Float = 1
    /// YaRN's extrapolation mix (1 for `yarn`, else 0: plain interpolation).
    var extrapolationFactor: Float = 0
    /// Multiplies the cosines and sines (YaRN's magnitude correction times `rope.scaling.attn_factor`,
    /// LongRoPE's attention factor).
    var attentionFactor: Float = 1
    var betaFast: Float = 32
    var betaSlow: Float = 1
    /// `rope.scaling.original_context_length` (the training context without it): YaRN's
    /// correction dimensions and LongRoPE's choice between long and short factors depend on it.
    var originalContextLength: Int

    init(originalContextLength: Int) {
        self.originalContextLength = originalContextLength
    }

    init(metadata: GGUFMetadata, prefix: String, trainingContextLength: Int) throws(EngineError) {
        originalContextLength = metadata[prefix + "rope.scaling.original_context_length"]?.intValue
            ?? trainingContextLength
        if let name = metadata[prefix + "rope.scaling.type"]?.stringValue {
            guard let kind = Kind(rawValue: name) else {
                throw .unsupportedModel(
                    "rope.scaling.type '\(name)' (supported: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            self.kind = kind
        }
        let factor = metadata[prefix + "rope.scaling.factor"]?.doubleValue
            ?? metadata[prefix + "rope.scale_linear"]?.doubleValue ?? 0
        frequencyScale = factor == 0 || kind == .none ? 1 : 1 / Float(factor)
        if kind == .yarn {
            extrapolationFactor = 1
            // llama_context: get_mscale(factor, 1), then cancel the factor ggml's rope_yarn
            // multiplies in again.
            let stretch = 1 / frequencyScale
            attentionFactor = stretch <= 1 ? 1 : 0.1 * logf(stretch) + 1
            attentionFactor *= 1 / (1 + 0.1 * logf(stretch))
        }
        attentionFactor *= Float(metadata[prefix + "rope.scaling.attn_factor"]?.doubleValue ?? 1)
    }

    /// ggml_rope_yarn_corr_dims: the first and last rotary dimension YaRN ramps between.
    func correctionDimensions(ropeDimension: Int, base: Float) -> (low: Float, high: Float) {
        func dimension(_ rotations: Float) -> Float {
            Float(ropeDimension) * logf(Float(originalContextLength) / (rotations * 2 * Float.pi)) / (2 * logf(base))
        }
        let start = floorf(dimension(betaFast))
        let end = ceilf(dimension(betaSlow))
        return (max(0, start), min(Float(ropeDimension - 1), end))
    }
}
