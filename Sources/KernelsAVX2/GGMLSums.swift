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
