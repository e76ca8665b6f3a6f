#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsShim

/// Q6_K products on weights rearranged at load (`Q6KRows`) against Q8_K activations, with the
/// float arithmetic of llama.cpp's AVX2 build (see `AVX2KQuants`), so results equal its bit for bit:
/// - decode and small batches (`tiled` false): `ggml_vec_dot_q6_K_q8_K`'s eight int32 lanes per
///   super-block, `acc = fma(d8·d, float(lanes), acc)`, then `hsum_float_8`. The lanes are exact
///   integer sums, and `Q6KRows`' element order gives each lane the same terms, so they come out
///   equal while pairs of `maddubs` share one `madd` and the scales take five shuffles, not sixteen.
/// - prompts (`tiled`, llama.cpp's tiled kernel): one exact integer sum per super-block,
///   `acc = fma(d·float(sum), d8, acc)`. A row's super-blocks are unpacked once into a buffer,
///   then multiplied against four tokens at a time.
public enum AVX2Q6KRows {
    /// Computes `output[t * outputStride + r]` for `r` in `rows`, `t` in `tokens`.
    /// - Parameters:
    ///   - weights: the rearranged matrix (`Q6KRows`), `blocks` super-blocks a row.
    ///   - activations: token 0's row in the `SuperBlockActivations` layout (scales and sums read
    ///     from it), rows `activationStride` apart.
    ///   - permuted: token 0's quants in the weights' order (`Q6KRows.permuteActivations`), rows
    ///     `Q6KRows.activationStride(blocks:)` apart.
    public static func multiply(
        weights: UnsafeRawPointer, blocks: Int, rows: Range<Int>, activations: UnsafeRawPointer, activationStride: Int,
        permuted: UnsafeRawPointer, tokens: Range<Int>, output: UnsafeMutablePointer<Float>, outputStride: Int, tiled: Bool
    ) {
        forEachGroup(
            weights: weights, blocks: blocks, rows: rows, activations: activations, activationStride: activationStride,
            permuted: permuted, tokens: tokens, output: output, outputStride: outputStride, tiled: tiled,
            prompt: { n, row, a, ap, o in
                prompt(n, row, blocks, a, activationStride, ap, Q6KRows.activationStride(blocks: blocks), o, outputStride)
            },
            decode: { n, row, a, ap, o in
                decode(n, row, blocks, a, activationStride, ap, Q6KRows.activationStride(blocks: blocks), o, outputStride)
            })
    }

    /// One row against a group of consecutive tokens: the group's size (a literal 1...4, so that
    /// the kernel inlined into the closure is specialized for it), the row (its records, or for
    /// prompts the row unpacked by `unpackRow`), the first token's activations and permuted
    /// quants, and its output.
    public typealias GroupKernel = (
        Int, UnsafeRawPointer, UnsafeRawPointer, UnsafeRawPointer, UnsafeMutablePointer<Float>
    ) -> Void

    /// The loops over rows and groups of up to four tokens that every kernel set's Q6_K product
    /// runs (the arguments of `multiply`): prompts unpack each row once into a buffer and run
    /// `prompt`, decode runs `decode` on the records.
    @inlinable @inline(__always)
    public static func forEachGroup(
        weights: UnsafeRawPointer, blocks: Int, rows: Range<Int>, activations: UnsafeRawPointer, activationStride: Int,
        permuted: UnsafeRawPointer, tokens: Range<Int>, output: UnsafeMutablePointer<Float>, outputStride: Int,
        tiled: Bool, prompt: GroupKernel, decode: GroupKernel
    ) {
        let rowBytes = blocks * Q6KRows.recordBytes
        let permutedStride = Q6KRows.activationStride(blocks: blocks)
        func groups(_ row: UnsafeRawPointer, _ r: Int, _ kernel: GroupKernel) {
            var t = tokens.lowerBound
            while t < tokens.upperBound {
                let n = min(4, tokens.upperBound - t)
                let a = activations + t * activationStride, ap = permuted + t * permutedStride
                let o = output + t * outputStride + r
                switch n {
                case 4: kernel(4, row, a, ap, o)
                case 3: kernel(3, row, a, ap, o)
                case 2: kernel(2, row, a, ap, o)
                default: kernel(1, row, a, ap, o)
                }
                t += n
            }
        }
        if tiled {
            withUnsafeTemporaryAllocation(byteCount: blocks * unpackedBytes, alignment: 32) { buffer in
                guard let unpacked = buffer.baseAddress else { return }
                for r in rows {
                    unpackRow(weights + r * rowBytes, blocks, into: unpacked)
                    groups(UnsafeRawPointer(unpacked), r, prompt)
                }
            }
            return
        }
        for r in rows {
            groups(weights + r * rowBytes, r, decode)
        }
    }

