#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One query head's attention over half-precision cached keys and values, with AVX2 + F16C,
/// computed as llama.cpp's CPU flash attention does (`flash_attn_ext_f16_one_chunk`): the query
/// rounded to halves, each score a half-precision dot product in ggml's summation order, an
/// online softmax over positions in order, and a half-precision output accumulator rounded
/// after every update. Matching that arithmetic is what makes our log-probabilities equal
/// llama.cpp's; it costs little, since a position is still one pass over its key and value.
public enum AVX2Attention {
    /// `output = sum_p softmax_p(scale * query·key_p) * value_p` over `p` in `0..<length`, for the
    /// common head size of 64 (other sizes: `accumulateRuns`).
    /// - Parameters:
    ///   - keys: position 0's key of this head; position `p`'s is `rowStride` halves later (values alike).
    public static func attendHead64(
        query: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        length: Int, scale: Float, output: UnsafeMutablePointer<Float>
    ) {
        guard length > 0 else {
            output.initialize(repeating: 0, count: 64)
            return
        }
        attend64(query, keys, values, rowStride, length, scale, output, halfAccumulator: true)
        // A half accumulator overflows past 65504 (long contexts, large values, diffuse
        // attention): llama.cpp then answers inf/NaN; we redo the head in single precision.
        if !AttentionOverflow.allFinite(output, 64) {
            attend64(query, keys, values, rowStride, length, scale, output, halfAccumulator: false)
        }
    }

