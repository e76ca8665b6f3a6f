#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsShim

/// K-quantized weight × Q8_K activation products with AVX2, one weight row against up to four
/// tokens at a time (a super-block is unpacked once for all of them).
///
/// The arithmetic is the one llama.cpp's AVX2 build runs, so results equal its bit for bit:
/// - Q4_K: llama.cpp repacks Q4_K matrices (rows a multiple of 8) into 8-row tiles at load
///   (`repack.cpp`, `q4_K_8x8_q8_K`). A batch's first `tokens - tokens % 4` tokens go through
///   `ggml_gemm_q4_K_8x8_q8_K`, the rest (and every decode step) through `ggml_gemv_q4_K_8x8_q8_K`.
///   Both compute exact integer sums and then two single-precision accumulators
///   `acc = fma(float(isum), d·d8, acc)`, `accMin = fma(float(imin), dmin·d8, accMin)` in order,
///   output `acc − accMin` (no horizontal float sum); but gemv adds a whole super-block's sums
///   per step and gemm a pair of sub-blocks (64 elements) per step, so the two round differently.
///   Callers say which tokens take the gemm steps (`gemmTokens`).
/// - Q6_K: not repacked on AVX2, so `ggml_vec_dot_q6_K_q8_K`: eight int32 lanes per super-block
///   (lane k: bytes 4k..<4k+4 of every 32-byte chunk times its scale, minus 32·(scale·bsum) for
///   sums 2k and 2k+1), `acc = fma(d8·d, float(lanes), acc)` per lane, then `hsum_float_8`.
public enum AVX2KQuants {
    /// Which K layout a product reads.
    public enum Kind: Sendable { case q4_K, q6_K }

    /// Computes `output[t * outputStride + r]` for `r` in `rows`, `t` in `tokens`.
    /// - Parameters:
    ///   - activations: token 0's row in the `SuperBlockActivations` layout, rows `activationStride` apart.
    ///   - blocks: super-blocks of 256 per row.
    ///   - gemmTokens: tokens below this index take llama.cpp's gemm steps (Q4_K only).
    public static func multiply(
        kind: Kind, weights: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
        activations: UnsafeRawPointer, activationStride: Int, tokens: Range<Int>, blocks: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int, gemmTokens: Int
    ) {
        for r in rows {
            let w = weights + r * rowBytes
            var t = tokens.lowerBound
            while t < tokens.upperBound {
                let grouped = t < gemmTokens
                let n = min(4, tokens.upperBound - t, grouped ? gemmTokens - t : 4)
                let a = activations + t * activationStride
                let o = output + t * outputStride + r
                switch (kind, n, grouped) {
                case (.q4_K, 4, false): q4K(4, false, w, a, activationStride, blocks, o, outputStride)
                case (.q4_K, _, false): q4K(1, false, w, a, activationStride, blocks, o, outputStride)
                case (.q4_K, 4, true): q4K(4, true, w, a, activationStride, blocks, o, outputStride)
                case (.q4_K, _, true): q4K(1, true, w, a, activationStride, blocks, o, outputStride)
                case (.q6_K, 4, _): q6K(4, w, a, activationStride, blocks, o, outputStride)
                case (.q6_K, _, _): q6K(1, w, a, activationStride, blocks, o, outputStride)
                }
                t += n == 4 ? 4 : 1
            }
        }
    }

