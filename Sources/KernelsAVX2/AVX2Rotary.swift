#if arch(x86_64)
import _Builtin_intrinsics.intel

/// Rotary embedding of adjacent pairs with AVX2, rounded as ggml's (compiler-fused) rope is:
/// `x0' = x0·cos − (x1·sin)` and `x1' = x0·sin + (x1·cos)`, the bracketed product rounded
/// and the rest one fused multiply-add.
public enum AVX2Rotary {
    /// Rotates the first `ropeDimension` floats of `heads` vectors, `headDimension` apart, by
    /// `table` (cos, sin interleaved, `ropeDimension` floats).
    public static func rotate(
        _ vectors: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, ropeDimension: Int, table: UnsafePointer<Float>
    ) {
        let t = UnsafeRawPointer(table)
        let swap = unsafeBitCast(SIMD8<Int32>(1, 0, 3, 2, 1, 0, 3, 2), to: SIMD4<Int64>.self)
        for head in 0..<heads {
            let v = vectors + head * headDimension
            let raw = UnsafeMutableRawPointer(v)
            var i = 0
            while i + 8 <= ropeDimension {
                let x = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let cs = t.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                let evens = _mm256_moveldup_ps(x)   // x0 x0 x2 x2 …
                let odds = _mm256_movehdup_ps(x)    // x1 x1 x3 x3 …
                let swapped = _mm256_permutevar_ps(cs, swap) // sin cos …
                let rotated = _mm256_fmaddsub_ps(evens, cs, _mm256_mul_ps(odds, swapped))
                raw.storeBytes(of: rotated, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                i += 8
            }
            while i < ropeDimension {
                GGMLRotary.rotatePair(v, at: i, table: table)
                i += 2
            }
        }
    }
}
#endif
