/// The layout of activations quantized to 8-bit blocks of 32 (like ggml's Q8_1), shared by the
/// AVX2 and the portable kernels. One token's row of `blocks` blocks takes `40 * blocks` bytes:
/// `32 * blocks` signed bytes `q`, then `blocks` Float scales `d`, then `blocks` Float sums
/// `s = d * sum(q)` (what the offset of Q4_1 and Q4_0 weights multiplies). `d` and `s` hold
/// half-precision values, as in ggml's `block_q8_1`, kept as floats so the kernels skip a conversion.
public enum QuantizedActivations {
    /// Bytes per token.
    @inlinable @inline(__always)
    public static func stride(blocks: Int) -> Int { blocks * 40 }

    /// Byte offset of the scales within a token's row.
    @inlinable @inline(__always)
    public static func scaleOffset(blocks: Int) -> Int { blocks * 32 }

    /// Byte offset of the sums within a token's row.
    @inlinable @inline(__always)
    public static func sumOffset(blocks: Int) -> Int { blocks * 36 }
}
