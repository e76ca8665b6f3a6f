import KernelsAVX2

/// F32 weight × F32 activation products with the arithmetic of llama.cpp's AVX2 build
/// (`GGMLFloat32`), in plain Swift for the portable kernel set: the same accumulators, the same
/// fused steps (`FusedMultiplyAdd`) and the same final sums, so F32 models round as they do there.
enum PortableFloat32 {
    @inline(__always)
    private static func load8(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// `ggml_vec_dot_f32`: four 8-lane fused accumulators over steps of 32, `GGML_F32x8_REDUCE`,
    /// then the tail product by product (rounded products, as the compiled loop does).
    static func dotDecode(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) -> Float {
        var a = SIMD8<Float>.zero, b = SIMD8<Float>.zero, c = SIMD8<Float>.zero, d = SIMD8<Float>.zero
        var i = 0
        while i + 32 <= n {
            a = FusedMultiplyAdd.fused(load8(w, i), load8(x, i), adding: a)
            b = FusedMultiplyAdd.fused(load8(w, i + 8), load8(x, i + 8), adding: b)
            c = FusedMultiplyAdd.fused(load8(w, i + 16), load8(x, i + 16), adding: c)
            d = FusedMultiplyAdd.fused(load8(w, i + 24), load8(x, i + 24), adding: d)
            i += 32
        }
        var sum = GGMLSums.reduceFour(a, b, c, d)
        while i < n {
            sum += w[i] * x[i]
            i += 1
        }
        return sum
    }

    /// llamafile's tinyBLAS element: one 8-lane fused accumulator over steps of 8, `hsum`
    /// (`count` a multiple of 8; see `GGMLFloat32.usesPromptKernel`).
    static func dotPrompt(_ w: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count n: Int) -> Float {
        var c = SIMD8<Float>.zero
        var i = 0
        while i < n {
            c = FusedMultiplyAdd.fused(load8(w, i), load8(x, i), adding: c)
            i += 8
        }
        return GGMLSums.horizontal(c)
    }
}
