#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// F32 weight × F32 activation products as llama.cpp's AVX2 build computes them:
/// - one token (decode), or a prompt llamafile declines: `ggml_vec_dot_f32`, four 8-lane fused
///   accumulators over steps of 32, `GGML_F32x8_REDUCE`, then any tail added product by
///   product (rounded products, as the compiled loop does);
/// - two or more tokens with a row length that is a multiple of 8 and a multiple of 4 rows (a
///   prompt): llamafile's `tinyBLAS<8, __m256, __m256, float, float, float>`, one 8-lane fused
///   accumulator over steps of 8, `hsum`.
public enum GGMLFloat32 {
    /// Whether llama.cpp takes llamafile's kernel for a product of `tokens` tokens, `rows` rows
    /// and `columns` columns (`llamafile_sgemm`: n ≥ 2, k % 8 == 0, m % 4 == 0).
    @inline(__always)
    public static func usesPromptKernel(tokens: Int, rows: Int, columns: Int) -> Bool {
        tokens >= 2 && columns % 8 == 0 && rows % 4 == 0
    }

    #if arch(x86_64)
    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// `ggml_vec_dot_f32` with AVX2 + FMA.
    public static func dotDecodeAVX2(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) -> Float {
        var a = SIMD8<Float>.zero, b = SIMD8<Float>.zero, c = SIMD8<Float>.zero, d = SIMD8<Float>.zero
        var i = 0
        while i + 32 <= n {
            a = _mm256_fmadd_ps(load8(w, i), load8(x, i), a)
            b = _mm256_fmadd_ps(load8(w, i + 8), load8(x, i + 8), b)
            c = _mm256_fmadd_ps(load8(w, i + 16), load8(x, i + 16), c)
            d = _mm256_fmadd_ps(load8(w, i + 24), load8(x, i + 24), d)
            i += 32
        }
        var sum = GGMLSums.reduceFour(a, b, c, d)
        while i < n {
            sum += w[i] * x[i]
            i += 1
        }
        return sum
    }

    /// llamafile's tinyBLAS element with AVX2 + FMA (`count` a multiple of 8).
    public static func dotPromptAVX2(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) -> Float {
        var c = SIMD8<Float>.zero
        var i = 0
        while i < n {
            c = _mm256_fmadd_ps(load8(w, i), load8(x, i), c)
            i += 8
        }
        return GGMLSums.horizontal(c)
    }
    #endif
}
