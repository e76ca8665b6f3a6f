/// `exp` for vectors: Cephes' polynomial on a range-reduced argument (relative error ~2e-7).
enum FastMath {
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = pointwiseMin(pointwiseMax(x, SIMD8(repeating: -87.3)), SIMD8(repeating: 88.3))
        // Adding 1.5 * 2^23 rounds to the nearest integer (ties to even) and leaves that integer
        // in the low mantissa bits: both the rounded value and its Int32 come without the
        // generic (unspecialized, slow) SIMD rounding and conversion initializers.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        // r = x - n ln 2, with ln 2 split in two for precision.
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 0.166_666_655
        p = p * r + 0.500_000_01
        let e = p * r * r + r + 1
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let exponent = (integer &+ 127) &<< 23
        // Below the clamp the true value is under Float's normal range: flush to 0 (so -inf gives 0).
        return (e * unsafeBitCast(exponent, to: SIMD8<Float>.self)).replacing(with: 0, where: x .< -87.3)
    }

    @inline(__always)
    static func exp(_ x: Float) -> Float {
        exp(SIMD8<Float>(repeating: x))[0]
    }
}
