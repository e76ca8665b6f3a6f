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

    /// Rotates `heads` consecutive vectors of `headDimension` floats in place for `position`.
    func apply(to vectors: UnsafeMutablePointer<Float>, heads: Int, position: Int) {
        let pairs = ropeDimension / 2
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * pairs) { table in
            for i in 0..<pairs {
                let angle = Double(position) * inverseFrequencies[i]
                table[2 * i] = Float(cos(angle))
                table[2 * i + 1] = Float(sin(angle))
            }
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
}
