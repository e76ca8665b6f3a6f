#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsShim

/// Quantized weight × quantized activation products with AVX2, tiled 4 rows × 2 tokens so an
/// unpacked weight block serves several tokens and an activation block several rows.
///
/// Each output is computed with the arithmetic of ggml's `ggml_vec_dot_q4_1_q8_1` /
/// `ggml_vec_dot_q8_0_q8_0` / `ggml_vec_dot_q5_0_q8_0` / `ggml_vec_dot_q5_1_q8_1` (per-lane fused
/// accumulation, `hsum_float_8`, fused offset sum), so Q4_1, Q5_0, Q5_1 and Q8_0 products equal
/// llama.cpp's bit for bit. (For prompts llama.cpp runs Q8_0 and Q5_0 through llamafile's
/// `tinyBLAS_Q0_AVX`, whose per-output arithmetic is the same: one fused accumulator of eight
/// lanes over the blocks in order, then the same horizontal sum.)
public enum AVX2MatrixMultiply {
    /// Computes `output[t * outputStride + r]` for `r` in `rows`, `t` in `tokens`.
    /// - Parameters:
    ///   - weights: row 0 of the matrix; row `r` starts at `weights + r * rowBytes`.
    ///   - activations: token 0's row in the `QuantizedActivations` layout, rows `activationStride` apart.
    ///   - blocks: blocks of 32 per row.
    public static func multiply(
        kind: AVX2BlockKind, weights: UnsafeRawPointer, rowBytes: Int, rows: Range<Int>,
        activations: UnsafeRawPointer, activationStride: Int, tokens: Range<Int>, blocks: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        switch kind {
        case .q4_1:
            run(Q4_1Block.self, weights, rowBytes, rows, activations, activationStride, tokens, blocks, output, outputStride)
        case .q4_0:
            run(Q4_0Block.self, weights, rowBytes, rows, activations, activationStride, tokens, blocks, output, outputStride)
        case .q5_0:
            run(Q5_0Block.self, weights, rowBytes, rows, activations, activationStride, tokens, blocks, output, outputStride)
        case .q5_1:
            run(Q5_1Block.self, weights, rowBytes, rows, activations, activationStride, tokens, blocks, output, outputStride)
        case .q8_0:
            run(Q8_0Block.self, weights, rowBytes, rows, activations, activationStride, tokens, blocks, output, outputStride)
        }
    }

    /// Tokens per register tile: 4 rows × 2 tokens of accumulators fit the 16 ymm registers
    /// beside the operands (4 × 3 spilled and measured slower).
    static let tileTokens = 2

    /// Tokens of the one-row tiles that prompts take (8 accumulators).
    static let wideTileTokens = 8

    /// How many 4-row tiles ahead the kernel prefetches. A tile's four rows are four short
    /// streams (a 1536-column Q4_1 row is 960 bytes) that the hardware prefetcher does not
    /// follow well: a matrix streamed from memory ran at a third of its cached speed without this.
    static let prefetchTiles = 2

    private static func run<F: AVX2BlockFormat>(
        _ format: F.Type, _ weights: UnsafeRawPointer, _ rowBytes: Int, _ rows: Range<Int>,
        _ activations: UnsafeRawPointer, _ activationStride: Int, _ tokens: Range<Int>, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        var t = tokens.lowerBound
        // Prompts, signed formats (Q5_0, Q8_0): one row against eight tokens, so a block is
        // unpacked once for eight products (the rows are then walked in order, a stream the
        // hardware prefetcher follows). Measured 1.5x on Gemma's Q5_0 64-token product; the
        // unsigned formats, cheap to unpack but with an offset sum per product, gained nothing.
        while F.signedWeights && tokens.upperBound - t >= Self.wideTileTokens {
            let a = activations + t * activationStride
            for r in rows {
                tile(F.self, 1, Self.wideTileTokens, weights + r * rowBytes, rowBytes, a, activationStride, blocks,
                     output + t * outputStride + r, outputStride, nil)
            }
            t += Self.wideTileTokens
        }
        while t < tokens.upperBound {
            let rn = min(Self.tileTokens, tokens.upperBound - t)
            let a = activations + t * activationStride
            var r = rows.lowerBound
            while r < rows.upperBound {
                let rm = min(4, rows.upperBound - r)
                let w = weights + r * rowBytes
                let o = output + t * outputStride + r
                // The rows of a later tile (past the range's end too: a prefetch never faults),
                // on the first pass over the rows only: later token pairs find them in cache.
                let ahead: UnsafeRawPointer? = t == tokens.lowerBound ? w + Self.prefetchTiles * 4 * rowBytes : nil
                switch (rm, rn) {
                case (4, 2): tile(F.self, 4, 2, w, rowBytes, a, activationStride, blocks, o, outputStride, ahead)
                case (4, 1): tile(F.self, 4, 1, w, rowBytes, a, activationStride, blocks, o, outputStride, ahead)
                case (_, 2): tile(F.self, 1, 2, w, rowBytes, a, activationStride, blocks, o, outputStride, ahead)
                default: tile(F.self, 1, 1, w, rowBytes, a, activationStride, blocks, o, outputStride, ahead)
                }
                r += rm == 4 ? 4 : 1
            }
            t += rn
        }
    }

