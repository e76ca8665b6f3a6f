#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsShim

/// Q4_1 and Q8_0 products on weights repacked into 4-row tiles (`Q4_1Tiles`, `Q8_0Tiles`)
/// against the quantized activations (`QuantizedActivations`).
///
/// Each output keeps the float arithmetic of ggml's `ggml_vec_dot_q4_1_q8_1` /
/// `ggml_vec_dot_q8_0_q8_0` (what `AVX2MatrixMultiply` computes from the file's layout): eight
/// lanes, lane k accumulating `fma(float(isum_k), d·d8, acc_k)` block by block, where `isum_k` is
/// the exact integer sum of the block's products in the lane's four bytes; then `hsum_float_8`,
/// plus (Q4_1) `summs`, the fused chain `fma(m, s, summs)` over the blocks. Only the lanes' places
/// differ: a vector holds one lane of all four rows in each half, so the scales `d·d8` of four
/// rows come from one multiply, the offsets of four rows from one fused multiply-add, and a
/// weight vector serves both tokens of the register tile. The integer sums are exact, and every
/// float operation of an output is the one ggml does, in its order: the results are equal bit
/// for bit.
public enum AVX2RowTiles {
    /// Computes `output[t * outputStride + r]` for `r` in `rows` (starting at a multiple of 4) and
    /// `t` in `tokens`: rows below `tiledRows` (a multiple of 4) from the repacked matrix at
    /// `tiles`, the rest from the file's layout at `weights` (rows `rowBytes` apart).
    /// - Parameter expanded: token 0's activations as `expandActivations` writes them, rows
    ///   `expandedStride(blocks:)` apart (`activations` still gives the scales and sums).
    public static func multiply(
        kind: AVX2BlockKind, tiles: UnsafeRawPointer, tiledRows: Int, weights: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
        activations: UnsafeRawPointer, activationStride: Int, expanded: UnsafeRawPointer, tokens: Range<Int>, blocks: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        let expandedStride = Self.expandedStride(blocks: blocks)
        let tiledEnd = min(rows.upperBound, tiledRows)
        if rows.lowerBound < tiledEnd {
            let tileBytes = blocks * (kind == .q8_0 ? Q8_0Tiles.recordBytes : Q4_1Tiles.recordBytes)
            var t = tokens.lowerBound
            while t < tokens.upperBound {
                let n = min(tileTokens, tokens.upperBound - t)
                let a = activations + t * activationStride
                let e = expanded + t * expandedStride
                var tile = rows.lowerBound / 4
                while 4 * tile < tiledEnd {
                    let w = tiles + tile * tileBytes
                    let o = output + t * outputStride + 4 * tile
                    switch (kind, n) {
                    case (.q8_0, 2): multiplyTile(Q8_0Tiles.self, 2, w, a, activationStride, e, expandedStride, blocks, o, outputStride)
                    case (.q8_0, _): multiplyTile(Q8_0Tiles.self, 1, w, a, activationStride, e, expandedStride, blocks, o, outputStride)
                    case (_, 2): multiplyTile(Q4_1Tiles.self, 2, w, a, activationStride, e, expandedStride, blocks, o, outputStride)
                    default: multiplyTile(Q4_1Tiles.self, 1, w, a, activationStride, e, expandedStride, blocks, o, outputStride)
                    }
                    tile += 1
                }
                t += n
            }
        }
        if tiledEnd < rows.upperBound {
            AVX2MatrixMultiply.multiply(
                kind: kind, weights: weights, rowBytes: rowBytes, rows: max(rows.lowerBound, tiledEnd)..<rows.upperBound,
                activations: activations, activationStride: activationStride, tokens: tokens, blocks: blocks,
                output: output, outputStride: outputStride)
        }
    }

    /// Tokens per register tile: 2 tokens × 4 vectors of accumulators, with the scales, fit the 16
    /// ymm registers.
    static let tileTokens = 2

    /// Bytes per token of `expandActivations`' layout: 128 a block, four times the quants' 32.
    public static func expandedStride(blocks: Int) -> Int { 128 * blocks }

    /// Writes one token's quantized activation bytes (`QuantizedActivations`, `blocks` blocks) as
    /// the vectors the tiles multiply: per block, vector v holds dword 2v of the block's quants
    /// repeated four times, then dword 2v + 1 four times. Made once per token, so the kernel's inner
    /// loop reads its operand straight from memory instead of shuffling it for every tile (the
    /// compiler turned one permute per block and a `vpshufd` per vector into two shuffles per vector).
    public static func expandActivations(_ row: UnsafeRawPointer, blocks: Int, into output: UnsafeMutableRawPointer) {
        for b in 0..<blocks {
            for v in 0..<4 {
                let low = row.loadUnaligned(fromByteOffset: 32 * b + 8 * v, as: Int32.self)
                let high = row.loadUnaligned(fromByteOffset: 32 * b + 8 * v + 4, as: Int32.self)
                output.storeBytes(of: _mm256_setr_epi32(low, low, low, low, high, high, high, high),
                                  toByteOffset: 128 * b + 32 * v, as: SIMD4<Int64>.self)
            }
        }
    }

