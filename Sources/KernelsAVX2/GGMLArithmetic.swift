#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The orders in which ggml's AVX2 code adds up vector lanes. Float addition is not
/// associative, and llama.cpp rounds activations to 8 bits before every matrix product, so a
/// last-bit difference in one sum can move a whole quantization step downstream: matching
/// llama.cpp's outputs means adding in the same order, not just the same terms.
public enum GGMLSums {
    /// `hsum_float_8`: `((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7))`.
    @inlinable @inline(__always)
    public static func horizontal(_ v: SIMD8<Float>) -> Float {
        let quad = v.highHalf + v.lowHalf
        let pair = quad.lowHalf + quad.highHalf
        return pair[0] + pair[1]
    }

    /// `GGML_F32x8_REDUCE` of four accumulators, as `ggml_vec_dot_f16` ends:
    /// `(a+c) + (b+d)`, then the halves, then two horizontal adds (`(t0+t1) + (t2+t3)`).
    @inlinable @inline(__always)
    public static func reduceFour(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> Float {
        let x = (a + c) + (b + d)
        let t = x.lowHalf + x.highHalf
        return (t[0] + t[1]) + (t[2] + t[3])
    }
}

/// ggml's scalar rotary step, shared by the portable kernels and the AVX2 tail.
public enum GGMLRotary {
    /// Turns the pair at `v[i]`, `v[i+1]` by `table[i]` (cos) and `table[i+1]` (sin):
    /// `x0·cos − (x1·sin)` and `x0·sin + (x1·cos)`, the bracketed product rounded and the rest
    /// fused, as the compiler fuses ggml's rope.
    @inline(__always)
    public static func rotatePair(_ v: UnsafeMutablePointer<Float>, at i: Int, table: UnsafePointer<Float>) {
        let cosine = table[i], sine = table[i + 1]
        let x0 = v[i], x1 = v[i + 1]
        v[i] = (-(x1 * sine)).addingProduct(x0, cosine)
        v[i + 1] = (x1 * cosine).addingProduct(x0, sine)
    }
}

/// ggml's flash attention keeps its output accumulator in half precision, which overflows past
/// 65504 (long contexts, large values, diffuse attention) and then yields inf or NaN. Both
/// attention backends check each head's output and redo an overflowed head in single precision.
public enum AttentionOverflow {
    /// Whether every one of `count` floats is finite.
    @inline(__always)
    public static func allFinite(_ x: UnsafePointer<Float>, _ count: Int) -> Bool {
        var finite = true
        for i in 0..<count { finite = finite && x[i].isFinite }
        return finite
    }
}

/// ggml's `flash_attn_ext_f16_one_chunk` for one query row and head, in plain Swift over
/// closures: the portable backend's kernel (the AVX2 backend has vectorized versions of the
/// same steps, `AVX2Attention.accumulateRuns` and the register-held 64-wide head).
public enum OneChunkAttention {
    /// The online softmax over `rows` in order, from a zero state: fills `accumulator` with the
    /// unnormalised weighted values and returns ggml's running maximum `M` and sum `S`; the
    /// accumulator is rounded to halves after every update when `halfAccumulator` (as ggml's is).
    /// - Parameters:
    ///   - query: already rounded to halves.
    ///   - roundToHalf: a float rounded to the nearest half, as a float.
    ///   - score: `ggml_vec_dot_f16` of key `p` and the half-rounded query.
    ///   - value: element `i` of value `p`.
    @inline(__always)
    public static func accumulate(
        query q: UnsafePointer<Float>, rows: some Sequence<Int>, headDimension n: Int, scale: Float,
        accumulator: UnsafeMutablePointer<Float>, halfAccumulator: Bool,
        roundToHalf: (Float) -> Float, score: (Int, UnsafePointer<Float>) -> Double, value: (Int, Int) -> Float
    ) -> (maximum: Float, sum: Float) {
        func kept(_ x: Float) -> Float { halfAccumulator ? roundToHalf(x) : x }
        accumulator.initialize(repeating: 0, count: n)
        var maximum = -Float.infinity
        var sum: Float = 0
        for p in rows {
            let s = Float(score(p, q)) * scale
            var rescale: Float = 1
            var weight: Float = 1
            if s > maximum {
                rescale = expf(maximum - s)
                maximum = s
                for i in 0..<n { accumulator[i] = kept(accumulator[i] * rescale) }
            } else {
                weight = expf(s - maximum)
            }
            for i in 0..<n { accumulator[i] = kept(accumulator[i].addingProduct(value(p, i), weight)) }
            // `S = S*ms + vs`, fused as the compiler fuses it in ggml.
            sum = weight.addingProduct(sum, rescale)
        }
        return (maximum, sum)
    }
}

/// ggml's split-KV flash attention (`use_split_kv_path` in ops.cpp): for a batch of a single
/// query row over 512 or more cache cells, ggml cuts the cells into one chunk per thread, runs
/// the one-chunk online softmax over each, and merges the chunks' states in chunk order
/// (`ggml_flash_attn_ext_reduce_partials`). The merge rounds differently from one pass, so a
/// long-context decode step matches llama.cpp only when it is split the same way.
public enum SplitKVAttention {
    /// The cells of each chunk: `threads` chunks of `ceil(cells / threads)`, the last shorter.
    public static func chunkRanges(cells: Int, threads: Int) -> [Range<Int>] {
        let size = (cells + threads - 1) / max(1, threads)
        return stride(from: 0, to: cells, by: max(1, size)).map { $0..<min($0 + size, cells) }
    }

    /// Whether ggml takes the split path: one query row, at least 512 cells in the cache view.
    public static func applies(queryRows: Int, cells: Int) -> Bool {
        queryRows == 1 && cells >= 512
    }

    /// Folds one chunk's state (`chunkMaximum`, `chunkSum`, `chunkAccumulator`) into the merged
    /// state, as the reduction does: chunks whose sum is zero (every cell masked) are skipped, and
    /// `a*x + b*y` is fused on its first product, as GCC contracts it.
    @inline(__always)
    public static func merge(
        maximum: inout Float, sum: inout Float, accumulator: UnsafeMutablePointer<Float>,
        chunkMaximum: Float, chunkSum: Float, chunkAccumulator: UnsafePointer<Float>, count n: Int
    ) {
        guard chunkSum != 0 else { return }
        let merged = max(maximum, chunkMaximum)
        let scaleOld = expf(maximum - merged)
        let scaleNew = expf(chunkMaximum - merged)
        for d in 0..<n { accumulator[d] = (chunkAccumulator[d] * scaleNew).addingProduct(accumulator[d], scaleOld) }
        sum = (chunkSum * scaleNew).addingProduct(sum, scaleOld)
        maximum = merged
    }
}
