#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsAVX2

/// Block unpacking for the AVX-512 kernels: the AVX2 one (`AVX2BlockFormat.unpack`), except
/// where AVX-512BW's mask registers take fewer steps. Q5_0 and Q5_1 read their fifth bits `qh`
/// straight into a byte mask, where AVX2 spreads them to bytes with a shuffle, an or and a
/// compare. The unpacked bytes are the same.
protocol AVX512BlockFormat: AVX2BlockFormat {
    static func unpackAVX512(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float)
}

extension Q4_0Block: AVX512BlockFormat {
    @inline(__always)
    static func unpackAVX512(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) { unpack(block) }
}

extension Q4_1Block: AVX512BlockFormat {
    @inline(__always)
    static func unpackAVX512(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) { unpack(block) }
}

extension Q8_0Block: AVX512BlockFormat {
    @inline(__always)
    static func unpackAVX512(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) { unpack(block) }
}

extension Q5_0Block: AVX512BlockFormat {
    /// q − 16 as a signed byte: the nibble less 16 (= the nibble with 0xF0 or-ed in) where bit
    /// `j` of `qh` is clear.
    @inline(__always)
    static func unpackAVX512(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) {
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        let nibbles = unpackNibbles(block.loadUnaligned(fromByteOffset: 6, as: SIMD2<Int64>.self))
        let clear = ~block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
        return (_mm256_mask_sub_epi8(nibbles, clear, nibbles, _mm256_set1_epi8(16)), d, 0)
    }
}

extension Q5_1Block: AVX512BlockFormat {
    /// q: the nibble plus 16 where bit `j` of `qh` is set.
    @inline(__always)
    static func unpackAVX512(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) {
        let scales = _mm_cvtph_ps(_mm_cvtsi32_si128(block.loadUnaligned(as: Int32.self)))
        let nibbles = unpackNibbles(block.loadUnaligned(fromByteOffset: 8, as: SIMD2<Int64>.self))
        let set = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        return (_mm256_mask_add_epi8(nibbles, set, nibbles, _mm256_set1_epi8(16)), scales[0], scales[1])
    }
}
#endif
