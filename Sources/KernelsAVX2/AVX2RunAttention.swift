#if arch(x86_64)
import _Builtin_intrinsics.intel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AVX2Attention {
    /// One query head's attention over two runs of cached rows, `first` then `second`, in that
    /// order, with the arithmetic of `OneChunkAttention` (ggml's one-chunk flash attention)
    /// vectorized for any head size that is a multiple of 8 (gemma's 256).
    ///
    /// The order is llama.cpp's cell order: a sliding-window layer's cache is a ring, and
    /// ggml visits its cells from the first, so a window that wraps is the ring's start (the
    /// newest positions) followed by its tail (the oldest). The accumulator is rounded to
    /// halves after every update, so the order changes the result: visiting it as llama.cpp
    /// does keeps the log-probabilities equal.
    public static func attendHeadRuns(
        query: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        first: Range<Int>, second: Range<Int>, headDimension n: Int, scale: Float, output: UnsafeMutablePointer<Float>
    ) {
        precondition(n % 8 == 0, "head dimension must be a multiple of 8")
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * n) { buffer in
            guard let q = buffer.baseAddress else { return }
            let accumulator = q + n
            let qr = UnsafeMutableRawPointer(q)
            let query = UnsafeRawPointer(query)
            for i in stride(from: 0, to: n, by: 8) {
                qr.storeBytes(of: roundToHalf(query.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)),
                              toByteOffset: 4 * i, as: SIMD8<Float>.self)
            }
            for halfAccumulator in [true, false] {
                let (_, sum) = accumulateRuns(
                    query: q, keys: keys, values: values, rowStride: rowStride, first: first, second: second,
                    headDimension: n, scale: scale, accumulator: accumulator, halfAccumulator: halfAccumulator)
                let inverse: Float = sum == 0 ? 0 : 1 / sum
                for i in 0..<n { output[i] = accumulator[i] * inverse }
                if halfAccumulator, !AttentionOverflow.allFinite(output, n) { continue }
                return
            }
        }
    }

    /// The online softmax over the rows of `first`, then `second`, from a zero state: fills `accumulator`
    /// with the unnormalised weighted values and returns ggml's running maximum and sum.
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
