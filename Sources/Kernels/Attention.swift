import KernelsAVX2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scaled dot-product attention of one query head over a sequence's cached keys and values
/// (IEEE halves, as the KV cache stores them), with the arithmetic of llama.cpp's CPU flash
/// attention (see `AVX2Attention`), so that both give the same floats.
public enum Attention {
    /// `output = sum_p softmax_p(scale * query·key_p) * value_p` over `p` in `0..<length`.
    /// - Parameters:
    ///   - keys: position 0's key of this head; position `p`'s starts `rowStride` halves later
    ///     (the cache interleaves every key-value head of a position). `values` alike.
    ///   - output: `headDimension` floats.
    public static func attendHead(
        query: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        length: Int, headDimension: Int, scale: Float, output: UnsafeMutablePointer<Float>, backend: KernelBackend = .best
    ) {
        #if arch(x86_64)
        if backend.resolved == .avx2 {
            AVX2Attention.attendHead(query: query, keys: keys, values: values, rowStride: rowStride, length: length,
                                     headDimension: headDimension, scale: scale, output: output)
            return
        }
        #endif
        for halfAccumulator in [true, false] {
            attendPortable(query, keys, values, rowStride, length, headDimension, scale, output, halfAccumulator: halfAccumulator)
            // See `AVX2Attention`: a half accumulator that overflowed is redone in single precision.
            if halfAccumulator, !AttentionOverflow.allFinite(output, headDimension) { continue }
            return
        }
    }

    private static func attendPortable(
        _ query: UnsafePointer<Float>, _ keys: UnsafePointer<UInt16>, _ values: UnsafePointer<UInt16>, _ rowStride: Int,
        _ length: Int, _ n: Int, _ scale: Float, _ output: UnsafeMutablePointer<Float>, halfAccumulator: Bool
    ) {
        @inline(__always) func kept(_ x: Float) -> Float { halfAccumulator ? Half.rounded(x) : x }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * n) { buffer in
            let q = buffer.baseAddress!
            let accumulator = q + n
            for i in 0..<n { q[i] = Half.rounded(query[i]) }
            accumulator.initialize(repeating: 0, count: n)
            var maximum = -Float.infinity
            var sum: Float = 0
            for p in 0..<length {
                let score = Float(PortableKernels.ggmlDotF16(keys + p * rowStride, q, count: n)) * scale
                var rescale: Float = 1
                var weight: Float = 1
                if score > maximum {
                    rescale = expf(maximum - score)
                    maximum = score
                    for i in 0..<n { accumulator[i] = kept(accumulator[i] * rescale) }
                } else {
                    weight = expf(score - maximum)
                }
                let v = values + p * rowStride
                for i in 0..<n { accumulator[i] = kept(accumulator[i].addingProduct(Half.toFloat(v[i]), weight)) }
                sum = weight.addingProduct(sum, rescale)
            }
            let inverse: Float = sum == 0 ? 0 : 1 / sum
            for i in 0..<n { output[i] = accumulator[i] * inverse }
        }
    }
}
