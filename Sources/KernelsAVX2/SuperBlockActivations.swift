/// The layout of activations quantized to ggml's Q8_K (`block_q8_K`: super-blocks of 256 signed
/// bytes with a float scale and sixteen 16-element sums), which the K-quantized weights
/// multiply. One token's row of `blocks` super-blocks takes `292 * blocks` bytes: `256 * blocks`
/// bytes `q`, then `blocks` Float scales `d`, then `16 * blocks` Int16 sums of 16 quants each.
public enum SuperBlockActivations {
    /// Bytes per token.
    @inlinable @inline(__always)
    public static func stride(blocks: Int) -> Int { blocks * 292 }

    /// Byte offset of the scales within a token's row.
    @inlinable @inline(__always)
    public static func scaleOffset(blocks: Int) -> Int { blocks * 256 }

    /// Byte offset of the 16-element sums within a token's row.
    @inlinable @inline(__always)
    public static func sumOffset(blocks: Int) -> Int { blocks * 260 }

    /// Quantizes `blocks * 256` floats into one token's row at `output`, exactly as ggml's
    /// `quantize_row_q8_K` (the reference C code, which the AVX2 build also runs): the element of
    /// largest magnitude (the first one on a tie) sets `iscale = -127 / max`, each quant is
    /// `min(127, round-half-even(iscale * x))`, and `d = 1 / iscale` (negative when that element
    /// is positive). llama.cpp's repacked Q4_K prompt path quantizes groups of four tokens with
    /// `ggml_quantize_mat_q8_K_4x8`, which agrees except when `+max` and `-max` both occur.
    public static func quantizeRow(_ input: UnsafePointer<Float>, blocks: Int, into output: UnsafeMutableRawPointer) {
        for b in 0..<blocks { quantizeBlock(input, b, blocks: blocks, into: output) }
    }

    /// Super-block `b` of a row of `blocks` (see `quantizeRow`).
    public static func quantizeBlock(_ input: UnsafePointer<Float>, _ b: Int, blocks: Int, into output: UnsafeMutableRawPointer) {
        let quants = output.assumingMemoryBound(to: Int8.self)
        let scales = (output + scaleOffset(blocks: blocks)).assumingMemoryBound(to: Float.self)
        let sums = (output + sumOffset(blocks: blocks)).assumingMemoryBound(to: Int16.self)
        let x = input + 256 * b
        let q = quants + 256 * b
        var amax: Float = 0
        var maximum: Float = 0
        for j in 0..<256 {
            let ax = abs(x[j])
            if ax > amax {
                amax = ax
                maximum = x[j]
            }
        }
        guard amax != 0 else {
            scales[b] = 0
            q.initialize(repeating: 0, count: 256)
            (sums + 16 * b).initialize(repeating: 0, count: 16)
            return
        }
        let iscale = -127 / maximum
        for j in 0..<256 {
            // ggml's nearest_int turns NaN (an infinite or NaN input) into 0; never trap on it.
            let v = (iscale * x[j]).rounded(.toNearestOrEven)
            q[j] = v.isNaN ? 0 : Int8(min(127, max(-128, v)))
        }
        for j in 0..<16 {
            var sum: Int32 = 0
            for i in 0..<16 { sum += Int32(q[16 * j + i]) }
            sums[16 * b + j] = Int16(sum)
        }
        scales[b] = 1 / iscale
    }
}

/// The 6-bit scales and mins of a Q4_K super-block's eight sub-blocks, packed in 12 bytes
/// (ggml's `get_scale_min_k4`).
public enum Q4KScales {
    /// Scale and min of sub-block `j` (0..<8) from the 12 bytes at `q`.
    @inline(__always)
    public static func scaleAndMin(_ q: UnsafeRawPointer, _ j: Int) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (q.load(fromByteOffset: j, as: UInt8.self) & 63, q.load(fromByteOffset: j + 4, as: UInt8.self) & 63)
        }
        let a = q.load(fromByteOffset: j + 4, as: UInt8.self)
        let lowScale = q.load(fromByteOffset: j - 4, as: UInt8.self), lowMin = q.load(fromByteOffset: j, as: UInt8.self)
        return ((a & 0x0F) | (lowScale >> 6) << 4, (a >> 4) | (lowMin >> 6) << 4)
    }
}

/// The sixteen 6-bit scales of a Q3_K super-block, packed in 12 bytes (as ggml's
/// `dequantize_row_q3_K` and `ggml_vec_dot_q3_K_q8_K` unpack them with kmask1/kmask2); each is
/// stored + 32.
public enum Q3KScales {
    /// The 16 unpacked scales (0..<64; subtract 32 for the signed scale) from the 12 bytes at `q`.
    @inline(__always)
    public static func unpack(_ q: UnsafeRawPointer) -> SIMD16<UInt8> {
        let a0 = q.loadUnaligned(as: UInt32.self)
        let a1 = q.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        let a2 = q.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        let k1: UInt32 = 0x0303_0303, k2: UInt32 = 0x0F0F_0F0F
        let words = SIMD4<UInt32>(
            (a0 & k2) | (((a2 >> 0) & k1) << 4),
            (a1 & k2) | (((a2 >> 2) & k1) << 4),
            ((a0 >> 4) & k2) | (((a2 >> 4) & k1) << 4),
            ((a1 >> 4) & k2) | (((a2 >> 6) & k1) << 4))
        return unsafeBitCast(words, to: SIMD16<UInt8>.self)
    }
}