    /// How far ahead of the record being multiplied decode prefetches the weights: a row's
    /// records stream from memory, and the hardware prefetcher alone leaves the loads waiting.
    @inlinable public static var prefetchDistance: Int { 2048 }

    @inlinable @inline(__always)
    public static func load32(_ p: UnsafeRawPointer, _ offset: Int) -> SIMD4<Int64> {
        p.loadUnaligned(fromByteOffset: offset, as: SIMD4<Int64>.self)
    }

    /// The eight value vectors of a record (see `Q6KRows`).
    @inlinable @inline(__always)
    public static func unpack(_ record: UnsafeRawPointer) -> InlineArray<8, SIMD4<Int64>> {
        let m6 = _mm256_set1_epi8(0x3F), c0 = _mm256_set1_epi8(-64)
        var w = InlineArray<8, SIMD4<Int64>>(repeating: .zero)
        for h in 0..<2 {
            let x = load32(record, 96 * h), y = load32(record, 96 * h + 32), z = load32(record, 96 * h + 64)
            w[4 * h] = _mm256_and_si256(x, m6)
            w[4 * h + 1] = _mm256_and_si256(y, m6)
            w[4 * h + 2] = _mm256_and_si256(z, m6)
            // The top two bits of x, y, z are W3's bits 0-1, 2-3, 4-5 (16-bit shifts: masked first,
            // so no bits cross between bytes).
            var t = _mm256_srli_epi16(_mm256_and_si256(x, c0), 2)
            t = _mm256_srli_epi16(_mm256_or_si256(t, _mm256_and_si256(y, c0)), 2)
            w[4 * h + 3] = _mm256_srli_epi16(_mm256_or_si256(t, _mm256_and_si256(z, c0)), 2)
        }
        return w
    }

