import Foundation
import Kernels

/// The element-wise and per-token steps of the BERT forward pass, parallel over the pool.
enum BertOps {
    /// `output = input · Wᵀ + bias` for every token.
    static func linear(
        _ linear: BertWeights.Linear, input: UnsafePointer<Float>, tokens: Int, output: UnsafeMutablePointer<Float>,
        pool: ComputePool
    ) {
        MatrixMultiply.multiplyFloatTiled(linear.weight, input: input, tokens: tokens, output: output, pool: pool)
        let rows = linear.weight.rows
        let bias = linear.bias
        let chunk = 64
        pool.parallelFor((tokens + chunk - 1) / chunk) { task in
            for t in (task * chunk)..<min(tokens, task * chunk + chunk) {
                VectorOps.add(output + t * rows, bias, count: rows)
            }
        }
    }

    /// `x = LayerNorm(x + y)` per token (BERT's post-norm residual).
    static func addAndNormalize(
        _ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, _ norm: BertWeights.Norm, epsilon: Float, tokens: Int,
        count: Int, pool: ComputePool
    ) {
        let chunk = 32
        pool.parallelFor((tokens + chunk - 1) / chunk) { task in
            for t in (task * chunk)..<min(tokens, task * chunk + chunk) {
                let row = x + t * count
                VectorOps.add(row, y + t * count, count: count)
                layerNorm(row, norm, epsilon: epsilon, count: count)
            }
        }
    }

    /// `x = (x - mean) / sqrt(variance + epsilon) * weight + bias`, as torch's layer_norm
    /// (biased variance, the mean subtracted before squaring).
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, _ norm: BertWeights.Norm, epsilon: Float, count: Int) {
        var sum: Float = 0
        for i in 0..<count { sum += x[i] }
        let mean = sum / Float(count)
        var squares: Float = 0
        for i in 0..<count {
            let d = x[i] - mean
            squares += d * d
        }
        let scale = 1 / (squares / Float(count) + epsilon).squareRoot()
        for i in 0..<count { x[i] = (x[i] - mean) * scale * norm.weight[i] + norm.bias[i] }
    }

    /// BERT's GELU, the exact erf form: `x/2 · (1 + erf(x/√2))`.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int, pool: ComputePool) {
        let chunk = 8192
        pool.parallelFor((count + chunk - 1) / chunk) { task in
            for i in (task * chunk)..<min(count, task * chunk + chunk) {
                let v = x[i]
                x[i] = 0.5 * v * (1 + erf(v * 0.70710678118654752))
            }
        }
    }

    /// Multi-head self-attention of each sequence over its own tokens (no mask needed: the
    /// batch is packed without padding). `output` gets the heads' contexts side by side.
    static func attention(
        query: UnsafePointer<Float>, key: UnsafePointer<Float>, value: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>, lengths: [Int], starts: [Int], heads: Int, headSize: Int, pool: ComputePool
    ) {
        let hidden = heads * headSize
        let scale = 1 / Float(headSize).squareRoot()
        let longest = lengths.max() ?? 0
        pool.parallelFor(lengths.count * heads) { task in
            let s = task / heads
            let head = task % heads
            let length = lengths[s]
            let base = starts[s] * hidden + head * headSize
            withUnsafeTemporaryAllocation(of: Float.self, capacity: max(1, longest)) { scores in
                guard let p = scores.baseAddress else { return }
                for i in 0..<length {
                    let q = query + base + i * hidden
                    for j in 0..<length {
                        p[j] = VectorOps.dot(q, key + base + j * hidden, count: headSize) * scale
                    }
                    var largest = -Float.infinity
                    for j in 0..<length { largest = max(largest, p[j]) }
                    var total: Float = 0
                    for j in 0..<length {
                        p[j] = Foundation.exp(p[j] - largest)
                        total += p[j]
                    }
                    let out = output + base + i * hidden
                    for d in 0..<headSize { out[d] = 0 }
                    let inverse = 1 / total
                    for j in 0..<length {
                        VectorOps.addScaled(out, value + base + j * hidden, scale: p[j] * inverse, count: headSize)
                    }
                }
            }
        }
    }
}
