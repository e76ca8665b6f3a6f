#if arch(x86_64)
import _Builtin_intrinsics.intel
import KernelsShim

/// Float and half-precision vector helpers with AVX2 + FMA + F16C.
public enum AVX2VectorOps {
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0 = SIMD8<Float>.zero, s1 = SIMD8<Float>.zero
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 16 <= count {
            s0 = _mm256_fmadd_ps(ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self),
                                 rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), s0)
            s1 = _mm256_fmadd_ps(ra.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self),
                                 rb.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self), s1)
            i += 16
        }
        var sum = (s0 + s1).sum()
        while i < count { sum += a[i] * b[i]; i += 1 }
        return sum
    }

    /// Each float's IEEE half bits (round to nearest even), eight at a time with F16C. A group of
    /// eight holding a NaN returns nil for the caller's bit-level conversion (which drops NaN
    /// payloads, where F16C keeps their top bits), so every output equals `Half.fromFloat`'s.
    /// - Returns: how many leading floats were converted (a multiple of 8).
    public static func convertToF16(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt16>, count: Int) -> Int {
        let input = UnsafeRawPointer(x), output = UnsafeMutableRawPointer(out)
        var i = 0
        while i + 8 <= count {
            let v = input.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            let magnitude = unsafeBitCast(v, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF
            if any(magnitude .> 0x7F80_0000) { return i }
            output.storeBytes(of: switchyard_to_half8(v), toByteOffset: 2 * i, as: SIMD2<Int64>.self)
            i += 8
        }
        return i
    }

    /// `b` holds IEEE half bits.
    public static func dotF16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<UInt16>, count: Int) -> Float {
        var s0 = SIMD8<Float>.zero, s1 = SIMD8<Float>.zero
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 16 <= count {
            s0 = _mm256_fmadd_ps(ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self),
                                 _mm256_cvtph_ps(rb.loadUnaligned(fromByteOffset: 2 * i, as: SIMD2<Int64>.self)), s0)
            s1 = _mm256_fmadd_ps(ra.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self),
                                 _mm256_cvtph_ps(rb.loadUnaligned(fromByteOffset: 2 * i + 16, as: SIMD2<Int64>.self)), s1)
            i += 16
        }
        var sum = (s0 + s1).sum()
        while i < count { sum += a[i] * _cvtsh_ss(b[i]); i += 1 }
        return sum
    }
}
#endif
