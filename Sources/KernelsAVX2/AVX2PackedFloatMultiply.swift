#if arch(x86_64)
import _Builtin_intrinsics.intel

/// F32 matrix products over weights packed in panels of 16 rows (`[column][16]` per panel),
/// the layout of an outer-product kernel: each step loads one cache line of weights (two
/// vectors), broadcasts one input element per token, and issues 12 FMAs into 12 accumulators
/// (6 tokens × 16 rows), so the FMA units, not the loads, set the pace, and no horizontal sums
/// are needed.
public enum AVX2PackedFloatMultiply {
    public static let panelRows = 16
    static let tokenBlock = 6

    /// `output[t*outputStride + r] = sum_c W[r,c] * input[t*columns + c]` for the rows of
    /// `panels` (clipped to `rows`) and the tokens of `tokens`.
    public static func multiply(
        packed: UnsafePointer<Float>, rows: Int, columns: Int, panels: Range<Int>, input: UnsafePointer<Float>,
        tokens: Range<Int>, output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        for panel in panels {
            let weights = packed + panel * columns * panelRows
            let firstRow = panel * panelRows
            let rowCount = min(panelRows, rows - firstRow)
            var t = tokens.lowerBound
            while t < tokens.upperBound {
                let count = min(tokenBlock, tokens.upperBound - t)
                block(
                    weights: weights, columns: columns, input: input + t * columns, tokenCount: count,
                    output: output + t * outputStride + firstRow, outputStride: outputStride, rowCount: rowCount)
                t += count
            }
        }
    }

    @inline(__always)
    private static func block(
        weights: UnsafePointer<Float>, columns: Int, input: UnsafePointer<Float>, tokenCount: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int, rowCount: Int
    ) {
        let w = UnsafeRawPointer(weights)
        var a00 = SIMD8<Float>.zero, a01 = SIMD8<Float>.zero, a10 = SIMD8<Float>.zero, a11 = SIMD8<Float>.zero
        var a20 = SIMD8<Float>.zero, a21 = SIMD8<Float>.zero, a30 = SIMD8<Float>.zero, a31 = SIMD8<Float>.zero
        var a40 = SIMD8<Float>.zero, a41 = SIMD8<Float>.zero, a50 = SIMD8<Float>.zero, a51 = SIMD8<Float>.zero
        // Rows of absent tokens read token 0 again (their sums are dropped), so the loop has no branches.
        let x0 = input
        let x1 = tokenCount > 1 ? input + columns : input
        let x2 = tokenCount > 2 ? input + 2 * columns : input
        let x3 = tokenCount > 3 ? input + 3 * columns : input
        let x4 = tokenCount > 4 ? input + 4 * columns : input
        let x5 = tokenCount > 5 ? input + 5 * columns : input
        var k = 0
        while k < columns {
            let w0 = w.loadUnaligned(fromByteOffset: k * 64, as: SIMD8<Float>.self)
            let w1 = w.loadUnaligned(fromByteOffset: k * 64 + 32, as: SIMD8<Float>.self)
            var b = SIMD8<Float>(repeating: x0[k])
            a00 = _mm256_fmadd_ps(w0, b, a00)
            a01 = _mm256_fmadd_ps(w1, b, a01)
            b = SIMD8<Float>(repeating: x1[k])
            a10 = _mm256_fmadd_ps(w0, b, a10)
            a11 = _mm256_fmadd_ps(w1, b, a11)
            b = SIMD8<Float>(repeating: x2[k])
            a20 = _mm256_fmadd_ps(w0, b, a20)
            a21 = _mm256_fmadd_ps(w1, b, a21)
            b = SIMD8<Float>(repeating: x3[k])
            a30 = _mm256_fmadd_ps(w0, b, a30)
            a31 = _mm256_fmadd_ps(w1, b, a31)
            b = SIMD8<Float>(repeating: x4[k])
            a40 = _mm256_fmadd_ps(w0, b, a40)
            a41 = _mm256_fmadd_ps(w1, b, a41)
            b = SIMD8<Float>(repeating: x5[k])
            a50 = _mm256_fmadd_ps(w0, b, a50)
            a51 = _mm256_fmadd_ps(w1, b, a51)
            k += 1
        }
        @inline(__always)
        func put(_ t: Int, _ low: SIMD8<Float>, _ high: SIMD8<Float>) {
            guard t < tokenCount else { return }
            let out = output + t * outputStride
            if rowCount == panelRows {
                UnsafeMutableRawPointer(out).storeBytes(of: low, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(out + 8).storeBytes(of: high, as: SIMD8<Float>.self)
            } else {
                for j in 0..<rowCount { out[j] = j < 8 ? low[j] : high[j - 8] }
            }
        }
        put(0, a00, a01)
        put(1, a10, a11)
        put(2, a20, a21)
        put(3, a30, a31)
        put(4, a40, a41)
        put(5, a50, a51)
    }
}
#endif
