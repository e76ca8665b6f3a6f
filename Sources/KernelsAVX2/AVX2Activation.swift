#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SwiGLU as ggml computes it on AVX2 (`ggml_vec_swiglu_f32`): `silu(g) * u` with
/// `silu(x) = x / (1 + exp(-x))` and ggml's own vector `exp` (`ggml_v_expf`, from ARM's
/// optimized-routines), constant for constant, so the feed-forward output equals llama.cpp's.
public enum AVX2Activation {
    /// `gate[i] = silu(gate[i]) * up[i]`.
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        let g = UnsafeMutableRawPointer(gate), u = UnsafeRawPointer(up)
        var i = 0
        while i + 8 <= count {
            let x = g.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            let y = _mm256_mul_ps(silu(x), u.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self))
            g.storeBytes(of: y, toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        // ggml's scalar tail: libm's expf.
        while i < count {
            gate[i] = gate[i] / (1 + expf(-gate[i])) * up[i]
            i += 1
        }
    }

    /// `ggml_v_silu`.
    @inline(__always)
    static func silu(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let e = exp(_mm256_sub_ps(_mm256_setzero_ps(), x))
        return _mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1), e))
    }

    /// `ggml_v_expf`: 2^n * (1 + p(b)) with `n = round(x / ln 2)`, special-cased near overflow
    /// and underflow exactly as ggml does.
    @inline(__always)
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let r = _mm256_set1_ps(0x1.8p23)
        let z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0), r)
        let n = _mm256_sub_ps(z, r)
        let b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20), _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1), x))
        let e = _mm256_slli_epi32(_mm256_castps_si256(z), 23)
        let k = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_castps_si256(_mm256_set1_ps(1))))
        let c = _mm256_castps_si256(switchyard_greater_than(_mm256_andnot_ps(_mm256_set1_ps(-0.0), n), _mm256_set1_ps(126)))
        let u = _mm256_mul_ps(b, b)
        let j = _mm256_fmadd_ps(
            _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7), b, _mm256_set1_ps(0x1.573e2ep-5)), u,
                            _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3), b, _mm256_set1_ps(0x1.fffdb6p-2))),
            u, _mm256_mul_ps(_mm256_set1_ps(0x1.ffffecp-1), b))
        if _mm256_movemask_ps(_mm256_castsi256_ps(c)) == 0 {
            return _mm256_fmadd_ps(j, k, k)
        }
        let g = _mm256_and_si256(_mm256_castps_si256(switchyard_less_or_equal(n, _mm256_setzero_ps())),
                                 _mm256_set1_epi32(Int32(bitPattern: 0x8200_0000)))
        let s1 = _mm256_castsi256_ps(_mm256_add_epi32(g, _mm256_set1_epi32(0x7F00_0000)))
        let s2 = _mm256_castsi256_ps(_mm256_sub_epi32(e, g))
        let d = _mm256_castps_si256(switchyard_greater_than(_mm256_andnot_ps(_mm256_set1_ps(-0.0), n), _mm256_set1_ps(192)))
        return _mm256_or_ps(
            _mm256_and_ps(_mm256_castsi256_ps(d), _mm256_mul_ps(s1, s1)),
            _mm256_andnot_ps(
                _mm256_castsi256_ps(d),
                _mm256_or_ps(
                    _mm256_and_ps(_mm256_castsi256_ps(c), _mm256_mul_ps(_mm256_fmadd_ps(s2, j, s2), s1)),
                    _mm256_andnot_ps(_mm256_castsi256_ps(c), _mm256_fmadd_ps(k, j, k)))))
    }
}
#endif
