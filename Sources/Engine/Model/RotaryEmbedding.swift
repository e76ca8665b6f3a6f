import Foundation

/// Rotary position embedding in ggml's "normal" layout (adjacent pairs), which is what GGUF
/// llama files expect: the converter permutes the query/key weights for it.
struct RotaryEmbedding {
    let headDimension: Int
    let ropeDimension: Int
    /// theta_i = base^(-2i/ropeDimension)
    let inverseFrequencies: [Double]

    init(hyperparameters h: LlamaHyperparameters) {
        headDimension = h.headDimension
        ropeDimension = h.ropeDimension
        let base = Double(h.ropeFrequencyBase)
        inverseFrequencies = (0..<(h.ropeDimension / 2)).map { pow(base, -2 * Double($0) / Double(h.ropeDimension)) }
    }

    /// Floats `table(position:into:)` writes.
    var tableCount: Int { ropeDimension }

    /// The cosines and sines of `position`'s angles, interleaved, for `apply(to:heads:table:)`.
    /// A token's table serves the queries and keys of every layer, so the trigonometry runs
    /// once per token, not twice per layer.
    func table(position: Int, into table: UnsafeMutablePointer<Float>) {
        for i in 0..<(ropeDimension / 2) {
            let angle = Double(position) * inverseFrequencies[i]
            table[2 * i] = Float(cos(angle))
            table[2 * i + 1] = Float(sin(angle))
        }
    }

    /// Rotates `heads` consecutive vectors of `headDimension` floats in place by a position's `table`.
    func apply(to vectors: UnsafeMutablePointer<Float>, heads: Int, table: UnsafePointer<Float>) {
        let pairs = ropeDimension / 2
        for head in 0..<heads {
            let v = vectors + head * headDimension
            for i in 0..<pairs {
                let cosine = table[2 * i], sine = table[2 * i + 1]
                let x0 = v[2 * i], x1 = v[2 * i + 1]
                v[2 * i] = x0 * cosine - x1 * sine
                v[2 * i + 1] = x0 * sine + x1 * cosine
            }
        }
    }
}
