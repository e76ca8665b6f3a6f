#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsAVX2
import KernelsShim

/// Quantized weight × quantized activation products (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 against 8-bit
/// blocks of 32) with VNNI: one `vpdpbusd` gives the eight int32 lanes of a block that ggml's AVX2
/// kernel makes with `maddubs` + `madd` (each lane the four products of bytes 4k..<4k+4; the AVX2
/// int16 pairs cannot saturate for these formats: at most 2 · 128 · 127), and the float steps are
/// `AVX2MatrixMultiply`'s: per block `acc = fma(float(lanes), scale · d, acc)` in the same
/// eight-lane accumulator, the offset term fused per block, `hsum_float_8` at the end. So every
/// output equals the AVX2 kernel's (and llama.cpp's) bit for bit.
///
/// The 32 vector registers of AVX-512 hold 4 rows × 4 tokens of accumulators (2 × 8 for the
/// signed formats' prompts), twice AVX2's tiles.
/// Signed weights (Q5_0, Q8_0) against several tokens take the activations as the unsigned
/// operand, shifted by 128 (`y ^ 0x80`), and start each block's lanes at −128 · (the lane's
/// weight sum), so the lanes are exact without a `sign_epi8` per row and token; against one
/// token (decode) ggml's sign trick costs less (`|w|` times `y` signed by `w`).
public enum AVX512MatrixMultiply {
    /// Computes `output[t * outputStride + r]` for `r` in `rows`, `t` in `tokens` (the layout and
    /// arguments of `AVX2MatrixMultiply.multiply`).
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

    /// Tokens per register tile (beside 4 rows).
    static let tileTokens = 4

    /// How many 4-row tiles ahead the first pass over the rows prefetches (as `AVX2MatrixMultiply`).
    static let prefetchTiles = 2

    private static func run<F: AVX512BlockFormat>(
        _ format: F.Type, _ weights: UnsafeRawPointer, _ rowBytes: Int, _ rows: Range<Int>,
        _ activations: UnsafeRawPointer, _ activationStride: Int, _ tokens: Range<Int>, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        var t = tokens.lowerBound
        // Prompts, signed formats (Q5_0, Q8_0): 2 rows × 8 tokens, so a block is unpacked (and
        // its shift correction made) once for eight tokens' products. Measured 1.12x -> 1.25x
        // AVX2 on Gemma's Q5_0 product; the unsigned formats, cheap to unpack, gained nothing.
        while F.signedWeights && tokens.upperBound - t >= 8 {
            let a = activations + t * activationStride
            var r = rows.lowerBound
            while r < rows.upperBound {
                let w = weights + r * rowBytes
                let o = output + t * outputStride + r
                if rows.upperBound - r >= 2 {
                    tile(F.self, 2, 8, w, rowBytes, a, activationStride, blocks, o, outputStride, nil)
                    r += 2
                } else {
                    tile(F.self, 1, 8, w, rowBytes, a, activationStride, blocks, o, outputStride, nil)
                    r += 1
                }
            }
            t += 8
        }
        while t < tokens.upperBound {
            let rn = min(Self.tileTokens, tokens.upperBound - t)
            let a = activations + t * activationStride
            var r = rows.lowerBound
            while r < rows.upperBound {
                let rm = min(4, rows.upperBound - r)
                let w = weights + r * rowBytes
                let o = output + t * outputStride + r
                // Later tiles' rows on the first pass over the rows only: later token groups find
                // them in cache (a prefetch past the matrix's end never faults).
                let ahead: UnsafeRawPointer? = t == tokens.lowerBound ? w + Self.prefetchTiles * 4 * rowBytes : nil
                let s = activationStride
                switch (rm, rn) {
                case (4, 4): tile(F.self, 4, 4, w, rowBytes, a, s, blocks, o, outputStride, ahead)
                case (4, 3): tile(F.self, 4, 3, w, rowBytes, a, s, blocks, o, outputStride, ahead)
                case (4, 2): tile(F.self, 4, 2, w, rowBytes, a, s, blocks, o, outputStride, ahead)
                case (4, _): tile(F.self, 4, 1, w, rowBytes, a, s, blocks, o, outputStride, ahead)
                case (_, 4): tile(F.self, 1, 4, w, rowBytes, a, s, blocks, o, outputStride, ahead)
                case (_, 3): tile(F.self, 1, 3, w, rowBytes, a, s, blocks, o, outputStride, ahead)
                case (_, 2): tile(F.self, 1, 2, w, rowBytes, a, s, blocks, o, outputStride, ahead)
                default: tile(F.self, 1, 1, w, rowBytes, a, s, blocks, o, outputStride, ahead)
                }
                r += rm == 4 ? 4 : 1
            }
            t += rn
        }
    }

