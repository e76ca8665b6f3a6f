import Foundation
import Kernels

/// Rotary position embedding in ggml's "normal" layout (adjacent pairs), which is what GGUF
/// llama files expect: the converter permutes the query/key weights for it.
///
/// The angles are computed as ggml's rope cache computes them, in single precision:
/// `theta_0 = position`, `theta_{i+1} = theta_i * base^(-2/ropeDimension)`, then `cosf`/`sinf`,
/// so the rotated queries and keys equal llama.cpp's to the last bit.
struct RotaryEmbedding {
    let headDimension: Int
    let ropeDimension: Int
    let thetaScale: Float

    init(hyperparameters h: LlamaHyperparameters) {
        headDimension = h.headDimension
        ropeDimension = h.ropeDimension
        thetaScale = powf(h.ropeFrequencyBase, -2 / Float(h.ropeDimension))
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
        VectorOps.rotatePairs(vectors, heads: heads, headDimension: headDimension, ropeDimension: ropeDimension, table: table)
    }
}