    /// The common head size, with the query and the accumulator held in registers.
    private static func attend64(
        _ query: UnsafePointer<Float>, _ keys: UnsafePointer<UInt16>, _ values: UnsafePointer<UInt16>, _ rowStride: Int,
        _ length: Int, _ scale: Float, _ output: UnsafeMutablePointer<Float>, halfAccumulator: Bool
    ) {
        /// The accumulator after an update: rounded to a half as in ggml, or kept in single precision.
        @inline(__always) func kept(_ x: SIMD8<Float>) -> SIMD8<Float> { halfAccumulator ? roundToHalf(x) : x }
        let q = UnsafeRawPointer(query)
        let q0 = roundToHalf(q.loadUnaligned(as: SIMD8<Float>.self))
        let q1 = roundToHalf(q.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
        let q2 = roundToHalf(q.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
        let q3 = roundToHalf(q.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
        let q4 = roundToHalf(q.loadUnaligned(fromByteOffset: 128, as: SIMD8<Float>.self))
        let q5 = roundToHalf(q.loadUnaligned(fromByteOffset: 160, as: SIMD8<Float>.self))
        let q6 = roundToHalf(q.loadUnaligned(fromByteOffset: 192, as: SIMD8<Float>.self))
        let q7 = roundToHalf(q.loadUnaligned(fromByteOffset: 224, as: SIMD8<Float>.self))
        var o0 = SIMD8<Float>.zero, o1 = SIMD8<Float>.zero, o2 = SIMD8<Float>.zero, o3 = SIMD8<Float>.zero
        var o4 = SIMD8<Float>.zero, o5 = SIMD8<Float>.zero, o6 = SIMD8<Float>.zero, o7 = SIMD8<Float>.zero
        var maximum = -Float.infinity
        var sum: Float = 0
        for p in 0..<length {
            let k = UnsafeRawPointer(keys + p * rowStride)
            // ggml_vec_dot_f16: four accumulators over steps of 32, then GGML_F32x8_REDUCE.
            var s0 = _mm256_mul_ps(half8(k, 0), q0)
            var s1 = _mm256_mul_ps(half8(k, 16), q1)
            var s2 = _mm256_mul_ps(half8(k, 32), q2)
            var s3 = _mm256_mul_ps(half8(k, 48), q3)
            s0 = _mm256_fmadd_ps(half8(k, 64), q4, s0)
            s1 = _mm256_fmadd_ps(half8(k, 80), q5, s1)
            s2 = _mm256_fmadd_ps(half8(k, 96), q6, s2)
            s3 = _mm256_fmadd_ps(half8(k, 112), q7, s3)
            let score = GGMLSums.reduceFour(s0, s1, s2, s3) * scale
            var rescale: Float = 1
            var weight: Float = 1
            if score > maximum {
                rescale = expf(maximum - score)
                maximum = score
                let m = SIMD8<Float>(repeating: rescale)
                o0 = kept(o0 * m); o1 = kept(o1 * m); o2 = kept(o2 * m); o3 = kept(o3 * m)
                o4 = kept(o4 * m); o5 = kept(o5 * m); o6 = kept(o6 * m); o7 = kept(o7 * m)
            } else {
                weight = expf(score - maximum)
            }
            let v = UnsafeRawPointer(values + p * rowStride)
            let w = SIMD8<Float>(repeating: weight)
            o0 = kept(_mm256_fmadd_ps(half8(v, 0), w, o0))
            o1 = kept(_mm256_fmadd_ps(half8(v, 16), w, o1))
            o2 = kept(_mm256_fmadd_ps(half8(v, 32), w, o2))
            o3 = kept(_mm256_fmadd_ps(half8(v, 48), w, o3))
            o4 = kept(_mm256_fmadd_ps(half8(v, 64), w, o4))
            o5 = kept(_mm256_fmadd_ps(half8(v, 80), w, o5))
            o6 = kept(_mm256_fmadd_ps(half8(v, 96), w, o6))
            o7 = kept(_mm256_fmadd_ps(half8(v, 112), w, o7))
            // `S = S*ms + vs`, fused as the compiler fuses it in ggml.
            sum = weight.addingProduct(sum, rescale)
        }
        let out = UnsafeMutableRawPointer(output)
        let s = SIMD8<Float>(repeating: sum == 0 ? 0 : 1 / sum)
        out.storeBytes(of: o0 * s, as: SIMD8<Float>.self)
        out.storeBytes(of: o1 * s, toByteOffset: 32, as: SIMD8<Float>.self)
        out.storeBytes(of: o2 * s, toByteOffset: 64, as: SIMD8<Float>.self)
        out.storeBytes(of: o3 * s, toByteOffset: 96, as: SIMD8<Float>.self)
        out.storeBytes(of: o4 * s, toByteOffset: 128, as: SIMD8<Float>.self)
        out.storeBytes(of: o5 * s, toByteOffset: 160, as: SIMD8<Float>.self)
        out.storeBytes(of: o6 * s, toByteOffset: 192, as: SIMD8<Float>.self)
        out.storeBytes(of: o7 * s, toByteOffset: 224, as: SIMD8<Float>.self)
    }

    /// `ggml_vec_dot_f16` of a cached key (halves) and the half-rounded query, with ggml's tail
    /// (terms past the last multiple of 32) summed in double.
    static func dot(_ key: UnsafePointer<UInt16>, _ q: UnsafePointer<Float>, _ n: Int) -> Double {
        let k = UnsafeRawPointer(key), qr = UnsafeRawPointer(q)
        let whole = n & ~31
        var s0 = SIMD8<Float>.zero, s1 = SIMD8<Float>.zero, s2 = SIMD8<Float>.zero, s3 = SIMD8<Float>.zero
        var i = 0
        while i < whole {
            s0 = _mm256_fmadd_ps(half8(k, 2 * i), qr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), s0)
            s1 = _mm256_fmadd_ps(half8(k, 2 * i + 16), qr.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self), s1)
            s2 = _mm256_fmadd_ps(half8(k, 2 * i + 32), qr.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD8<Float>.self), s2)
            s3 = _mm256_fmadd_ps(half8(k, 2 * i + 48), qr.loadUnaligned(fromByteOffset: 4 * i + 96, as: SIMD8<Float>.self), s3)
            i += 32
        }
        var total = Double(GGMLSums.reduceFour(s0, s1, s2, s3))
        while i < n {
            total += Double(_cvtsh_ss(key[i]) * q[i])
            i += 1
        }
        return total
    }

    /// Each lane rounded to the nearest half (ties to even), as a float.
    @inline(__always)
    static func roundToHalf(_ x: SIMD8<Float>) -> SIMD8<Float> {
        switchyard_round_to_half(x)
    }

    /// Eight halves at `byteOffset` as floats.
    @inline(__always)
    static func half8(_ base: UnsafeRawPointer, _ byteOffset: Int) -> SIMD8<Float> {
        _mm256_cvtph_ps(base.loadUnaligned(fromByteOffset: byteOffset, as: SIMD2<Int64>.self))
    }
}
#endif
