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
///   A Q4_K matrix llama.cpp does not repack (rows not a multiple of 8, or a tied output
///   projection kept in the embedding's buffer: `WeightMatrix.repackedInLlama`) takes
///   `ggml_vec_dot_q4_K_q8_K` instead: Q5_K's lanes, the min terms in a 4-lane accumulator.
/// - Q2_K (repacked only on AVX-512) and Q3_K: `ggml_vec_dot_q2_K_q8_K` / `q3_K_q8_K`, the lanes
///   as Q6_K's; Q2_K first fuses its min terms (lane k: mins 2k and 2k+1 times their sums) with
///   `-d8·dmin` into the same accumulator.
/// - Q5_K: not repacked on AVX2, so `ggml_vec_dot_q5_K_q8_K`: eight int32 lanes of scaled
///   sub-block sums, `acc = fma(d8·d, float(lanes), acc)`, the min terms as one integer per
///   super-block fused into a scalar `summs` with `-d8·dmin`, then `hsum_float_8(acc) + summs`.
/// - Q6_K (here in the file's layout; the engine's loaded matrices take `AVX2Q6KRows`, the same
///   values): not repacked on AVX2, so `ggml_vec_dot_q6_K_q8_K`: eight int32 lanes per super-block
///   (lane k: bytes 4k..<4k+4 of every 32-byte chunk times its scale, minus 32·(scale·bsum) for
///   sums 2k and 2k+1), `acc = fma(d8·d, float(lanes), acc)` per lane, then `hsum_float_8`.
public enum AVX2KQuants {
    /// Which K layout a product reads.
    public enum Kind: Sendable {
        case q2_K, q3_K, q5_K, q6_K
        /// Q4_K as llama.cpp repacks it (most matrices), and as `ggml_vec_dot_q4_K_q8_K` (not repacked).
        case q4_K, q4_KVecDot
    }