    /// One tile against `n` consecutive tokens (`n` a constant after inlining).
    ///
    /// Weight vector v holds lanes 2v (rows 0-3 in the lower half) and 2v + 1 (upper half), which
    /// multiply the expanded activations' vector v.
    @inline(__always)
    private static func multiplyTile<F: RowTileFormat>(
        _ format: F.Type, _ n: Int, _ w: UnsafeRawPointer, _ a: UnsafeRawPointer, _ stride: Int,
        _ e: UnsafeRawPointer, _ expandedStride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = QuantizedActivations.scaleOffset(blocks: blocks)
        let sumOffset = QuantizedActivations.sumOffset(blocks: blocks)
        let ones = _mm256_set1_epi16(1)
        // acc[4i + v]: token i, vector v.
        var acc = InlineArray<8, SIMD8<Float>>(repeating: .zero)
        var offsets = InlineArray<2, SIMD4<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let record = w + b * F.recordBytes
            let d = F.scales(record)
            var scales = InlineArray<2, SIMD8<Float>>(repeating: .zero)
            for i in 0..<n {
                let token = a + i * stride
                // ggml's d0d1 = d(x) * d(y), and (Q4_1) summs += m * s fused, per row.
                scales[i] = _mm256_mul_ps(d, _mm256_set1_ps(token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)))
                if F.hasOffset {
                    offsets[i] = _mm_fmadd_ps(
                        F.minimums(record), _mm_set1_ps(token.load(fromByteOffset: sumOffset + 4 * b, as: Float.self)), offsets[i])
                }
            }
            for v in 0..<4 {
                let weights = F.vector(record, v)
                // ggml's mul_sum_i8_pairs_float for signed weights: |x| times y with x's signs.
                let magnitudes = F.signedWeights ? _mm256_sign_epi8(weights, weights) : weights
                for i in 0..<n {
                    let x = (e + i * expandedStride).loadUnaligned(fromByteOffset: 128 * b + 32 * v, as: SIMD4<Int64>.self)
                    let products = _mm256_maddubs_epi16(magnitudes, F.signedWeights ? _mm256_sign_epi8(x, weights) : x)
                    let sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(products, ones))
                    acc[4 * i + v] = _mm256_fmadd_ps(sums, scales[i], acc[4 * i + v])
                }
            }
        }
        for i in 0..<n {
            // hsum_float_8 of each row's lanes: ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)), plus the
            // offsets (zero for Q8_0, as the file-layout kernel adds them).
            let x = acc[4 * i] + acc[4 * i + 2]  // l0+l4 | l1+l5
            let y = acc[4 * i + 1] + acc[4 * i + 3]  // l2+l6 | l3+l7
            let sums = (x.lowHalf + y.lowHalf) + (x.highHalf + y.highHalf)
            UnsafeMutableRawPointer(output + i * outputStride).storeBytes(of: sums + offsets[i], as: SIMD4<Float>.self)
        }
    }
}

/// A 4-row tile layout `AVX2RowTiles` multiplies: per tile and block one record of `recordBytes`
/// (the four rows' blocks of `blockBytes` each), starting with the rows' four fp16 scales.
public protocol RowTileFormat {
    static var recordBytes: Int { get }
    /// Bytes of one block in the file's layout.
    static var blockBytes: Int { get }
    /// Writes row `r` (0..<4)'s block `block`, in the file's layout, into its places in `record`.
    static func place(row r: Int, block: UnsafeRawPointer, into record: UnsafeMutableRawPointer)
    /// Signed weight bytes (Q8_0) take ggml's sign trick; nibbles are unsigned.
    static var signedWeights: Bool { get }
    /// Whether the values have an offset term (Q4_1's `m`).
    static var hasOffset: Bool { get }
    /// The four rows' scales, twice: `[d0 d1 d2 d3 d0 d1 d2 d3]`.
    static func scales(_ record: UnsafeRawPointer) -> SIMD8<Float>
    /// The four rows' offsets `[m0 m1 m2 m3]` (only where `hasOffset`).
    static func minimums(_ record: UnsafeRawPointer) -> SIMD4<Float>
    /// Weight vector `v` (0..<4): the bytes of lane 2v of rows 0-3 (at 4r), then of lane 2v + 1.
    static func vector(_ record: UnsafeRawPointer, _ v: Int) -> SIMD4<Int64>
    /// Bytes the repacked form of the whole tiles of a `rows` × `32 * blocks` matrix takes.
    static func byteCount(rows: Int, blocks: Int) -> Int
    /// Repacks the whole tiles of the matrix at `weights` (rows `rowBytes` apart, `blocks` blocks
    /// each) into `output` (`byteCount(rows:blocks:)` bytes).
    static func repack(_ weights: UnsafeRawPointer, rowBytes: Int, rows: Int, blocks: Int, into output: UnsafeMutableRawPointer)
}

extension RowTileFormat {
    public static func byteCount(rows: Int, blocks: Int) -> Int { rows / 4 * blocks * recordBytes }

    public static func repack(
        _ weights: UnsafeRawPointer, rowBytes: Int, rows: Int, blocks: Int, into output: UnsafeMutableRawPointer
    ) {
        for tile in 0..<(rows / 4) {
            for b in 0..<blocks {
                let record = output + (tile * blocks + b) * recordBytes
                for r in 0..<4 {
                    place(row: r, block: weights + (4 * tile + r) * rowBytes + blockBytes * b, into: record)
                }
            }
        }
    }

    @inlinable @inline(__always)
    public static func scales(_ record: UnsafeRawPointer) -> SIMD8<Float> {
        _mm256_cvtph_ps(_mm_set1_epi64x(record.loadUnaligned(as: Int64.self)))
    }
}
#endif
