#if arch(x86_64)
import _Builtin_intrinsics.intel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AVX2Attention {
    /// One query head's online softmax over two runs of cached rows, `first` then `second`, from a
    /// zero state, with the arithmetic of `OneChunkAttention` (ggml's one-chunk flash attention)
    /// vectorized for any head size that is a multiple of 8 (gemma's 256): fills `accumulator`
    /// with the unnormalised weighted values and returns ggml's running maximum and sum. The
    /// order is llama.cpp's cell order (a ring's start, then its tail), which the half
    /// accumulator makes matter.
    /// - Parameter query: already rounded to halves; `headDimension` a multiple of 8.
    public static func accumulateRuns(
        query q: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        first: Range<Int>, second: Range<Int>, headDimension n: Int, scale: Float, accumulator: UnsafeMutablePointer<Float>,
        halfAccumulator: Bool
    ) -> (maximum: Float, sum: Float) {
        @inline(__always) func kept(_ x: SIMD8<Float>) -> SIMD8<Float> { halfAccumulator ? roundToHalf(x) : x }
        let ar = UnsafeMutableRawPointer(accumulator)
        accumulator.initialize(repeating: 0, count: n)
        var maximum = -Float.infinity
        var sum: Float = 0
        for run in [first, second] {
            for row in run {
                let s = Float(dot(keys + row * rowStride, q, n)) * scale
                var rescale: Float = 1
                var weight: Float = 1
                if s > maximum {
                    rescale = expf(maximum - s)
                    maximum = s
                    let factor = SIMD8<Float>(repeating: rescale)
                    for i in stride(from: 0, to: n, by: 8) {
                        let a = ar.load(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                        ar.storeBytes(of: kept(a * factor), toByteOffset: 4 * i, as: SIMD8<Float>.self)
                    }
                } else {
                    weight = expf(s - maximum)
                }
                let w = SIMD8<Float>(repeating: weight)
                let v = UnsafeRawPointer(values + row * rowStride)
                for i in stride(from: 0, to: n, by: 8) {
                    let a = ar.load(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                    ar.storeBytes(of: kept(_mm256_fmadd_ps(half8(v, 2 * i), w, a)), toByteOffset: 4 * i,
                                  as: SIMD8<Float>.self)
                }
                // `S = S*ms + vs`, fused as the compiler fuses it in ggml.
                sum = weight.addingProduct(sum, rescale)
            }
        }
        return (maximum, sum)
    }
}
#endif