    /// An `rm` × `rn` tile (constants after inlining, so the accumulators stay in registers).
    @inline(__always)
    private static func tile<F: AVX512BlockFormat>(
        _ format: F.Type, _ rm: Int, _ rn: Int, _ w: UnsafeRawPointer, _ rowBytes: Int,
        _ a: UnsafeRawPointer, _ activationStride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int, _ ahead: UnsafeRawPointer?
    ) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 32) { buffer in
            guard let products = buffer.baseAddress else { return }
            tile(F.self, rm, rn, w, rowBytes, a, activationStride, blocks, output, outputStride, ahead, products)
        }
    }

    /// `tile` with a buffer for a block's 16 products `scale · d` (row i, token j at 4i + j):
    /// made four at a time, then read by each fma as a broadcast memory operand, where one
    /// multiply per row and token would compete with the fmas.
    @inline(__always)
    private static func tile<F: AVX512BlockFormat>(
        _ format: F.Type, _ rm: Int, _ rn: Int, _ w: UnsafeRawPointer, _ rowBytes: Int,
        _ a: UnsafeRawPointer, _ activationStride: Int, _ blocks: Int,
        _ output: UnsafeMutablePointer<Float>, _ outputStride: Int, _ ahead: UnsafeRawPointer?,
        _ products: UnsafeMutablePointer<Float>
    ) {
        var accumulators = InlineArray<16, SIMD8<Float>>(repeating: .zero)
        // Row i's offset terms, lane j for token j: each lane the fused `offset · s` sum of ggml.
        var offsets = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        let scaleOffset = QuantizedActivations.scaleOffset(blocks: blocks)
        let sumOffset = QuantizedActivations.sumOffset(blocks: blocks)
        let flip = _mm256_set1_epi8(-128)
        let zero = _mm256_setzero_si256()
        let share = 4 * F.bytesPerBlock
        let shifted = F.signedWeights && rn > 1, signTrick = F.signedWeights && rn == 1
        for b in 0..<blocks {
            if let ahead {
                let next = ahead + b * share
                switchyard_prefetch(next)
                switchyard_prefetch(next + 64)
                if share > 128 { switchyard_prefetch(next + 128) }
            }
            // The tokens' quants (shifted to unsigned for signed weights), scales and sums.
            var quants = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
            var d = SIMD8<Float>.zero
            var sums = SIMD8<Float>.zero
            for j in 0..<rn {
                let token = a + j * activationStride
                let y = token.loadUnaligned(fromByteOffset: 32 * b, as: SIMD4<Int64>.self)
                quants[j] = shifted ? _mm256_xor_si256(y, flip) : y
                d[j] = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
                if F.hasOffset { sums[j] = token.load(fromByteOffset: sumOffset + 4 * b, as: Float.self) }
            }
            var weights = InlineArray<4, SIMD4<Int64>>(repeating: .zero)
            for i in 0..<rm {
                let (quants, scale, offset) = F.unpackAVX512(w + i * rowBytes + b * F.bytesPerBlock)
                weights[i] = quants
                // `scale · d` rounded as ggml's scalar product.
                UnsafeMutableRawPointer(products + 8 * i).storeBytes(of: SIMD8(repeating: scale) * d, as: SIMD8<Float>.self)
                if F.hasOffset { offsets[i] = offsets[i].addingProduct(SIMD8(repeating: offset), sums) }
            }
            for i in 0..<rm {
                // Shifted activations: lanes start at −128 · (their four weights' sum), which the
                // shift adds back.
                let start = shifted ? _mm256_sub_epi32(zero, switchyard_dpbusd(zero, flip, weights[i])) : zero
                let magnitudes = signTrick ? _mm256_abs_epi8(weights[i]) : weights[i]
                for j in 0..<rn {
                    let lanes = shifted
                        ? switchyard_dpbusd(start, quants[j], weights[i])
                        : switchyard_dpbusd(zero, magnitudes, signTrick ? _mm256_sign_epi8(quants[j], weights[i]) : quants[j])
                    // Fused as ggml's `fmadd`.
                    accumulators[i * rn + j] = _mm256_fmadd_ps(
                        _mm256_cvtepi32_ps(lanes), _mm256_set1_ps(products[8 * i + j]), accumulators[i * rn + j])
                }
            }
        }
        for i in 0..<rm {
            for j in 0..<rn {
                let offset: Float = F.hasOffset ? offsets[i][j] : 0
                output[j * outputStride + i] = GGMLSums.horizontal(accumulators[i * rn + j]) + offset
            }
        }
    }
}
#endif
