#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// BF16 weight × activation products as llama.cpp's AVX2 build computes them. The activations
/// are first rounded to BF16 (`ggml_cpu_fp32_to_bf16`, BF16's `vec_dot_type`); then
/// - one token (decode): `ggml_vec_dot_bf16`, four 8-lane accumulators over steps of 32 with
///   (compiler-)fused multiply-adds, combined `(c1+c3) + (c2+c4)`, `hsum`, widened to double, and
///   any tail added in double;
/// - two or more tokens with a row length that is a multiple of 8 (a prompt): llamafile's
///   `tinyBLAS<8, __m256, …, ggml_bf16_t>`, one 8-lane fused accumulator over steps of 8, `hsum`.
public enum GGMLBF16 {
    /// `ggml_compute_fp32_to_bf16`: round to nearest even; NaNs kept quiet.
    @inline(__always)
    public static func fromFloat(_ x: Float) -> UInt16 {
        let u = x.bitPattern
        if u & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: u >> 16) | 64 }
        return UInt16(truncatingIfNeeded: (u &+ (0x7FFF &+ ((u >> 16) & 1))) >> 16)
    }

    @inline(__always)
    public static func toFloat(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Whether llama.cpp takes the prompt kernel for a product of `tokens` tokens and `count` columns.
    @inline(__always)
    public static func usesPromptKernel(tokens: Int, count: Int) -> Bool { tokens >= 2 && count % 8 == 0 }

    #if arch(x86_64)
    @inline(__always)
    private static func load8(_ p: UnsafePointer<UInt16>, _ i: Int) -> SIMD8<Float> {
        let raw = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD2<Int64>.self)
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(raw), 16))
    }

    /// The decode rule with AVX2 + FMA.
    public static func dotDecodeAVX2(_ w: UnsafePointer<UInt16>, _ x: UnsafePointer<UInt16>, count n: Int) -> Float {
        var c1 = SIMD8<Float>.zero, c2 = SIMD8<Float>.zero, c3 = SIMD8<Float>.zero, c4 = SIMD8<Float>.zero
        var i = 0
        while i + 32 <= n {
            c1 = _mm256_fmadd_ps(load8(w, i), load8(x, i), c1)
            c2 = _mm256_fmadd_ps(load8(w, i + 8), load8(x, i + 8), c2)
            c3 = _mm256_fmadd_ps(load8(w, i + 16), load8(x, i + 16), c3)
            c4 = _mm256_fmadd_ps(load8(w, i + 24), load8(x, i + 24), c4)
            i += 32
        }
        var sum = Double(GGMLSums.horizontal((c1 + c3) + (c2 + c4)))
        while i < n {
            sum += Double(toFloat(w[i]) * toFloat(x[i]))
            i += 1
        }
        return Float(sum)
    }

    /// The prompt rule with AVX2 + FMA (`count` a multiple of 8).
    public static func dotPromptAVX2(_ w: UnsafePointer<UInt16>, _ x: UnsafePointer<UInt16>, count n: Int) -> Float {
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
