#if arch(x86_64)
import _Builtin_intrinsics.intel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One query head's attention over half-precision cached keys and values, with AVX2 + F16C.
public enum AVX2Attention {
    /// `output = sum_p softmax_p(scale * query·key_p) * value_p` over `p` in `0..<length`.
    /// - Parameters:
    ///   - keys: position 0's key of this head; position `p`'s is `rowStride` halves later (values alike).
    ///   - scores: room for `length` floats.
    public static func attendHead(
        query: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        length: Int, headDimension: Int, scale: Float, scores: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        guard length > 0 else {
            output.initialize(repeating: 0, count: headDimension)
            return
        }
        if headDimension == 64 {
            attend64(query, keys, values, rowStride, length, scale, scores, output)
            return
        }
        var maximum = -Float.infinity
        for p in 0..<length {
            let score = AVX2VectorOps.dotF16(query, keys + p * rowStride, count: headDimension) * scale
            scores[p] = score
            maximum = max(maximum, score)
        }
        let inverse = 1 / exponentiate(scores, length, maximum)
        output.initialize(repeating: 0, count: headDimension)
        for p in 0..<length {
            AVX2VectorOps.addScaledF16(output, values + p * rowStride, scale: scores[p] * inverse, count: headDimension)
        }
    }

    /// `scores[p] = exp(scores[p] - maximum)`; returns their sum.
    @inline(__always)
    private static func exponentiate(_ scores: UnsafeMutablePointer<Float>, _ length: Int, _ maximum: Float) -> Float {
        var total: Float = 0
        for p in 0..<length {
            let e = expf(scores[p] - maximum)
            scores[p] = e
            total += e
        }
        return total
    }

    /// The common head size, with the query and the output accumulator held in registers so
    /// each position costs one pass over its key and value rows and no loads or stores of either.
    private static func attend64(
        _ query: UnsafePointer<Float>, _ keys: UnsafePointer<UInt16>, _ values: UnsafePointer<UInt16>, _ rowStride: Int,
        _ length: Int, _ scale: Float, _ scores: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>
    ) {
        let q = UnsafeRawPointer(query)
        let q0 = q.loadUnaligned(as: SIMD8<Float>.self), q1 = q.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        let q2 = q.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self), q3 = q.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
        let q4 = q.loadUnaligned(fromByteOffset: 128, as: SIMD8<Float>.self), q5 = q.loadUnaligned(fromByteOffset: 160, as: SIMD8<Float>.self)
        let q6 = q.loadUnaligned(fromByteOffset: 192, as: SIMD8<Float>.self), q7 = q.loadUnaligned(fromByteOffset: 224, as: SIMD8<Float>.self)
        var maximum = -Float.infinity
        for p in 0..<length {
            let k = UnsafeRawPointer(keys + p * rowStride)
            var s0 = _mm256_mul_ps(q0, half8(k, 0))
            var s1 = _mm256_mul_ps(q1, half8(k, 16))
            s0 = _mm256_fmadd_ps(q2, half8(k, 32), s0)
            s1 = _mm256_fmadd_ps(q3, half8(k, 48), s1)
            s0 = _mm256_fmadd_ps(q4, half8(k, 64), s0)
            s1 = _mm256_fmadd_ps(q5, half8(k, 80), s1)
            s0 = _mm256_fmadd_ps(q6, half8(k, 96), s0)
            s1 = _mm256_fmadd_ps(q7, half8(k, 112), s1)
            let score = (s0 + s1).sum() * scale
            scores[p] = score
            maximum = max(maximum, score)
        }
        let inverse = 1 / exponentiate(scores, length, maximum)
        var o0 = SIMD8<Float>.zero, o1 = SIMD8<Float>.zero, o2 = SIMD8<Float>.zero, o3 = SIMD8<Float>.zero
        var o4 = SIMD8<Float>.zero, o5 = SIMD8<Float>.zero, o6 = SIMD8<Float>.zero, o7 = SIMD8<Float>.zero
        for p in 0..<length {
            let v = UnsafeRawPointer(values + p * rowStride)
            let w = _mm256_set1_ps(scores[p])
            o0 = _mm256_fmadd_ps(half8(v, 0), w, o0)
            o1 = _mm256_fmadd_ps(half8(v, 16), w, o1)
            o2 = _mm256_fmadd_ps(half8(v, 32), w, o2)
            o3 = _mm256_fmadd_ps(half8(v, 48), w, o3)
            o4 = _mm256_fmadd_ps(half8(v, 64), w, o4)
            o5 = _mm256_fmadd_ps(half8(v, 80), w, o5)
            o6 = _mm256_fmadd_ps(half8(v, 96), w, o6)
            o7 = _mm256_fmadd_ps(half8(v, 112), w, o7)
        }
        let out = UnsafeMutableRawPointer(output)
        let s = SIMD8<Float>(repeating: inverse)
        out.storeBytes(of: o0 * s, as: SIMD8<Float>.self)
        out.storeBytes(of: o1 * s, toByteOffset: 32, as: SIMD8<Float>.self)
        out.storeBytes(of: o2 * s, toByteOffset: 64, as: SIMD8<Float>.self)
        out.storeBytes(of: o3 * s, toByteOffset: 96, as: SIMD8<Float>.self)
        out.storeBytes(of: o4 * s, toByteOffset: 128, as: SIMD8<Float>.self)
        out.storeBytes(of: o5 * s, toByteOffset: 160, as: SIMD8<Float>.self)
        out.storeBytes(of: o6 * s, toByteOffset: 192, as: SIMD8<Float>.self)
        out.storeBytes(of: o7 * s, toByteOffset: 224, as: SIMD8<Float>.self)
    }

    /// Eight halves at `byteOffset` as floats.
    @inline(__always)
    private static func half8(_ base: UnsafeRawPointer, _ byteOffset: Int) -> SIMD8<Float> {
        _mm256_cvtph_ps(base.loadUnaligned(fromByteOffset: byteOffset, as: SIMD2<Int64>.self))
    }
}
#endif
