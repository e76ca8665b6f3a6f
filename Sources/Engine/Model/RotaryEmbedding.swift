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

    /// The embedding with RoPE base `base` (layers may differ: gemma3's sliding layers use their own).
    init(hyperparameters h: LlamaHyperparameters, base: Float) {
        headDimension = h.headDimension
        ropeDimension = h.ropeDimension
        thetaScale = powf(base, -2 / Float(h.ropeDimension))
        style = h.ropeStyle
    }

    init(hyperparameters h: LlamaHyperparameters) {
        self.init(hyperparameters: h, base: h.ropeFrequencyBase)
    }

    /// Floats `table(position:into:)` writes.
    var tableCount: Int { ropeDimension }

    /// The cosines and sines of `position`'s angles, interleaved, for `apply(to:heads:table:)`.
    /// A token's table serves the queries and keys of every layer, so the trigonometry runs
    /// once per token, not twice per layer.
    func table(position: Int, into table: UnsafeMutablePointer<Float>) {
        var theta = Float(position)
        for i in 0..<(ropeDimension / 2) {
            table[2 * i] = cosf(theta)
            table[2 * i + 1] = sinf(theta)
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
