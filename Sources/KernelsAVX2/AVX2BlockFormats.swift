#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsShim

/// Which quantized weight layout a product reads.
public enum AVX2BlockKind: Sendable {
    case q8_0, q4_0, q4_1, q5_0, q5_1
}

/// One ggml block layout, unpacked to 32 bytes for `maddubs` (public and inlinable for the
/// AVX-512 kernels, which unpack the same blocks).
public protocol AVX2BlockFormat {
    static var bytesPerBlock: Int { get }
    /// Signed weights (Q8_0) need the sign trick; nibbles are unsigned.
    static var signedWeights: Bool { get }
    /// Whether a block's value has an offset term (value = q * d + offset).
    static var hasOffset: Bool { get }
    /// The block's 32 quants as bytes, its scale, and the offset per element.
    static func unpack(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float)
}

/// A half's value. `_cvtsh_ss` compiles to a `vpinsrw` into a live register, a false
/// dependency that chained every block of a row: going through `vmovd` (which zeroes the
/// rest of the register) made the Q4_1 product 30% faster. The shim keeps the `vmovd` where the
/// compiler would narrow it back to `vpinsrw` (it did in the AVX-512 build).
@inlinable @inline(__always)
public func halfToFloat(_ bits: UInt16) -> Float {
    switchyard_half_to_float(bits)
}

@inlinable @inline(__always)
public func unpackNibbles(_ raw: SIMD2<Int64>) -> SIMD4<Int64> {
    _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0F))
}

public enum Q4_1Block: AVX2BlockFormat {
    @inlinable public static var bytesPerBlock: Int { 20 }
    @inlinable public static var signedWeights: Bool { false }
    @inlinable public static var hasOffset: Bool { true }
    @inlinable @inline(__always)
    public static func unpack(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) {
        // d and m are adjacent halves: one load and one conversion for both (see `halfToFloat`).
        let scales = _mm_cvtph_ps(_mm_cvtsi32_si128(block.loadUnaligned(as: Int32.self)))
        return (unpackNibbles(block.loadUnaligned(fromByteOffset: 4, as: SIMD2<Int64>.self)), scales[0], scales[1])
    }
}

public enum Q4_0Block: AVX2BlockFormat {
    @inlinable public static var bytesPerBlock: Int { 18 }
    @inlinable public static var signedWeights: Bool { false }
    @inlinable public static var hasOffset: Bool { true }
    /// (q - 8) * d = q * d - 8d: the unsigned nibble times d, with offset -8d.
    @inlinable @inline(__always)
    public static func unpack(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) {
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        return (unpackNibbles(block.loadUnaligned(fromByteOffset: 2, as: SIMD2<Int64>.self)), d, -8 * d)
    }
}

/// ggml's `bytes_from_bits_32`: byte `j` is 0xFF where bit `j` of `bits` is set, else 0.
@inlinable @inline(__always)
public func bytesFromBits(_ bits: Int32) -> SIMD4<Int64> {
    let spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(bits),
        _mm256_set_epi64x(0x0303_0303_0303_0303, 0x0202_0202_0202_0202, 0x0101_0101_0101_0101, 0))
    let marked = _mm256_or_si256(spread, _mm256_set1_epi64x(0x7FBF_DFEF_F7FB_FDFE))
    return _mm256_cmpeq_epi8(marked, _mm256_set1_epi64x(-1))
}

public enum Q5_0Block: AVX2BlockFormat {
    @inlinable public static var bytesPerBlock: Int { 22 }
    @inlinable public static var signedWeights: Bool { true }
    @inlinable public static var hasOffset: Bool { false }
    /// q - 16 as a signed byte: the nibble, with 0xF0 or-ed in where the fifth bit is clear.
    @inlinable @inline(__always)
    public static func unpack(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) {
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        let nibbles = unpackNibbles(block.loadUnaligned(fromByteOffset: 6, as: SIMD2<Int64>.self))
        let high = _mm256_andnot_si256(bytesFromBits(block.loadUnaligned(fromByteOffset: 2, as: Int32.self)), _mm256_set1_epi8(-16))
        return (_mm256_or_si256(nibbles, high), d, 0)
    }
}

public enum Q5_1Block: AVX2BlockFormat {
    @inlinable public static var bytesPerBlock: Int { 24 }
    @inlinable public static var signedWeights: Bool { false }
    @inlinable public static var hasOffset: Bool { true }
    @inlinable @inline(__always)
    public static func unpack(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) {
        let scales = _mm_cvtph_ps(_mm_cvtsi32_si128(block.loadUnaligned(as: Int32.self)))
        let nibbles = unpackNibbles(block.loadUnaligned(fromByteOffset: 8, as: SIMD2<Int64>.self))
        let high = _mm256_and_si256(bytesFromBits(block.loadUnaligned(fromByteOffset: 4, as: Int32.self)), _mm256_set1_epi8(0x10))
        return (_mm256_or_si256(nibbles, high), scales[0], scales[1])
    }
}

public enum Q8_0Block: AVX2BlockFormat {
    @inlinable public static var bytesPerBlock: Int { 34 }
    @inlinable public static var signedWeights: Bool { true }
    @inlinable public static var hasOffset: Bool { false }
    @inlinable @inline(__always)
    public static func unpack(_ block: UnsafeRawPointer) -> (quants: SIMD4<Int64>, scale: Float, offset: Float) {
        let d = halfToFloat(block.loadUnaligned(as: UInt16.self))
        return (block.loadUnaligned(fromByteOffset: 2, as: SIMD4<Int64>.self), d, 0)
    }
}
#endif