    /// An `rm` × `rn` tile (rm · rn ≤ 8, constants after inlining so the accumulators
    /// live in registers).
    @inline(__always)
    private static func tile<F: AVX2BlockFormat>(
        _ format: F.Type, _ rm: Int, _ rn: Int, _ w: UnsafeRawPointer, _ rowBytes: Int,
        _ a: UnsafeRawPointer, _ activationStride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int, _ ahead: UnsafeRawPointer?
    ) {
        var accumulators = InlineArray<8, SIMD8<Float>>(repeating: .zero)
        var offsets = InlineArray<8, Float>(repeating: 0)
        let ones = _mm256_set1_epi16(1)
        let scaleOffset = QuantizedActivations.scaleOffset(blocks: blocks)
        let sumOffset = QuantizedActivations.sumOffset(blocks: blocks)
        // A tile spans 4 * rowBytes contiguous bytes: each block step prefetches its share
        // (4 blocks' bytes) of the tile ahead, whole cache lines, so the tile ahead arrives in step.
        let share = 4 * F.bytesPerBlock
        for b in 0..<blocks {
            if let ahead {
                let next = ahead + b * share
                switchyard_prefetch(next)
                switchyard_prefetch(next + 64)
                if share > 128 { switchyard_prefetch(next + 128) }
            }
            // Rows spelled out (not a loop) so every accumulator index is a constant and the
            // accumulators stay in registers.
            accumulate(F.self, 0, rn, w, rowBytes, a, activationStride, b, scaleOffset, sumOffset, ones, &accumulators, &offsets)
            if rm > 1 { accumulate(F.self, 1, rn, w, rowBytes, a, activationStride, b, scaleOffset, sumOffset, ones, &accumulators, &offsets) }
            if rm > 2 { accumulate(F.self, 2, rn, w, rowBytes, a, activationStride, b, scaleOffset, sumOffset, ones, &accumulators, &offsets) }
            if rm > 3 { accumulate(F.self, 3, rn, w, rowBytes, a, activationStride, b, scaleOffset, sumOffset, ones, &accumulators, &offsets) }
        }
        for i in 0..<rm {
            for j in 0..<rn {
                output[j * outputStride + i] = GGMLSums.horizontal(accumulators[i * rn + j]) + offsets[i * rn + j]
            }
        }
    }

    /// Row `i` of a tile times its `rn` tokens, for block `b`.
    @inline(__always)
    private static func accumulate<F: AVX2BlockFormat>(
        _ format: F.Type, _ i: Int, _ rn: Int, _ w: UnsafeRawPointer, _ rowBytes: Int,
        _ a: UnsafeRawPointer, _ activationStride: Int, _ b: Int, _ scaleOffset: Int, _ sumOffset: Int,
        _ ones: SIMD4<Int64>, _ accumulators: inout InlineArray<8, SIMD8<Float>>, _ offsets: inout InlineArray<8, Float>
    ) {
        let (quants, scale, offset) = F.unpack(w + i * rowBytes + b * F.bytesPerBlock)
        let magnitudes = F.signedWeights ? _mm256_abs_epi8(quants) : quants
        for j in 0..<rn {
            let token = a + j * activationStride
            let y = token.loadUnaligned(fromByteOffset: 32 * b, as: SIMD4<Int64>.self)
            let d = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
            let products = F.signedWeights
                ? _mm256_maddubs_epi16(magnitudes, _mm256_sign_epi8(y, quants))
                : _mm256_maddubs_epi16(magnitudes, y)
            let sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(products, ones))
            accumulators[i * rn + j] = _mm256_fmadd_ps(sums, _mm256_set1_ps(scale * d), accumulators[i * rn + j])
            if F.hasOffset {
                // Fused, as the compiler fuses ggml's `summs += m * s`.
                offsets[i * rn + j] = offsets[i * rn + j].addingProduct(offset, token.load(fromByteOffset: sumOffset + 4 * b, as: Float.self))
            }
        }
    }
}
#endif
