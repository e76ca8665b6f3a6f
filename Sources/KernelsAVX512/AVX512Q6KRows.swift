#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsAVX2
import KernelsShim

/// Q6_K products on the rearranged rows of `Q6KRows` with VNNI: `AVX2Q6KRows`' arithmetic, with
/// each pair's `madd` by the scales and the following int32 add fused into one `vpdpwssd`, and
/// ggml's offset correction (−32 · scale · 16-element sum per lane) made the same way as the
/// starting value of the lanes. The int32 lanes are the AVX2 kernel's exact sums, the float
/// steps its own (decode: `vec_dot_q6_K_q8_K`'s per super-block fma into eight lanes and
/// `hsum_float_8`; prompts: the tiled kernel's one sum per super-block), so outputs equal its
/// bit for bit.
public enum AVX512Q6KRows {
    /// Computes `output[t * outputStride + r]` for `r` in `rows`, `t` in `tokens` (the arguments
    /// of `AVX2Q6KRows.multiply`).
    public static func multiply(
        weights: UnsafeRawPointer, blocks: Int, rows: Range<Int>, activations: UnsafeRawPointer, activationStride: Int,
        permuted: UnsafeRawPointer, tokens: Range<Int>, output: UnsafeMutablePointer<Float>, outputStride: Int, tiled: Bool
    ) {
        AVX2Q6KRows.forEachGroup(
            weights: weights, blocks: blocks, rows: rows, activations: activations, activationStride: activationStride,
            permuted: permuted, tokens: tokens, output: output, outputStride: outputStride, tiled: tiled,
            prompt: { n, row, a, ap, o in
                prompt(n, row, blocks, a, activationStride, ap, Q6KRows.activationStride(blocks: blocks), o, outputStride)
            },
            decode: { n, row, a, ap, o in
                decode(n, row, blocks, a, activationStride, ap, Q6KRows.activationStride(blocks: blocks), o, outputStride)
            })
    }

    @inline(__always)
    private static func load32(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD4<Int64> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD4<Int64>.self)
    }

    /// Pair `p`'s two `maddubs` of a super-block against one token's permuted quants `q`, added
    /// in int16 (each lane at most 2 · 63 · 128 = 16,128 in magnitude, so two fit), as AVX2's.
    @inline(__always)
    private static func products(_ w: InlineArray<8, SIMD4<Int64>>, _ p: Int, _ q: UnsafeRawPointer) -> SIMD4<Int64> {
        _mm256_add_epi16(_mm256_maddubs_epi16(w[2 * p], load32(q, 64 * p)), _mm256_maddubs_epi16(w[2 * p + 1], load32(q, 64 * p + 32)))
    }

    /// One row against `n` (a constant after inlining) consecutive tokens, `vec_dot`'s arithmetic.
    @inline(__always)
    private static func decode(
        _ n: Int, _ w: UnsafeRawPointer, _ blocks: Int, _ a: UnsafeRawPointer, _ stride: Int,
        _ ap: UnsafeRawPointer, _ permutedStride: Int, _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let recordBytes = Q6KRows.recordBytes, prefetchDistance = AVX2Q6KRows.prefetchDistance
        let zero = _mm256_setzero_si256()
        var acc = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let record = w + recordBytes * b
            let ahead = record + prefetchDistance
            switchyard_prefetch(ahead)
            switchyard_prefetch(ahead + 64)
            switchyard_prefetch(ahead + 128)
            switchyard_prefetch(ahead + 192)
            let values = AVX2Q6KRows.unpack(record)
            let (natural, pairScales) = AVX2Q6KRows.scales(record)
            // −32 · scale fits int16 (scales are 8-bit): the correction lanes come out of one dpwssd.
            let correctionScales = _mm256_mullo_epi16(natural, _mm256_set1_epi16(-32))
            let d = halfToFloat(record.loadUnaligned(fromByteOffset: Q6KRows.dOffset, as: UInt16.self))
            for i in 0..<n {
                let token = a + i * stride
                let q = ap + i * permutedStride + 256 * b
                // Two chains (pairs 0-1 from the correction, pairs 2-3 from zero), then one add.
                var s0 = switchyard_dpwssd(zero, load32(token, sumOffset + 32 * b), correctionScales)
                var s1 = switchyard_dpwssd(zero, products(values, 2, q), pairScales[2])
                s0 = switchyard_dpwssd(s0, products(values, 0, q), pairScales[0])
                s1 = switchyard_dpwssd(s1, products(values, 3, q), pairScales[3])
                s0 = switchyard_dpwssd(s0, products(values, 1, q), pairScales[1])
                let d8 = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(d8 * d), _mm256_cvtepi32_ps(_mm256_add_epi32(s0, s1)), acc[i])
            }
        }
        for i in 0..<n { output[i * outputStride] = GGMLSums.horizontal(acc[i]) }
    }

    /// One unpacked row (`AVX2Q6KRows.unpackRow`) against `n` (a constant after inlining)
    /// consecutive tokens, the tiled kernel's arithmetic: per super-block the exact sum,
    /// `acc = fma(d · float(sum), d8, acc)` per token.
    @inline(__always)
    private static func prompt(
        _ n: Int, _ unpacked: UnsafeRawPointer, _ blocks: Int, _ a: UnsafeRawPointer, _ stride: Int,
        _ ap: UnsafeRawPointer, _ permutedStride: Int, _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let unpackedBytes = AVX2Q6KRows.unpackedBytes
        let zero = _mm256_setzero_si256()
        var acc = SIMD4<Float>.zero
        for b in 0..<blocks {
            let u = UnsafeRawPointer(unpacked + unpackedBytes * b)
            let correction = load32(u, 384)
            var sums = InlineArray<4, SIMD4<Int64>>(repeating: .zero)
            for i in 0..<n { sums[i] = switchyard_dpwssd(zero, correction, load32(a + i * stride, sumOffset + 32 * b)) }
            for p in 0..<4 {
                let w0 = load32(u, 64 * p), w1 = load32(u, 64 * p + 32), scale = load32(u, 256 + 32 * p)
                for i in 0..<n {
                    let q = ap + i * permutedStride + 256 * b + 64 * p
                    let products = _mm256_add_epi16(_mm256_maddubs_epi16(w0, load32(q, 0)), _mm256_maddubs_epi16(w1, load32(q, 32)))
                    sums[i] = switchyard_dpwssd(sums[i], products, scale)
                }
            }
            // The n totals at once: lane i of `total` is token i's sum.
            let h = _mm256_hadd_epi32(_mm256_hadd_epi32(sums[0], sums[1]), _mm256_hadd_epi32(sums[2], sums[3]))
            let total = _mm_cvtepi32_ps(_mm_add_epi32(_mm256_castsi256_si128(h), switchyard_high_half_si256(h)))
            var d8 = SIMD4<Float>.zero
            for i in 0..<n { d8[i] = (a + i * stride).load(fromByteOffset: scaleOffset + 4 * b, as: Float.self) }
            let d = u.load(fromByteOffset: 416, as: Float.self)
            acc = _mm_fmadd_ps(_mm_mul_ps(_mm_set1_ps(d), total), d8, acc)
        }
        for i in 0..<n { output[i * outputStride] = acc[i] }
    }
}
#endif