    @inline(__always)
    private static func load32(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD4<Int64> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD4<Int64>.self)
    }

    @inline(__always)
    private static func sum(_ v: SIMD4<Int64>) -> Int32 {
        unsafeBitCast(v, to: SIMD8<Int32>.self).wrappedSum()
    }

    /// One Q4_K row against `n` consecutive tokens; `n` and `grouped` (gemm steps rather than
    /// gemv steps) are constants after inlining.
    @inline(__always)
    private static func q4K(
        _ n: Int, _ grouped: Bool, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let low = _mm256_set1_epi8(0x0F)
        var acc = InlineArray<4, Float>(repeating: 0)
        var accMin = InlineArray<4, Float>(repeating: 0)
        for b in 0..<blocks {
            let block = w + 144 * b
            let dd = _mm_cvtph_ps(_mm_cvtsi32_si128(block.loadUnaligned(as: Int32.self)))
            let d = dd[0], dmin = dd[1]
            var scales = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
            var mins = SIMD16<Int16>.zero
            for j in 0..<8 {
                let (scale, minimum) = Q4KScales.scaleAndMin(block + 4, j)
                scales[j] = _mm256_set1_epi16(Int16(scale))
                mins[2 * j] = Int16(minimum)
                mins[2 * j + 1] = Int16(minimum)
            }
            let mins256 = unsafeBitCast(mins, to: SIMD4<Int64>.self)
            let raw0 = load32(block, 16), raw1 = load32(block, 48), raw2 = load32(block, 80), raw3 = load32(block, 112)
            let w0 = _mm256_and_si256(raw0, low), w1 = _mm256_and_si256(_mm256_srli_epi16(raw0, 4), low)
            let w2 = _mm256_and_si256(raw1, low), w3 = _mm256_and_si256(_mm256_srli_epi16(raw1, 4), low)
            let w4 = _mm256_and_si256(raw2, low), w5 = _mm256_and_si256(_mm256_srli_epi16(raw2, 4), low)
            let w6 = _mm256_and_si256(raw3, low), w7 = _mm256_and_si256(_mm256_srli_epi16(raw3, 4), low)
            for i in 0..<n {
                let token = a + i * stride
                let q = token + 256 * b
                // Each pair of sub-blocks (64 elements) scaled and summed in 8 int32 lanes.
                let s0 = _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_maddubs_epi16(w0, load32(q, 0)), scales[0]),
                    _mm256_madd_epi16(_mm256_maddubs_epi16(w1, load32(q, 32)), scales[1]))
                let s1 = _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_maddubs_epi16(w2, load32(q, 64)), scales[2]),
                    _mm256_madd_epi16(_mm256_maddubs_epi16(w3, load32(q, 96)), scales[3]))
                let s2 = _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_maddubs_epi16(w4, load32(q, 128)), scales[4]),
                    _mm256_madd_epi16(_mm256_maddubs_epi16(w5, load32(q, 160)), scales[5]))
                let s3 = _mm256_add_epi32(
                    _mm256_madd_epi16(_mm256_maddubs_epi16(w6, load32(q, 192)), scales[6]),
                    _mm256_madd_epi16(_mm256_maddubs_epi16(w7, load32(q, 224)), scales[7]))
                // Lane k: min_k · (bsum 2k + bsum 2k+1), the min term of sub-block k.
                let m = _mm256_madd_epi16(load32(token, sumOffset + 32 * b), mins256)
                let d8 = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
                let scale = d * d8, scaleMin = dmin * d8
                if grouped {
                    // Four steps a super-block: the four sums at once, then fused in order.
                    let h = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3))
                    let sums = unsafeBitCast(_mm_add_epi32(_mm256_castsi256_si128(h), switchyard_high_half_si256(h)), to: SIMD4<Int32>.self)
                    let mp = unsafeBitCast(m, to: SIMD8<Int32>.self)
                    var total = acc[i], totalMin = accMin[i]
                    for p in 0..<4 {
                        total = total.addingProduct(Float(sums[p]), scale)
                        totalMin = totalMin.addingProduct(Float(mp[2 * p] &+ mp[2 * p + 1]), scaleMin)
                    }
                    acc[i] = total
                    accMin[i] = totalMin
                } else {
                    let s = _mm256_add_epi32(_mm256_add_epi32(s0, s1), _mm256_add_epi32(s2, s3))
                    acc[i] = acc[i].addingProduct(Float(sum(s)), scale)
                    accMin[i] = accMin[i].addingProduct(Float(sum(m)), scaleMin)
                }
            }
        }
        for i in 0..<n { output[i * outputStride] = acc[i] - accMin[i] }
    }

    /// One Q6_K row against `n` (a constant after inlining) consecutive tokens.
    @inline(__always)
    private static func q6K(
        _ n: Int, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let m3 = _mm256_set1_epi8(3), m15 = _mm256_set1_epi8(15)
        var acc = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        var quants = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        var scales = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        for b in 0..<blocks {
            let block = w + 210 * b
            let d = halfToFloat(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
            let scaleBytes = block.loadUnaligned(fromByteOffset: 192, as: SIMD2<Int64>.self)
            let scales16 = _mm256_cvtepi8_epi16(scaleBytes)
            for c in 0..<8 {
                let lo = Int16(block.load(fromByteOffset: 192 + 2 * c, as: Int8.self))
                let hi = Int16(block.load(fromByteOffset: 193 + 2 * c, as: Int8.self))
                scales[c] = _mm256_set_m128i(_mm_set1_epi16(hi), _mm_set1_epi16(lo))
            }
            for j in 0..<2 {
                let bits1 = load32(block, 64 * j), bits2 = load32(block, 64 * j + 32)
                let high = load32(block, 128 + 32 * j)
                let h0 = _mm256_slli_epi16(_mm256_and_si256(high, m3), 4)
                let h1 = _mm256_slli_epi16(_mm256_and_si256(high, _mm256_set1_epi8(12)), 2)
                let h2 = _mm256_and_si256(high, _mm256_set1_epi8(48))
                let h3 = _mm256_srli_epi16(_mm256_and_si256(high, _mm256_set1_epi8(-64)), 2)
                quants[4 * j] = _mm256_or_si256(_mm256_and_si256(bits1, m15), h0)
                quants[4 * j + 1] = _mm256_or_si256(_mm256_and_si256(bits2, m15), h1)
                quants[4 * j + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits1, 4), m15), h2)
                quants[4 * j + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bits2, 4), m15), h3)
            }
            for i in 0..<n {
                let token = a + i * stride
                let q = token + 256 * b
                var s = _mm256_setzero_si256()
                for c in 0..<8 {
                    s = _mm256_add_epi32(s, _mm256_madd_epi16(scales[c], _mm256_maddubs_epi16(quants[c], load32(q, 32 * c))))
                }
                let correction = _mm256_slli_epi32(_mm256_madd_epi16(load32(token, sumOffset + 32 * b), scales16), 5)
                s = _mm256_sub_epi32(s, correction)
                let d8 = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(d8 * d), _mm256_cvtepi32_ps(s), acc[i])
            }
        }
        for i in 0..<n { output[i * outputStride] = GGMLSums.horizontal(acc[i]) }
    }
}
#endif