    /// The record's scales: `natural` = the sixteen as int16 lanes (for the sums' correction), and
    /// per pair `p` the int16 lanes `2k + m` = scale of sub-block `4p + 2m + (k >= 4)`.
    @inlinable @inline(__always)
    public static func scales(_ record: UnsafeRawPointer) -> (natural: SIMD4<Int64>, pairs: InlineArray<4, SIMD4<Int64>>) {
        let bytes = record.loadUnaligned(fromByteOffset: Q6KRows.scaleOffset, as: SIMD2<Int64>.self)
        let natural = _mm256_cvtepi8_epi16(bytes)
        // Even scales to the low 128 bits, odd ones to the high: lane i of each half is then the
        // scale of sub-block 2i (+1), and pair p's dword is dword p of its half.
        let evenOdd = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15)
        let split = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(bytes, evenOdd))
        @inline(__always) func dword(_ p: Int32) -> SIMD4<Int64> {
            _mm256_shuffle_epi8(split, _mm256_set1_epi32((4 * p) | (4 * p + 1) << 8 | (4 * p + 2) << 16 | (4 * p + 3) << 24))
        }
        return (natural, [dword(0), dword(1), dword(2), dword(3)])
    }

    /// The exact integer sum of pair `p` (two chunks) of a super-block against one token's
    /// permuted quants `q`: two `maddubs` added in int16 (each lane at most 2 · 63 · 128 = 16,128
    /// in magnitude, so two fit), then one `madd` with the pair's scales.
    @inline(__always)
    private static func pair(
        _ w: InlineArray<8, SIMD4<Int64>>, _ p: Int, _ scale: SIMD4<Int64>, _ q: UnsafeRawPointer
    ) -> SIMD4<Int64> {
        let products = _mm256_add_epi16(
            _mm256_maddubs_epi16(w[2 * p], load32(q, 64 * p)), _mm256_maddubs_epi16(w[2 * p + 1], load32(q, 64 * p + 32)))
        return _mm256_madd_epi16(products, scale)
    }

    /// One row against `n` (a constant after inlining) consecutive tokens, `vec_dot`'s arithmetic.
    @inline(__always)
    private static func decode(
        _ n: Int, _ w: UnsafeRawPointer, _ blocks: Int, _ a: UnsafeRawPointer, _ stride: Int,
        _ ap: UnsafeRawPointer, _ permutedStride: Int, _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        var acc = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        for b in 0..<blocks {
            let record = w + Q6KRows.recordBytes * b
            let ahead = record + prefetchDistance
            switchyard_prefetch(ahead)
            switchyard_prefetch(ahead + 64)
            switchyard_prefetch(ahead + 128)
            switchyard_prefetch(ahead + 192)
            let values = unpack(record)
            let (natural, pairScales) = scales(record)
            let d = halfToFloat(record.loadUnaligned(fromByteOffset: Q6KRows.dOffset, as: UInt16.self))
            for i in 0..<n {
                let token = a + i * stride
                let q = ap + i * permutedStride + 256 * b
                let s = _mm256_add_epi32(
                    _mm256_add_epi32(pair(values, 0, pairScales[0], q), pair(values, 1, pairScales[1], q)),
                    _mm256_add_epi32(pair(values, 2, pairScales[2], q), pair(values, 3, pairScales[3], q)))
                // ggml's correction for the values' offset of 32: lane k less 32·(scale·sum) of
                // sub-blocks 2k and 2k+1.
                let correction = _mm256_slli_epi32(_mm256_madd_epi16(load32(token, sumOffset + 32 * b), natural), 5)
                let d8 = token.load(fromByteOffset: scaleOffset + 4 * b, as: Float.self)
                acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(d8 * d), _mm256_cvtepi32_ps(_mm256_sub_epi32(s, correction)), acc[i])
            }
        }
        for i in 0..<n { output[i * outputStride] = GGMLSums.horizontal(acc[i]) }
    }

    /// Bytes of one unpacked super-block: eight value vectors, four pair scale vectors, the
    /// sixteen scales times −32 as int16 (the offset correction), the scale `d` (padded to 32).
    @inlinable public static var unpackedBytes: Int { 14 * 32 }

    /// Unpacks a row's `blocks` records for `prompt`.
    @inlinable @inline(__always)
    public static func unpackRow(_ w: UnsafeRawPointer, _ blocks: Int, into buffer: UnsafeMutableRawPointer) {
        for b in 0..<blocks {
            let record = w + Q6KRows.recordBytes * b
            switchyard_prefetch(record + prefetchDistance)
            switchyard_prefetch(record + prefetchDistance + 64)
            switchyard_prefetch(record + prefetchDistance + 128)
            switchyard_prefetch(record + prefetchDistance + 192)
            let out = buffer + unpackedBytes * b
            let values = unpack(record)
            let (natural, pairScales) = scales(record)
            for v in 0..<8 { out.storeBytes(of: values[v], toByteOffset: 32 * v, as: SIMD4<Int64>.self) }
            for p in 0..<4 { out.storeBytes(of: pairScales[p], toByteOffset: 256 + 32 * p, as: SIMD4<Int64>.self) }
            out.storeBytes(of: _mm256_mullo_epi16(natural, _mm256_set1_epi16(-32)), toByteOffset: 384, as: SIMD4<Int64>.self)
            let d = halfToFloat(record.loadUnaligned(fromByteOffset: Q6KRows.dOffset, as: UInt16.self))
            out.storeBytes(of: d, toByteOffset: 416, as: Float.self)
        }
    }

    /// One unpacked row against `n` (a constant after inlining) consecutive tokens, the tiled
    /// kernel's arithmetic: per super-block the exact sum (offset correction first, then the
    /// pairs), `acc = fma(d · float(sum), d8, acc)` per token.
    @inline(__always)
    private static func prompt(
        _ n: Int, _ unpacked: UnsafeRawPointer, _ blocks: Int, _ a: UnsafeRawPointer, _ stride: Int,
        _ ap: UnsafeRawPointer, _ permutedStride: Int, _ output: UnsafeMutablePointer<Float>, _ outputStride: Int
    ) {
        let scaleOffset = SuperBlockActivations.scaleOffset(blocks: blocks)
        let sumOffset = SuperBlockActivations.sumOffset(blocks: blocks)
        var acc = SIMD4<Float>.zero
        for b in 0..<blocks {
            let u = UnsafeRawPointer(unpacked + unpackedBytes * b)
            let correction = load32(u, 384)
            var sums = InlineArray<4, SIMD4<Int64>>(repeating: .zero)
            for i in 0..<n { sums[i] = _mm256_madd_epi16(correction, load32(a + i * stride, sumOffset + 32 * b)) }
            for p in 0..<4 {
                let w0 = load32(u, 64 * p), w1 = load32(u, 64 * p + 32), scale = load32(u, 256 + 32 * p)
                for i in 0..<n {
                    let q = ap + i * permutedStride + 256 * b + 64 * p
                    let products = _mm256_add_epi16(_mm256_maddubs_epi16(w0, load32(q, 0)), _mm256_maddubs_epi16(w1, load32(q, 32)))
                    sums[i] = _mm256_add_epi32(sums[i], _mm256_madd_epi16(products, scale))
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
