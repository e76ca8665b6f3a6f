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
        if backend.resolved.usesAVX2, headDimension == 64 {
            AVX2Attention.attendHead64(query: query, keys: keys, values: values, rowStride: rowStride, length: length,
                                       scale: scale, output: output)
            return
        }
        #endif
        attendHeadRuns(query: query, keys: keys, values: values, rowStride: rowStride, first: 0..<length,
                       second: 0..<0, headDimension: headDimension, scale: scale, output: output, backend: backend)
    }

    /// Attention over two runs of cached rows, `first` then `second`, in that order (a wrapped
    /// sliding window in llama.cpp's cell order: a ring's start, the newest positions, then its
    /// tail; the half accumulator makes the order matter). Row `r` starts `r * rowStride` halves
    /// after `keys` (values alike). The one-pass path: the split path with a single chunk.
    public static func attendHeadRuns(
        query: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        first: Range<Int>, second: Range<Int>, headDimension: Int, scale: Float, output: UnsafeMutablePointer<Float>,
        backend: KernelBackend = .best
    ) {
        attendHeadSplit(query: query, keys: keys, values: values, rowStride: rowStride, first: first, second: second,
                        chunks: CollectionOfOne(0..<Int.max), headDimension: headDimension, scale: scale,
                        output: output, backend: backend)
    }

    /// Attention of the `heads` query heads that share one key-value head (grouped-query
    /// attention) over the rows of `first`, then `second`: the same floats as `attendHeadRuns`
    /// for each head, in one pass over the rows where the AVX2 group kernel applies (head size
    /// a multiple of 32), so a row's keys and values are read and converted once for the group.
    /// - Parameters:
    ///   - queries: head `g`'s query at `queries + g * headDimension`; `outputs` alike.
    public static func attendGroupRuns(
        queries: UnsafePointer<Float>, heads: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
        rowStride: Int, first: Range<Int>, second: Range<Int>, headDimension n: Int, scale: Float,
        outputs: UnsafeMutablePointer<Float>, backend: KernelBackend = .best
    ) {
        #if arch(x86_64)
        if backend.resolved.usesAVX2, n % 32 == 0, heads >= 1, heads <= AVX2Attention.maximumGroupHeads {
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * heads * n + 2 * heads) { buffer in
                guard let q = buffer.baseAddress else { return }
                let accumulators = q + heads * n, maxima = accumulators + heads * n, sums = maxima + heads
                for i in 0..<(heads * n) { q[i] = Half.rounded(queries[i]) }
                AVX2Attention.accumulateGroupRuns(
                    queries: q, heads: heads, keys: keys, values: values, rowStride: rowStride, first: first,
                    second: second, headDimension: n, scale: scale, accumulators: accumulators, maxima: maxima, sums: sums)
                for head in 0..<heads {
                    let output = outputs + head * n, accumulator = accumulators + head * n
                    // As `attendHeadSplit`'s merge of its single chunk leaves it: `acc·1 + 0·0`, then `· 1/sum`.
                    let inverse: Float = sums[head] == 0 ? 0 : 1 / sums[head]
                    for i in 0..<n { output[i] = (sums[head] == 0 ? 0 : accumulator[i] + 0) * inverse }
                    // A half accumulator that overflowed: the one-head path redoes it in single precision.
                    if !AttentionOverflow.allFinite(output, n) {
                        attendHeadRuns(query: queries + head * n, keys: keys, values: values, rowStride: rowStride,
                                       first: first, second: second, headDimension: n, scale: scale, output: output,
                                       backend: backend)
                    }
                }
            }
            return
        }
        #endif
        for head in 0..<heads {
            attendHeadRuns(query: queries + head * n, keys: keys, values: values, rowStride: rowStride, first: first,
                           second: second, headDimension: n, scale: scale, output: outputs + head * n, backend: backend)
        }
    }

    /// The chunks ggml's split-KV path cuts a view of `cells` cache cells into for a batch of
    /// `queryRows` queries on `threads` threads, or nil when it takes the one-pass path.
    public static func splitKVChunks(queryRows: Int, cells: Int, threads: Int) -> [Range<Int>]? {
        SplitKVAttention.applies(queryRows: queryRows, cells: cells)
            ? SplitKVAttention.chunkRanges(cells: cells, threads: threads) : nil
    }

    /// ggml's split-KV attention for a lone query row over a long cache view
    /// (`SplitKVAttention`): the rows of `first`, then `second` (cells, in cell order), cut at
    /// the cell boundaries of `chunks`, each chunk's online softmax merged in chunk order (a
    /// single chunk's merge is exact: it is the one-pass result).
    public static func attendHeadSplit(
        query: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        first: Range<Int>, second: Range<Int>, chunks: some Sequence<Range<Int>>, headDimension n: Int, scale: Float,
        output: UnsafeMutablePointer<Float>, backend: KernelBackend = .best
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * n) { buffer in
            guard let q = buffer.baseAddress else { return }
            let merged = q + n, chunkAccumulator = q + 2 * n
            for i in 0..<n { q[i] = Half.rounded(query[i]) }
            for halfAccumulator in [true, false] {
                merged.initialize(repeating: 0, count: n)
                var maximum = -Float.infinity
                var sum: Float = 0
                for chunk in chunks {
                    let (chunkMaximum, chunkSum) = accumulate(
                        query: q, keys: keys, values: values, rowStride: rowStride,
                        first: first.clamped(to: chunk), second: second.clamped(to: chunk), headDimension: n,
                        scale: scale, accumulator: chunkAccumulator, halfAccumulator: halfAccumulator, backend: backend)
                    SplitKVAttention.merge(maximum: &maximum, sum: &sum, accumulator: merged, chunkMaximum: chunkMaximum,
                                           chunkSum: chunkSum, chunkAccumulator: chunkAccumulator, count: n)
                }
                let inverse: Float = sum == 0 ? 0 : 1 / sum
                for i in 0..<n { output[i] = merged[i] * inverse }
                if halfAccumulator, !AttentionOverflow.allFinite(output, n) { continue }
                return
            }
        }
    }

    /// One chunk's online softmax from a zero state, on the backend's kernel.
    private static func accumulate(
        query q: UnsafePointer<Float>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int,
        first: Range<Int>, second: Range<Int>, headDimension n: Int, scale: Float,
        accumulator: UnsafeMutablePointer<Float>, halfAccumulator: Bool, backend: KernelBackend
    ) -> (maximum: Float, sum: Float) {
        #if arch(x86_64)
        if backend.resolved.usesAVX2, n % 8 == 0 {
            return AVX2Attention.accumulateRuns(
                query: q, keys: keys, values: values, rowStride: rowStride, first: first, second: second,
                headDimension: n, scale: scale, accumulator: accumulator, halfAccumulator: halfAccumulator)
        }
        #endif
        return OneChunkAttention.accumulate(
            query: q, rows: [first, second].joined(), headDimension: n, scale: scale, accumulator: accumulator,
            halfAccumulator: halfAccumulator, roundToHalf: Half.rounded,
            score: { p, q in PortableKernels.ggmlDotF16(keys + p * rowStride, q, count: n) },
            value: { p, i in Half.toFloat(values[p * rowStride + i]) })
    }
}
