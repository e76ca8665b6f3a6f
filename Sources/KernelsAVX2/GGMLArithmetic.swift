#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The orders in which ggml's AVX2 code adds up vector lanes. Float addition is not
/// associative, and llama.cpp rounds activations to 8 bits before every matrix product, so a
/// last-bit difference in one sum can move a whole quantization step downstream: matching
/// llama.cpp's outputs means adding in the same order, not just the same terms.
public enum GGMLSums {
    /// `hsum_float_8`: `((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7))`.
    @inline(__always)
    public static func horizontal(_ v: SIMD8<Float>) -> Float {
        let quad = v.highHalf + v.lowHalf
        let pair = quad.lowHalf + quad.highHalf
        return pair[0] + pair[1]
    }

    /// `GGML_F32x8_REDUCE` of four accumulators, as `ggml_vec_dot_f16` ends:
    /// `(a+c) + (b+d)`, then the halves, then two horizontal adds (`(t0+t1) + (t2+t3)`).
    @inline(__always)
    public static func reduceFour(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> Float {
        let x = (a + c) + (b + d)
        let t = x.lowHalf + x.highHalf
        return (t[0] + t[1]) + (t[2] + t[3])
    }
}

/// ggml's scalar rotary step, shared by the portable kernels and the AVX2 tail.
public enum GGMLRotary {
    /// Turns the pair at `v[i]`, `v[i+1]` by `table[i]` (cos) and `table[i+1]` (sin):
    /// `x0·cos − (x1·sin)` and `x0·sin + (x1·cos)`, the bracketed product rounded and the rest
    /// fused, as the compiler fuses ggml's rope.
    @inline(__always)
    public static func rotatePair(_ v: UnsafeMutablePointer<Float>, at i: Int, table: UnsafePointer<Float>) {
        let cosine = table[i], sine = table[i + 1]
        let x0 = v[i], x1 = v[i + 1]
        v[i] = (-(x1 * sine)).addingProduct(x0, cosine)
        v[i + 1] = (x1 * cosine).addingProduct(x0, sine)
    }
}

/// ggml's flash attention keeps its output accumulator in half precision, which overflows past
/// 65504 (long contexts, large values, diffuse attention) and then yields inf or NaN. Both
/// attention backends check each head's output and redo an overflowed head in single precision.
public enum AttentionOverflow {
    /// Whether every one of `count` floats is finite.
    @inline(__always)
    public static func allFinite(_ x: UnsafePointer<Float>, _ count: Int) -> Bool {
        var finite = true
        for i in 0..<count { finite = finite && x[i].isFinite }
        return finite
    }
}

/// ggml's `flash_attn_ext_f16_one_chunk` for one query row and head, in plain Swift over
/// closures: the portable backend and the AVX2 backend's odd head sizes share it (the AVX2
/// 64-wide head has its own register version of the same steps).
public enum OneChunkAttention {
    /// `output = sum_p softmax_p(scale * query·key_p) * value_p` for `p` in `0..<length`, with
    /// the query rounded to halves, a half accumulator (single precision if that overflowed).
    /// - Parameters:
    ///   - roundToHalf: a float rounded to the nearest half, as a float.
    ///   - score: `ggml_vec_dot_f16` of key `p` and the half-rounded query.
    ///   - value: element `i` of value `p`.
    @inline(__always)
    public static func attend(
        query: UnsafePointer<Float>, length: Int, headDimension n: Int, scale: Float, output: UnsafeMutablePointer<Float>,
        roundToHalf: (Float) -> Float, score: (Int, UnsafePointer<Float>) -> Double, value: (Int, Int) -> Float
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * n) { buffer in
            let q = buffer.baseAddress!
            let accumulator = q + n
            for i in 0..<n { q[i] = roundToHalf(query[i]) }
            for halfAccumulator in [true, false] {
                func kept(_ x: Float) -> Float { halfAccumulator ? roundToHalf(x) : x }
                accumulator.initialize(repeating: 0, count: n)
                var maximum = -Float.infinity
                var sum: Float = 0
                for p in 0..<length {
                    let s = Float(score(p, q)) * scale
                    var rescale: Float = 1
                    var weight: Float = 1
                    if s > maximum {
                        rescale = expf(maximum - s)
                        maximum = s
                        for i in 0..<n { accumulator[i] = kept(accumulator[i] * rescale) }
                    } else {
                        weight = expf(s - maximum)
                    }
                    for i in 0..<n { accumulator[i] = kept(accumulator[i].addingProduct(value(p, i), weight)) }
                    // `S = S*ms + vs`, fused as the compiler fuses it in ggml.
                    sum = weight.addingProduct(sum, rescale)
                }
                let inverse: Float = sum == 0 ? 0 : 1 / sum
                for i in 0..<n { output[i] = accumulator[i] * inverse }
                if halfAccumulator, !AttentionOverflow.allFinite(output, n) { continue }
                return
            }
        }
    }
}