    /// Computes `output[t * outputStride + r]` for `r` in `rows`, `t` in `tokens`.
    /// - Parameters:
    ///   - activations: token 0's row in the `SuperBlockActivations` layout, rows `activationStride` apart.
    ///   - blocks: super-blocks of 256 per row.
    ///   - gemmTokens: tokens below this index take llama.cpp's gemm steps (Q4_K only).
    public static func multiply(
        kind: Kind, weights: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
        activations: UnsafeRawPointer, activationStride: Int, tokens: Range<Int>, blocks: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int, gemmTokens: Int, tiled: Bool = false
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
                case (.q4_K, 4, true): q4KGemm4(w, a, activationStride, blocks, o, outputStride)
                case (.q4_K, _, true): q4K(1, true, w, a, activationStride, blocks, o, outputStride)
                case (.q2_K, 4, _): q2K(4, w, a, activationStride, blocks, o, outputStride)
                case (.q2_K, _, _): q2K(1, w, a, activationStride, blocks, o, outputStride)
                case (.q3_K, 4, _): q3K(4, w, a, activationStride, blocks, o, outputStride)
                case (.q3_K, _, _): q3K(1, w, a, activationStride, blocks, o, outputStride)
                case (.q4_KVecDot, 4, _): q5K(4, false, w, a, activationStride, blocks, o, outputStride)
                case (.q4_KVecDot, _, _): q5K(1, false, w, a, activationStride, blocks, o, outputStride)
                case (.q5_K, 4, _): q5K(4, true, w, a, activationStride, blocks, o, outputStride)
                case (.q5_K, _, _): q5K(1, true, w, a, activationStride, blocks, o, outputStride)
                case (.q6_K, 4, _): q6K(4, w, a, activationStride, blocks, o, outputStride, tiled)
                case (.q6_K, _, _): q6K(1, w, a, activationStride, blocks, o, outputStride, tiled)
                }
                t += n == 4 ? 4 : 1
            }
        }
    }

    /// `SuperBlockActivations.quantizeRow` with AVX2: the same values (the first element of
    /// largest magnitude sets the scale; products rounded half to even, capped at 127).
    public static func quantizeRow(_ input: UnsafePointer<Float>, blocks: Int, into output: UnsafeMutableRawPointer) {
        let scales = (output + SuperBlockActivations.scaleOffset(blocks: blocks)).assumingMemoryBound(to: Float.self)
        let sums = output + SuperBlockActivations.sumOffset(blocks: blocks)
        let signMask = _mm256_set1_ps(-0.0)
        let order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)
        let limit = _mm256_set1_ps(127)
        for b in 0..<blocks {
            let x = input + 256 * b
            let raw = UnsafeRawPointer(x)
            var lanes = _mm256_setzero_ps()
            for k in 0..<32 {
                lanes = _mm256_max_ps(lanes, _mm256_andnot_ps(signMask, raw.loadUnaligned(fromByteOffset: 32 * k, as: SIMD8<Float>.self)))
            }
            let amax = AVX2Quantizer.horizontalMaximum(lanes)
            let q = output + 256 * b
            guard amax != 0 else {
                scales[b] = 0
                q.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
                (sums + 32 * b).initializeMemory(as: UInt8.self, repeating: 0, count: 32)
                continue
            }
            var first = 0
            while first < 256 && abs(x[first]) != amax { first += 1 }
            guard first < 256, amax.isFinite else {
                // NaN or infinite inputs: the scalar code, which handles them as ggml does.
                SuperBlockActivations.quantizeBlock(input, b, blocks: blocks, into: output)
                continue
            }
            let iscale = -127 / x[first]
            let factor = _mm256_set1_ps(iscale)
            var groupSums = SIMD16<Int32>.zero
            for k in 0..<8 {
                @inline(__always) func quantized(_ i: Int) -> SIMD4<Int64> {
                    let v = _mm256_mul_ps(raw.loadUnaligned(fromByteOffset: 128 * k + 32 * i, as: SIMD8<Float>.self), factor)
                    // Already integral after rounding, so the conversion is exact.
                    return _mm256_cvtps_epi32(_mm256_min_ps(switchyard_round_nearest(v), limit))
                }
                let i0 = quantized(0), i1 = quantized(1), i2 = quantized(2), i3 = quantized(3)
                let packed = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3))
                q.storeBytes(of: _mm256_permutevar8x32_epi32(packed, order), toByteOffset: 32 * k, as: SIMD4<Int64>.self)
                let first16 = unsafeBitCast(_mm256_add_epi32(i0, i1), to: SIMD8<Int32>.self).wrappedSum()
                let second16 = unsafeBitCast(_mm256_add_epi32(i2, i3), to: SIMD8<Int32>.self).wrappedSum()
                groupSums[2 * k] = first16
                groupSums[2 * k + 1] = second16
            }
            sums.storeBytes(of: SIMD16<Int16>(truncatingIfNeeded: groupSums), toByteOffset: 32 * b, as: SIMD16<Int16>.self)
            scales[b] = 1 / iscale
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

    /// One Q4_K row against four consecutive tokens with llama.cpp's gemm steps: the same values as
    /// `q4K(4, true, …)`, computed a step (pair of sub-blocks) at a time for all four tokens so the
    /// four tokens' sums come out of one reduction, and fused as one 8-lane vector per step
    /// (lanes 0..<4 the tokens' sums, 4..<8 their min terms).
    @inline(never)
    private static func q4KGemm4(
        _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let low = _mm256_set1_epi8(0x0F)
        let a0 = a, a1 = a + stride, a2 = a + 2 * stride, a3 = a + 3 * stride
        var lanes = _mm256_setzero_ps()
        for b in 0..<blocks {
            let block = w + 144 * b
            let dd = _mm_cvtph_ps(_mm_cvtsi32_si128(block.loadUnaligned(as: Int32.self)))
            let u0 = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            let u1 = block.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            let u2 = block.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
            let t0 = u0 & 0x3F3F_3F3F, t2 = u1 & 0x3F3F_3F3F
            let t1 = (u2 & 0x0F0F_0F0F) | (((u0 >> 6) & 0x0303_0303) << 4)
            let t3 = ((u2 >> 4) & 0x0F0F_0F0F) | (((u1 >> 6) & 0x0303_0303) << 4)
            let widened = _mm256_cvtepu8_epi16(_mm_set_epi32(
                Int32(bitPattern: t3), Int32(bitPattern: t2), Int32(bitPattern: t1), Int32(bitPattern: t0)))
            let scaleLanes = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(widened))
            let mins = switchyard_high_half_si256(widened)
            // The tokens' min terms, lane p of token t = min terms of sub-blocks 2p, 2p+1; transposed
            // to one vector per step p over the four tokens.
            @inline(__always) func minTerms(_ token: UnsafeRawPointer) -> SIMD2<Int64> {
                let bsums = load32(token, sumOffset + 32 * b)
                return _mm_madd_epi16(mins, _mm_hadd_epi16(_mm256_castsi256_si128(bsums), switchyard_high_half_si256(bsums)))
            }
            let m0 = minTerms(a0), m1 = minTerms(a1), m2 = minTerms(a2), m3 = minTerms(a3)
            let m01lo = _mm_unpacklo_epi32(m0, m1), m23lo = _mm_unpacklo_epi32(m2, m3)
            let m01hi = _mm_unpackhi_epi32(m0, m1), m23hi = _mm_unpackhi_epi32(m2, m3)
            let minSteps: InlineArray<4, SIMD2<Int64>> = [
                _mm_unpacklo_epi64(m01lo, m23lo), _mm_unpackhi_epi64(m01lo, m23lo),
                _mm_unpacklo_epi64(m01hi, m23hi), _mm_unpackhi_epi64(m01hi, m23hi),
            ]
            let d8 = SIMD4<Float>(
                a0.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self), a1.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self),
                a2.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self), a3.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self))
            // d·d8 and dmin·d8 per token, each one rounded product as in ggml.
            let factors = _mm256_set_m128(_mm_mul_ps(_mm_set1_ps(dd[1]), d8), _mm_mul_ps(_mm_set1_ps(dd[0]), d8))
            for p in 0..<4 {
                let raw = load32(block, 16 + 32 * p)
                let wl = _mm256_and_si256(raw, low), wh = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low)
                let sl = _mm256_shuffle_epi8(scaleLanes, _mm256_set1_epi16(Int16(4 * p) | Int16(4 * p + 1) << 8))
                let sh = _mm256_shuffle_epi8(scaleLanes, _mm256_set1_epi16(Int16(4 * p + 2) | Int16(4 * p + 3) << 8))
                @inline(__always) func step(_ token: UnsafeRawPointer) -> SIMD4<Int64> {
                    let q = token + 256 * b + 64 * p
                    return _mm256_add_epi32(
                        _mm256_madd_epi16(_mm256_maddubs_epi16(wl, load32(q, 0)), sl),
                        _mm256_madd_epi16(_mm256_maddubs_epi16(wh, load32(q, 32)), sh))
                }
                let h = _mm256_hadd_epi32(_mm256_hadd_epi32(step(a0), step(a1)), _mm256_hadd_epi32(step(a2), step(a3)))
                let sums = _mm_add_epi32(_mm256_castsi256_si128(h), switchyard_high_half_si256(h))
                let values = _mm256_cvtepi32_ps(_mm256_set_m128i(minSteps[p], sums))
                lanes = _mm256_fmadd_ps(values, factors, lanes)
            }
        }
        for i in 0..<4 { output[i * outputStride] = lanes[i] - lanes[i + 4] }
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
            // The 6-bit scales and mins unpacked as ggml's vec_dot_q4_K does (kmask1..3), widened to
            // int16 [scale0..7 | min0..7]; each scale then broadcast with an in-lane byte shuffle.
            let u0 = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            let u1 = block.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            let u2 = block.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
            let t0 = u0 & 0x3F3F_3F3F, t2 = u1 & 0x3F3F_3F3F
            let t1 = (u2 & 0x0F0F_0F0F) | (((u0 >> 6) & 0x0303_0303) << 4)
            let t3 = ((u2 >> 4) & 0x0F0F_0F0F) | (((u1 >> 6) & 0x0303_0303) << 4)
            let widened = _mm256_cvtepu8_epi16(_mm_set_epi32(
                Int32(bitPattern: t3), Int32(bitPattern: t2), Int32(bitPattern: t1), Int32(bitPattern: t0)))
            let scaleLanes = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(widened))
            let mins = switchyard_high_half_si256(widened)
            @inline(__always) func scale(_ j: Int16) -> SIMD4<Int64> {
                _mm256_shuffle_epi8(scaleLanes, _mm256_set1_epi16((2 * j) | (2 * j + 1) << 8))
            }
            let scales: InlineArray<8, SIMD4<Int64>> = [
                scale(0), scale(1), scale(2), scale(3), scale(4), scale(5), scale(6), scale(7),
            ]
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
                // Lane p: the min terms of sub-blocks 2p and 2p+1 (min_j · the 32-element sum j).
                let bsums = load32(token, sumOffset + 32 * b)
                let pairs = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), switchyard_high_half_si256(bsums))
                let m = unsafeBitCast(_mm_madd_epi16(mins, pairs), to: SIMD4<Int32>.self)
                let d8 = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
                let scale = d * d8, scaleMin = dmin * d8
                if grouped {
                    // Four steps a super-block: the four sums at once, then fused in order.
                    let h = _mm256_hadd_epi32(_mm256_hadd_epi32(s0, s1), _mm256_hadd_epi32(s2, s3))
                    let sums = unsafeBitCast(_mm_add_epi32(_mm256_castsi256_si128(h), switchyard_high_half_si256(h)), to: SIMD4<Int32>.self)
                    var total = acc[i], totalMin = accMin[i]
                    for p in 0..<4 {
                        total = total.addingProduct(Float(sums[p]), scale)
                        totalMin = totalMin.addingProduct(Float(m[p]), scaleMin)
                    }
                    acc[i] = total
                    accMin[i] = totalMin
                } else {
                    let s = _mm256_add_epi32(_mm256_add_epi32(s0, s1), _mm256_add_epi32(s2, s3))
                    acc[i] = acc[i].addingProduct(Float(sum(s)), scale)
                    accMin[i] = accMin[i].addingProduct(Float(m.wrappedSum()), scaleMin)
                }
            }
        }
        for i in 0..<n { output[i * outputStride] = acc[i] - accMin[i] }
    }

    /// The scale of each 32-element chunk as int16 lanes, ggml's `get_scale_shuffle`: scale 2c for
    /// the chunk's first 16 bytes, 2c+1 for the rest; `scaleBytes` holds 16 signed scales.
    @inline(__always)
    private static func chunkScale(_ scaleBytes: SIMD2<Int64>, _ c: Int) -> SIMD4<Int64> {
        let pick = _mm_set_epi64x(Int64(2 * c + 1) &* 0x0101_0101_0101_0101, Int64(2 * c) &* 0x0101_0101_0101_0101)
        return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scaleBytes, pick))
    }

    /// One Q2_K row against `n` (a constant after inlining) consecutive tokens.
    @inline(__always)
    private static func q2K(
        _ n: Int, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let m3 = _mm256_set1_epi8(3), m4 = _mm_set1_epi8(0x0F)
        var acc = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        var quants = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        var scales = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        for b in 0..<blocks {
            let block = w + 84 * b
            let dd = _mm_cvtph_ps(_mm_cvtsi32_si128(block.loadUnaligned(fromByteOffset: 80, as: Int32.self)))
            let d = dd[0], dmin = dd[1]
            let packed = block.loadUnaligned(as: SIMD2<Int64>.self)
            let scaleBytes = _mm_and_si128(packed, m4)
            let mins = _mm256_cvtepi8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), m4))
            for c in 0..<8 { scales[c] = chunkScale(scaleBytes, c) }
            for j in 0..<2 {
                let bits = load32(block, 16 + 32 * j)
                quants[4 * j] = _mm256_and_si256(bits, m3)
                quants[4 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(bits, 2), m3)
                quants[4 * j + 2] = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m3)
                quants[4 * j + 3] = _mm256_and_si256(_mm256_srli_epi16(bits, 6), m3)
            }
            for i in 0..<n {
                let token = a + i * stride
                let q = token + 256 * b
                let d8 = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
                let minTerms = _mm256_madd_epi16(mins, load32(token, sumOffset + 32 * b))
                var total = _mm256_fmadd_ps(_mm256_set1_ps(-d8 * dmin), _mm256_cvtepi32_ps(minTerms), acc[i])
                var s = _mm256_setzero_si256()
                for c in 0..<8 {
                    s = _mm256_add_epi32(s, _mm256_madd_epi16(scales[c], _mm256_maddubs_epi16(quants[c], load32(q, 32 * c))))
                }
                total = _mm256_fmadd_ps(_mm256_set1_ps(d8 * d), _mm256_cvtepi32_ps(s), total)
                acc[i] = total
            }
        }
        for i in 0..<n { output[i * outputStride] = GGMLSums.horizontal(acc[i]) }
    }

    /// One Q3_K row against `n` (a constant after inlining) consecutive tokens. The signed 3-bit
    /// values multiply through `maddubs(|q|, sign(q8, q))`, the same int16 sums as ggml's two
    /// `maddubs` and a subtraction.
    @inline(__always)
    private static func q3K(
        _ n: Int, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let m3 = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4)
        var acc = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        var magnitudes = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        var signs = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        var scales = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        for b in 0..<blocks {
            let block = w + 110 * b
            let d = halfToFloat(block.loadUnaligned(fromByteOffset: 108, as: UInt16.self))
            let unpacked = Q3KScales.unpack(block + 96) &- 32
            let scaleBytes = unsafeBitCast(unpacked, to: SIMD2<Int64>.self)
            for c in 0..<8 { scales[c] = chunkScale(scaleBytes, c) }
            let hbits = load32(block, 0)
            for j in 0..<2 {
                let bits = load32(block, 32 + 32 * j)
                for m in 0..<4 {
                    let c = 4 * j + m
                    let low = _mm256_and_si256(_mm256_srli_epi16(bits, Int32(2 * m)), m3)
                    let mask = _mm256_set1_epi8(Int8(bitPattern: UInt8(1 << c)))
                    let clear = _mm256_cmpeq_epi8(_mm256_and_si256(hbits, mask), _mm256_setzero_si256())
                    let value = _mm256_sub_epi8(low, _mm256_and_si256(clear, four))
                    magnitudes[c] = _mm256_sign_epi8(value, value)
                    signs[c] = value
                }
            }
            for i in 0..<n {
                let token = a + i * stride
                let q = token + 256 * b
                var s = _mm256_setzero_si256()
                for c in 0..<8 {
                    let product = _mm256_maddubs_epi16(magnitudes[c], _mm256_sign_epi8(load32(q, 32 * c), signs[c]))
                    s = _mm256_add_epi32(s, _mm256_madd_epi16(scales[c], product))
                }
                let d8 = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(d8 * d), _mm256_cvtepi32_ps(s), acc[i])
            }
        }
        for i in 0..<n { output[i * outputStride] = GGMLSums.horizontal(acc[i]) }
    }

    /// One Q5_K row (`fifthBit`), or a Q4_K row with `ggml_vec_dot_q4_K_q8_K`'s arithmetic, against
    /// `n` consecutive tokens (`n` and `fifthBit` constants after inlining). The two vec_dots differ
    /// only in the fifth bit, the block layout, and how the min terms are summed: Q5_K one integer
    /// per super-block into a scalar, Q4_K four lanes into a 4-lane accumulator.
    @inline(__always)
    private static func q5K(
        _ n: Int, _ fifthBit: Bool, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let blockBytes = fifthBit ? 176 : 144, quantOffset = fifthBit ? 48 : 16
        var accMin = InlineArray<4, SIMD4<Float>>(repeating: .zero)
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let low = _mm256_set1_epi8(0x0F)
        var acc = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        var summs = InlineArray<4, Float>(repeating: 0)
        var quants = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        for b in 0..<blocks {
            let block = w + blockBytes * b
            let dd = _mm_cvtph_ps(_mm_cvtsi32_si128(block.loadUnaligned(as: Int32.self)))
            let d = dd[0], dmin = dd[1]
            let u0 = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            let u1 = block.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            let u2 = block.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
            let t0 = u0 & 0x3F3F_3F3F, t2 = u1 & 0x3F3F_3F3F
            let t1 = (u2 & 0x0F0F_0F0F) | (((u0 >> 6) & 0x0303_0303) << 4)
            let t3 = ((u2 >> 4) & 0x0F0F_0F0F) | (((u1 >> 6) & 0x0303_0303) << 4)
            let widened = _mm256_cvtepu8_epi16(_mm_set_epi32(
                Int32(bitPattern: t3), Int32(bitPattern: t2), Int32(bitPattern: t1), Int32(bitPattern: t0)))
            let scaleLanes = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(widened))
            let mins = switchyard_high_half_si256(widened)
            @inline(__always) func scale(_ j: Int16) -> SIMD4<Int64> {
                _mm256_shuffle_epi8(scaleLanes, _mm256_set1_epi16((2 * j) | (2 * j + 1) << 8))
            }
            let scales: InlineArray<8, SIMD4<Int64>> = [
                scale(0), scale(1), scale(2), scale(3), scale(4), scale(5), scale(6), scale(7),
            ]
            let high = fifthBit ? load32(block, 16) : _mm256_setzero_si256()
            for j in 0..<4 {
                let bits = load32(block, quantOffset + 32 * j)
                quants[2 * j] = _mm256_and_si256(bits, low)
                quants[2 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(bits, 4), low)
                if fifthBit {
                    let h0 = _mm256_and_si256(_mm256_srli_epi16(high, Int32(2 * j)), _mm256_set1_epi8(1))
                    let h1 = _mm256_and_si256(_mm256_srli_epi16(high, Int32(2 * j + 1)), _mm256_set1_epi8(1))
                    quants[2 * j] = _mm256_add_epi8(quants[2 * j], _mm256_slli_epi16(h0, 4))
                    quants[2 * j + 1] = _mm256_add_epi8(quants[2 * j + 1], _mm256_slli_epi16(h1, 4))
                }
            }
            for i in 0..<n {
                let token = a + i * stride
                let q = token + 256 * b
                var s = _mm256_setzero_si256()
                for j in 0..<8 {
                    s = _mm256_add_epi32(s, _mm256_madd_epi16(scales[j], _mm256_maddubs_epi16(quants[j], load32(q, 32 * j))))
                }
                let bsums = load32(token, sumOffset + 32 * b)
                let pairs = _mm_hadd_epi16(_mm256_castsi256_si128(bsums), switchyard_high_half_si256(bsums))
                let m = unsafeBitCast(_mm_madd_epi16(mins, pairs), to: SIMD4<Int32>.self)
                let d8 = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
                if fifthBit {
                    summs[i] = summs[i].addingProduct(Float(m.wrappedSum()), -d8 * dmin)
                } else {
                    accMin[i] = _mm_fmadd_ps(_mm_set1_ps(-d8 * dmin), _mm_cvtepi32_ps(unsafeBitCast(m, to: SIMD2<Int64>.self)), accMin[i])
                }
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(d8 * d), _mm256_cvtepi32_ps(s), acc[i])
            }
        }
        for i in 0..<n {
            if fifthBit {
                output[i * outputStride] = GGMLSums.horizontal(acc[i]) + summs[i]
            } else {
                let mins = accMin[i]
                output[i * outputStride] = GGMLSums.horizontal(acc[i]) + ((mins[0] + mins[2]) + (mins[1] + mins[3]))
            }
        }
    }

    /// One Q6_K row against `n` (a constant after inlining) consecutive tokens.
    @inline(__always)
    private static func q6K(
        _ n: Int, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int, _ tiled: Bool
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let m3 = _mm256_set1_epi8(3), m15 = _mm256_set1_epi8(15)
        // llama.cpp's tiled kernel (see MatrixMultiply.tiledMinimumTokens): one scalar per token.
        var tiledAcc = InlineArray<4, Float>(repeating: 0)
        var acc = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        var quants = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        var scales = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        for b in 0..<blocks {
            let block = w + 210 * b
            let d = halfToFloat(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
            let scaleBytes = block.loadUnaligned(fromByteOffset: 192, as: SIMD2<Int64>.self)
            let scales16 = _mm256_cvtepi8_epi16(scaleBytes)
            // ggml's get_scale_shuffle: scale 2c for the chunk's first 16 bytes, 2c+1 for the rest.
            for c in 0..<8 {
                let pick = _mm_set_epi64x(Int64(2 * c + 1) &* 0x0101_0101_0101_0101, Int64(2 * c) &* 0x0101_0101_0101_0101)
                scales[c] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scaleBytes, pick))
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
                if tiled {
                    let total = unsafeBitCast(s, to: SIMD8<Int32>.self).wrappedSum()
                    tiledAcc[i] = tiledAcc[i].addingProduct(d * Float(total), d8)
                } else {
                    acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(d8 * d), _mm256_cvtepi32_ps(s), acc[i])
                }
            }
        }
        for i in 0..<n { output[i * outputStride] = tiled ? tiledAcc[i] : GGMLSums.horizontal(acc[i]) }
    }
}
#endif
