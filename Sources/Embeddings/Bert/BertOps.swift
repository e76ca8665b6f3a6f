import Foundation
import Kernels

/// The element-wise and per-token steps of the BERT forward pass, parallel over the pool
/// (public only for `erf8`, which tests check against libm).
public enum BertOps {
    /// `output = input · Wᵀ + bias` for every token.
    static func linear(
        _ linear: BertWeights.Linear, input: UnsafePointer<Float>, tokens: Int, output: UnsafeMutablePointer<Float>,
        pool: ComputePool
    ) {
        MatrixMultiply.multiply(linear.packed, input: input, tokens: tokens, output: output, pool: pool)
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

    /// BERT's GELU, the erf form: `x/2 · (1 + erf(x/√2))`, eight at a time with `erf8`.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int, pool: ComputePool) {
        let chunk = 8192
        pool.parallelFor((count + chunk - 1) / chunk) { task in
            var i = task * chunk
            let end = min(count, i + chunk)
            while i + 8 <= end {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                let y = 0.5 * v * (1 + erf8(v * 0.70710678118654752))
                UnsafeMutableRawPointer(x + i).storeBytes(of: y, as: SIMD8<Float>.self)
                i += 8
            }
            while i < end {
                let v = x[i]
                x[i] = 0.5 * v * (1 + erf(v * 0.70710678118654752))
                i += 1
            }
        }
    }

    /// `erf` of eight floats as a rational function of x² (Eigen's float `erf`, the one
    /// TensorFlow and XLA run on CPUs): within 5e-7 of the exact value everywhere, where
    /// libm's scalar `erff` took an eighth of the encoder's time.
    @inline(__always)
    public static func erf8(_ value: SIMD8<Float>) -> SIMD8<Float> {
        let x = value.clamped(lowerBound: SIMD8(repeating: -4), upperBound: SIMD8(repeating: 4))
        let x2 = x * x
        var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
        p = x2 * p + -2.10102402082508e-06
        p = x2 * p + -5.69250639462346e-05
        p = x2 * p + -7.34990630326855e-04
        p = x2 * p + -2.95459980854025e-03
        p = x2 * p + -1.60960333262415e-02
        p = x * p
        var q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04
        q = x2 * q + -1.68282697438203e-03
        q = x2 * q + -7.37332916720468e-03
        q = x2 * q + -1.42647390514189e-02
        return p / q
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
