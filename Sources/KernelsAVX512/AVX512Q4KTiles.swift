#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsAVX2
import KernelsShim

/// Q4_K products on the 8-row tiles of `Q4KTiles` with VNNI: `AVX2Q4KTiles`' arithmetic, whose
/// integer sums are exact however they are grouped, with each row's 32-element sub-block sum
/// made by eight `vpdpbusd` straight into its int32 lane (where AVX2 adds `maddubs` pairs in
/// int16 and applies the scale with `madd`), then multiplied by the row's scale. The float steps
/// (`acc = fma(float(isum), d·d8, acc)` per pair of sub-blocks for gemm tokens, per super-block
/// for the others) are AVX2Q4KTiles' own, so outputs equal its bit for bit.
public enum AVX512Q4KTiles {
    /// Computes `output[t * outputStride + r]` for `r` in `rows` (a range of whole tiles) and
    /// `t` in `tokens` (the arguments of `AVX2Q4KTiles.multiply`).
    public static func multiply(
        tiles: UnsafeRawPointer, blocks: Int, rows: Range<Int>, activations: UnsafeRawPointer, activationStride: Int,
        tokens: Range<Int>, output: UnsafeMutablePointer<Float>, outputStride: Int, gemmTokens: Int
    ) {
        AVX2Q4KTiles.forEachGroup(
            tiles: tiles, blocks: blocks, rows: rows, activations: activations, activationStride: activationStride,
            tokens: tokens, output: output, outputStride: outputStride, gemmTokens: gemmTokens
        ) { n, grouped, w, a, o in
            multiplyTile(n, grouped, w, a, activationStride, blocks, o, outputStride)
        }
    }

    /// How far ahead of the record being multiplied one-token products prefetch.
    static let prefetchDistance = 2 * 1184

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
        let recordBytes = Q4KTiles.recordBytes
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        let low = _mm256_set1_epi8(0x0F)
        // Independent dpbusd chains per token and nibble half: a chain's step waits on the last
        // one's result (4-5 cycles), so one token alone splits its sums over four chains.
        let chains = n == 1 ? 4 : (n == 2 ? 2 : 1)
        var acc = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        var accMin = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let record = w + b * recordBytes
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
                // lows[c * n + i]: chain c of token i, lane r = row r's sum over sub-block 2p
                // (chains · n ≤ 4). Literals, not `init(repeating:)`, which the optimizer left as
                // a call here, and the arrays in memory (0.55x AVX2).
                var lows: InlineArray<4, SIMD4<Int64>> = [.zero, .zero, .zero, .zero]
                var highs: InlineArray<4, SIMD4<Int64>> = [.zero, .zero, .zero, .zero]
                let quants = record + Q4KTiles.quantOffset + 256 * p
                if !grouped && n == 1 {
                    let ahead = record + prefetchDistance + 296 * p
                    for line in 0..<5 { switchyard_prefetch(ahead + 64 * line) }
                }
                for g in 0..<8 {
                    let raw = load32(quants, 32 * g)
                    let wl = _mm256_and_si256(raw, low), wh = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low)
                    let c = g % chains
                    for i in 0..<n {
                        let q = a + i * stride + 256 * b + 64 * p + 4 * g
                        let xl = _mm256_set1_epi32(q.loadUnaligned(as: Int32.self))
                        let xh = _mm256_set1_epi32(q.loadUnaligned(fromByteOffset: 32, as: Int32.self))
                        lows[c * n + i] = switchyard_dpbusd(lows[c * n + i], wl, xl)
                        highs[c * n + i] = switchyard_dpbusd(highs[c * n + i], wh, xh)
                    }
                }
                // The rows' scales of sub-blocks 2p and 2p + 1 as int32 lanes; mins as AVX2's.
                let scaleBytes = record.loadUnaligned(fromByteOffset: Q4KTiles.scaleOffset + 32 * p, as: SIMD2<Int64>.self)
                let scaleLow = _mm256_cvtepu8_epi32(scaleBytes)
                let scaleHigh = _mm256_cvtepu8_epi32(_mm_unpackhi_epi64(scaleBytes, scaleBytes))
                let mins = _mm256_cvtepu8_epi16(
                    record.loadUnaligned(fromByteOffset: Q4KTiles.scaleOffset + 32 * p + 16, as: SIMD2<Int64>.self))
                for i in 0..<n {
                    var lowSum = lows[i], highSum = highs[i]
                    for c in 1..<max(chains, 1) {
                        lowSum = _mm256_add_epi32(lowSum, lows[c * n + i])
                        highSum = _mm256_add_epi32(highSum, highs[c * n + i])
                    }
                    let sum = _mm256_add_epi32(_mm256_mullo_epi32(lowSum, scaleLow), _mm256_mullo_epi32(highSum, scaleHigh))
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
