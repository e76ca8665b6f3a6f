#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsShim

/// Q4_K products on weights repacked into 8-row tiles (`Q4KTiles`) against Q8_K activations:
/// an 8-row tile against up to four tokens at a time, every output in its own lane, so no
/// horizontal sums and one weight vector serving four tokens' multiplies.
///
/// The float arithmetic of each output is llama.cpp's repacked kernels' (see `AVX2KQuants`):
/// `acc = fma(float(isum), d·d8, acc)`, `accMin = fma(float(imin), dmin·d8, accMin)`, output
/// `acc − accMin`; gemm tokens (below `gemmTokens`) add one step per pair of sub-blocks, gemv
/// tokens one per super-block. The integer sums are exact however they are grouped: four
/// `maddubs` of a sub-block add up in int16 (at most 8 · 2 · 15 · 127 = 30,480), then one
/// `madd` applies the sub-block's scale.
public enum AVX2Q4KTiles {
    /// Computes `output[t * outputStride + r]` for `r` in `rows` (a range of whole tiles) and
    /// `t` in `tokens`, from the repacked matrix at `tiles` (`blocks` super-blocks per row).
    public static func multiply(
        tiles: UnsafeRawPointer, blocks: Int, rows: Range<Int>, activations: UnsafeRawPointer, activationStride: Int,
        tokens: Range<Int>, output: UnsafeMutablePointer<Float>, outputStride: Int, gemmTokens: Int
    ) {
        forEachGroup(
            tiles: tiles, blocks: blocks, rows: rows, activations: activations, activationStride: activationStride,
            tokens: tokens, output: output, outputStride: outputStride, gemmTokens: gemmTokens
        ) { n, grouped, w, a, o in
            multiplyTile(n, grouped, w, a, activationStride, blocks, o, outputStride)
        }
    }

    /// One tile against a group of consecutive tokens: the group's size and whether its tokens are
    /// gemm tokens (literals, so that the kernel inlined into the closure is specialized for
    /// them), the tile's records, the first token's activations, and its output.
    public typealias TileKernel = (Int, Bool, UnsafeRawPointer, UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void

    /// The loops over tiles and token groups that every kernel set's Q4_K tile product runs (the
    /// arguments of `multiply`): four tokens at a time, gemm tokens in fours or, at a caller's
    /// odd split, one at a time.
    @inlinable @inline(__always)
    public static func forEachGroup(
        tiles: UnsafeRawPointer, blocks: Int, rows: Range<Int>, activations: UnsafeRawPointer, activationStride: Int,
        tokens: Range<Int>, output: UnsafeMutablePointer<Float>, outputStride: Int, gemmTokens: Int,
        _ kernel: TileKernel
    ) {
        let tileBytes = blocks * Q4KTiles.recordBytes
        var tile = rows.lowerBound / 8
        while 8 * tile < rows.upperBound {
            let w = tiles + tile * tileBytes
            var t = tokens.lowerBound
            while t < tokens.upperBound {
                let grouped = t < gemmTokens
                let n = min(4, tokens.upperBound - t, grouped ? gemmTokens - t : 4)
                let a = activations + t * activationStride
                let o = output + t * outputStride + 8 * tile
                switch (n, grouped) {
                case (4, true): kernel(4, true, w, a, o)
                case (4, false): kernel(4, false, w, a, o)
                case (3, false): kernel(3, false, w, a, o)
                case (2, false): kernel(2, false, w, a, o)
                case (_, false): kernel(1, false, w, a, o)
                // A gemm token without three more (a caller's odd split): one at a time.
                case (_, true): kernel(1, true, w, a, o)
                }
                t += n == 4 ? 4 : (grouped ? 1 : n)
            }
            tile += 1
        }
    }

    /// How far ahead of the record being multiplied one-token products prefetch.
    static let prefetchDistance = 2 * Q4KTiles.recordBytes

    @inline(__always)
    private static func load32(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD4<Int64> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD4<Int64>.self)
    }

