#if arch(x86_64)
import _Builtin_intrinsics.intel

/// F32 matrix products for many tokens with AVX2 + FMA, in register tiles of 4 weight rows ×
/// 2 tokens: each 8-wide step loads 6 vectors for 8 FMAs, where a plain dot product per
/// output loads 2 vectors per FMA and is bound by the loads.
public enum AVX2FloatMatrixMultiply {
    /// `output[t*outputStride + r] = sum_c weights[r*columns + c] * input[t*columns + c]` for
    /// `r` in `rows`, `t` in `tokens`.
    public static func multiply(
        weights: UnsafePointer<Float>, rows: Range<Int>, input: UnsafePointer<Float>, tokens: Range<Int>, columns: Int,
        output: UnsafeMutablePointer<Float>, outputStride: Int
    ) {
        var r = rows.lowerBound
        while r + 4 <= rows.upperBound {
            var t = tokens.lowerBound
            while t + 2 <= tokens.upperBound {
                tile4x2(weights: weights + r * columns, input: input + t * columns, columns: columns,
                        output: output + t * outputStride + r, outputStride: outputStride)
                t += 2
            }
            if t < tokens.upperBound {
                for row in r..<(r + 4) {
                    output[t * outputStride + row] = AVX2VectorOps.dot(weights + row * columns, input + t * columns, count: columns)
                }
            }
            r += 4
        }
        while r < rows.upperBound {
            for t in tokens {
                output[t * outputStride + r] = AVX2VectorOps.dot(weights + r * columns, input + t * columns, count: columns)
            }
            r += 1
        }
    }

    @inline(__always)
    private static func tile4x2(
        weights: UnsafePointer<Float>, input: UnsafePointer<Float>, columns: Int, output: UnsafeMutablePointer<Float>,
        outputStride: Int
    ) {
        let w = UnsafeRawPointer(weights)
        let x = UnsafeRawPointer(input)
        let rowBytes = columns * 4
        var a00 = SIMD8<Float>.zero, a10 = SIMD8<Float>.zero, a20 = SIMD8<Float>.zero, a30 = SIMD8<Float>.zero
        var a01 = SIMD8<Float>.zero, a11 = SIMD8<Float>.zero, a21 = SIMD8<Float>.zero, a31 = SIMD8<Float>.zero
        var offset = 0
        let end = (columns / 8) * 32
        while offset < end {
            let w0 = w.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            let w1 = w.loadUnaligned(fromByteOffset: offset + rowBytes, as: SIMD8<Float>.self)
            let w2 = w.loadUnaligned(fromByteOffset: offset + 2 * rowBytes, as: SIMD8<Float>.self)
            let w3 = w.loadUnaligned(fromByteOffset: offset + 3 * rowBytes, as: SIMD8<Float>.self)
            let x0 = x.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
            a00 = _mm256_fmadd_ps(w0, x0, a00)
            a10 = _mm256_fmadd_ps(w1, x0, a10)
            a20 = _mm256_fmadd_ps(w2, x0, a20)
            a30 = _mm256_fmadd_ps(w3, x0, a30)
            let x1 = x.loadUnaligned(fromByteOffset: offset + rowBytes, as: SIMD8<Float>.self)
            a01 = _mm256_fmadd_ps(w0, x1, a01)
            a11 = _mm256_fmadd_ps(w1, x1, a11)
            a21 = _mm256_fmadd_ps(w2, x1, a21)
            a31 = _mm256_fmadd_ps(w3, x1, a31)
            offset += 32
        }
        var sums = (a00.sum(), a10.sum(), a20.sum(), a30.sum(), a01.sum(), a11.sum(), a21.sum(), a31.sum())
        var c = columns / 8 * 8
        while c < columns {
            let x0 = input[c], x1 = input[columns + c]
            sums.0 += weights[c] * x0
            sums.1 += weights[columns + c] * x0
            sums.2 += weights[2 * columns + c] * x0
            sums.3 += weights[3 * columns + c] * x0
            sums.4 += weights[c] * x1
            sums.5 += weights[columns + c] * x1
            sums.6 += weights[2 * columns + c] * x1
            sums.7 += weights[3 * columns + c] * x1
            c += 1
        }
        output[0] = sums.0
        output[1] = sums.1
        output[2] = sums.2
        output[3] = sums.3
        output[outputStride] = sums.4
        output[outputStride + 1] = sums.5
        output[outputStride + 2] = sums.6
        output[outputStride + 3] = sums.7
    }
}
#endif
