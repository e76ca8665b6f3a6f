/// `a·b + c` rounded once (IEEE fused multiply-add), lane by lane, on any CPU.
///
/// llama.cpp's AVX2 build fuses each multiply of its F32 and BF16 dot products into the
/// accumulator, so the portable kernels must too. `addingProduct` is that operation, but this
/// module is built for x86-64's baseline (no FMA), where each lane of it becomes a call into libm.
/// Instead: a product of two floats is exact in double (24 + 24 bits < 53); their sum with `c` is
/// rounded to double *to odd* (an inexact sum gets an odd last bit; TwoSum tells whether it was
/// exact), and a round-to-odd result with at least two bits more than float rounds to the same
/// float as the exact sum would (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums:
/// proved algorithms using rounding to odd", 2008). Floats never underflow or overflow in double.
public enum FusedMultiplyAdd {
    /// `c + a·b` rounded once, for each of the eight lanes.
    @inline(__always)
    public static func fused(_ a: SIMD8<Float>, _ b: SIMD8<Float>, adding c: SIMD8<Float>) -> SIMD8<Float> {
        #if arch(arm64)
        return c.addingProduct(a, b)
        #else
        let product = SIMD8<Double>(a) * SIMD8<Double>(b)
        let addend = SIMD8<Double>(c)
        let sum = product + addend
        // TwoSum: the exact error of `sum` (zero when the sum is exact).
        let addendPart = sum - product
        let error = (product - (sum - addendPart)) + (addend - addendPart)
        let bits = unsafeBitCast(sum, to: SIMD8<UInt64>.self)
        let errorBits = unsafeBitCast(error, to: SIMD8<UInt64>.self)
        let exponentMask: UInt64 = 0x7FF0_0000_0000_0000
        let finite = bits & exponentMask .!= exponentMask
        // Round to odd: an inexact sum with an even last bit moves one unit towards the exact value
        // (away from zero when the error has the sum's sign), which makes the last bit odd.
        let inexactEven = (error .!= 0) .& (bits & 1 .== 0) .& finite
        let towardsError = (bits ^ errorBits) &>> 63 .== 0
        var odd = bits.replacing(with: bits &+ 1, where: inexactEven .& towardsError)
        odd.replace(with: bits &- 1, where: inexactEven .& .!towardsError)
        return SIMD8<Float>(unsafeBitCast(odd, to: SIMD8<Double>.self))
        #endif
    }
}