    /// One tile against `n` consecutive tokens (`n`, `grouped` constants after inlining).
    @inline(__always)
    private static func multiplyTile(
        _ n: Int, _ grouped: Bool, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let low = _mm256_set1_epi8(0x0F)
        var acc = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        var accMin = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let record = w + b * Q4KTiles.recordBytes
            let d = _mm256_cvtph_ps(record.loadUnaligned(fromByteOffset: Q4KTiles.dOffset, as: SIMD2<Int64>.self))
            let dmin = _mm256_cvtph_ps(record.loadUnaligned(fromByteOffset: Q4KTiles.dminOffset, as: SIMD2<Int64>.self))
            // Each token's eight 32-element sums (pairs of ggml's 16-element bsums).
            var pairs = InlineArray<4, SIMD4<Int32>>(repeating: .zero)
            for i in 0..<n {
                let bsums = load32(a + i * stride, sumOffset + 32 * b)
                pairs[i] = unsafeBitCast(
                    _mm_hadd_epi16(_mm256_castsi256_si128(bsums), switchyard_high_half_si256(bsums)), to: SIMD4<Int32>.self)
            }
            var isum = InlineArray<4, SIMD4<Int64>>(repeating: .zero)
            var imin = InlineArray<4, SIMD4<Int64>>(repeating: .zero)
            for p in 0..<4 {
                var lows = InlineArray<4, SIMD4<Int64>>(repeating: .zero)
                var highs = InlineArray<4, SIMD4<Int64>>(repeating: .zero)
                let quants = record + Q4KTiles.quantOffset + 256 * p
                if !grouped && n == 1 {
                    // Decode streams the tiles from memory once a token: fetch two records ahead
                    // (a fifth of this one per step), or the loads wait on the hardware prefetcher.
                    let ahead = record + prefetchDistance + 296 * p
                    for line in 0..<5 { switchyard_prefetch(ahead + 64 * line) }
                }
                for g in 0..<8 {
                    let raw = load32(quants, 32 * g)
                    let wl = _mm256_and_si256(raw, low), wh = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low)
                    for i in 0..<n {
                        let q = a + i * stride + 256 * b + 64 * p + 4 * g
                        let xl = _mm256_set1_epi32(q.loadUnaligned(as: Int32.self))
                        let xh = _mm256_set1_epi32(q.loadUnaligned(fromByteOffset: 32, as: Int32.self))
                        lows[i] = _mm256_add_epi16(lows[i], _mm256_maddubs_epi16(wl, xl))
                        highs[i] = _mm256_add_epi16(highs[i], _mm256_maddubs_epi16(wh, xh))
                    }
                }
                // Scales widened to int16 lanes 2r and 2r+1 (row r's), mins to lanes 2r, 2r+1.
                let scaleBytes = record.loadUnaligned(fromByteOffset: Q4KTiles.scaleOffset + 32 * p, as: SIMD2<Int64>.self)
                let scaleLow = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(scaleBytes, scaleBytes))
                let scaleHigh = _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(scaleBytes, scaleBytes))
                let mins = _mm256_cvtepu8_epi16(
                    record.loadUnaligned(fromByteOffset: Q4KTiles.scaleOffset + 32 * p + 16, as: SIMD2<Int64>.self))
                for i in 0..<n {
                    let sum = _mm256_add_epi32(_mm256_madd_epi16(lows[i], scaleLow), _mm256_madd_epi16(highs[i], scaleHigh))
                    let minTerms = _mm256_madd_epi16(mins, _mm256_set1_epi32(pairs[i][p]))
                    if grouped {
                        let d8 = _mm256_set1_ps((a + i * stride).load(fromByteOffset: scaleOffset + 4 * b, as: Float.self))
                        acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), _mm256_mul_ps(d, d8), acc[i])
                        accMin[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(minTerms), _mm256_mul_ps(dmin, d8), accMin[i])
                    } else {
                        isum[i] = _mm256_add_epi32(isum[i], sum)
                        imin[i] = _mm256_add_epi32(imin[i], minTerms)
                    }
                }
            }
            if !grouped {
                for i in 0..<n {
                    let d8 = _mm256_set1_ps((a + i * stride).load(fromByteOffset: scaleOffset + 4 * b, as: Float.self))
                    acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[i]), _mm256_mul_ps(d, d8), acc[i])
                    accMin[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(imin[i]), _mm256_mul_ps(dmin, d8), accMin[i])
                }
            }
        }
        for i in 0..<n {
            UnsafeMutableRawPointer(output + i * outputStride).storeBytes(of: acc[i] - accMin[i], as: SIMD8<Float>.self)
        }
    }
}
#endif
