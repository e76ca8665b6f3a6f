import KernelsAVX2

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
        OneChunkAttention.attend(
            query: query, length: length, headDimension: headDimension, scale: scale, output: output,
            roundToHalf: Half.rounded,
            score: { p, q in PortableKernels.ggmlDotF16(keys + p * rowStride, q, count: headDimension) },
            value: { p, i in Half.toFloat(values[p * rowStride + i]) })
    }

    /// Attention over two runs of cached rows, `first` then `second`, in that order (a wrapped
    /// sliding window in llama.cpp's cell order; see `AVX2Attention.attendHeadRuns`). Row `r`
    /// starts `r * rowStride` halves after `keys` (values alike).
    public static func attendHeadRuns(
        query: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        first: Range<Int>, second: Range<Int>, headDimension: Int, scale: Float, output: UnsafeMutablePointer<Float>,
        backend: KernelBackend = .best
    ) {
        #if arch(x86_64)
        if backend.resolved == .avx2, headDimension % 8 == 0 {
            AVX2Attention.attendHeadRuns(query: query, keys: keys, values: values, rowStride: rowStride, first: first,
                                         second: second, headDimension: headDimension, scale: scale, output: output)
            return
        }
        #endif
        @inline(__always) func row(_ p: Int) -> Int { p < first.count ? first.lowerBound + p : second.lowerBound + p - first.count }
        OneChunkAttention.attend(
            query: query, length: first.count + second.count, headDimension: headDimension, scale: scale, output: output,
            roundToHalf: Half.rounded,
            score: { p, q in PortableKernels.ggmlDotF16(keys + row(p) * rowStride, q, count: headDimension) },
            value: { p, i in Half.toFloat(values[row(p) * rowStride + i]) })
    }
}
