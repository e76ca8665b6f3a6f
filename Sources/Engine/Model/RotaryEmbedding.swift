import Foundation
import Kernels

/// Rotary position embedding as ggml computes it, in either pairing: `normal` (adjacent
/// pairs, what GGUF llama files expect: the converter permutes the query/key weights for it)
/// or `neox` (element `i` pairs with `i + ropeDimension/2`, gemma's).
///
/// The angles are computed as ggml's rope cache computes them, in single precision:
/// `theta_0 = position`, `theta_{i+1} = theta_i * base^(-2/ropeDimension)`, then `cosf`/`sinf`,
/// so the rotated queries and keys equal llama.cpp's to the last bit.
struct RotaryEmbedding {
    let headDimension: Int
    let ropeDimension: Int
    let thetaScale: Float
    let style: LlamaHyperparameters.RopeStyle
    let scaling: RopeScaling
    /// Per-pair divisors of the angles (`rope_freqs.weight`, LongRoPE's long or short factors).
    let frequencyFactors: UnsafePointer<Float>?
    private let correction: (low: Float, high: Float)

    /// The embedding with RoPE base `base` (layers may differ: gemma3's sliding layers use their own).
    init(hyperparameters h: LlamaHyperparameters, base: Float, frequencyFactors: UnsafePointer<Float>? = nil) {
        headDimension = h.headDimension
        ropeDimension = h.ropeDimension
        thetaScale = powf(base, -2 / Float(h.ropeDimension))
        style = h.ropeStyle
        scaling = h.ropeScaling
        self.frequencyFactors = frequencyFactors
        correction = h.ropeScaling.correctionDimensions(ropeDimension: h.ropeDimension, base: base)
    }

    init(hyperparameters h: LlamaHyperparameters, frequencyFactors: UnsafePointer<Float>? = nil) {
        self.init(hyperparameters: h, base: h.ropeFrequencyBase, frequencyFactors: frequencyFactors)
    }

    /// Floats `table(position:into:)` writes.
    var tableCount: Int { ropeDimension }

    /// The cosines and sines of `position`'s angles, interleaved, for `apply(to:heads:table:)`.
    /// A token's table serves the queries and keys of every layer, so the trigonometry runs
    /// once per token, not twice per layer. ggml's rope cache (`ggml_rope_cache_init` with
    /// `rope_yarn`): without factors or scaling every step below is an exact identity.
    func table(position: Int, into table: UnsafeMutablePointer<Float>) {
        var theta = Float(position)
        let s = scaling
        for i in 0..<(ropeDimension / 2) {
            let extrapolated = theta / (frequencyFactors?[i] ?? 1)
            let interpolated = s.frequencyScale * extrapolated
            var angle = interpolated
            var magnitude = s.attentionFactor
            if s.extrapolationFactor != 0 {
                let ramp = 1 - min(1, max(0, (Float(i) - correction.low) / max(0.001, correction.high - correction.low)))
                let mix = ramp * s.extrapolationFactor
                // Fused as libggml-cpu's AVX2 build compiles rope_yarn.
                angle = (extrapolated * mix).addingProduct(interpolated, 1 - mix)
                magnitude *= Float(1).addingProduct(0.1, logf(1 / s.frequencyScale))
            }
            table[2 * i] = cosf(angle) * magnitude
            table[2 * i + 1] = sinf(angle) * magnitude
            theta *= thetaScale
        }
    }

    /// Rotates `heads` consecutive vectors of `headDimension` floats in place by a position's `table`.
    func apply(to vectors: UnsafeMutablePointer<Float>, heads: Int, table: UnsafePointer<Float>) {
        switch style {
        case .normal:
            VectorOps.rotatePairs(
                vectors, heads: heads, headDimension: headDimension, ropeDimension: ropeDimension, table: table)
        case .neox:
            let half = ropeDimension / 2
            for head in 0..<heads {
                let v = vectors + head * headDimension
                for i in 0..<half {
                    // ggml's rotate_pairs with n_offset = n/2, rounded as the compiler fuses it
                    // (the same arithmetic as GGMLRotary.rotatePair).
                    let cosine = table[2 * i], sine = table[2 * i + 1]
                    let x0 = v[i], x1 = v[i + half]
                    v[i] = (-(x1 * sine)).addingProduct(x0, cosine)
                    v[i + half] = (x1 * cosine).addingProduct(x0, sine)
                }
            }
        }
    }
}
