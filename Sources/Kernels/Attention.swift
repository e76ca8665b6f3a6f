import KernelsAVX2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scaled dot-product attention of one query head over a sequence's cached keys and values
/// (IEEE halves, as the KV cache stores them).
public enum Attention {
    /// `output = sum_p softmax_p(scale * query·key_p) * value_p` over `p` in `0..<length`.
    /// - Parameters:
    ///   - keys: position 0's key of this head; position `p`'s starts `rowStride` halves later
    ///     (the cache interleaves every key-value head of a position). `values` alike.
    ///   - scores: scratch room for `length` floats.
    ///   - output: `headDimension` floats.
    public static func attendHead(
        query: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        length: Int, headDimension: Int, scale: Float, scores: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>, backend: KernelBackend = .best
    ) {
        #if arch(x86_64)
        if backend.resolved == .avx2 {
            AVX2Attention.attendHead(query: query, keys: keys, values: values, rowStride: rowStride, length: length,
                                     headDimension: headDimension, scale: scale, scores: scores, output: output)
            return
        }
        #endif
        var maximum = -Float.infinity
        for p in 0..<length {
            let score = PortableKernels.dotF16(query, keys + p * rowStride, count: headDimension) * scale
            scores[p] = score
            maximum = max(maximum, score)
        }
        var total: Float = 0
        for p in 0..<length {
            let e = expf(scores[p] - maximum)
            scores[p] = e
            total += e
        }
        output.initialize(repeating: 0, count: headDimension)
        let inverse = 1 / total
        for p in 0..<length {
            PortableKernels.addScaledF16(output, values + p * rowStride, scale: scores[p] * inverse, count: headDimension)
        }
    }
}
