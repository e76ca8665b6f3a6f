#if arch(x86_64)
import _Builtin_intrinsics.intel

/// The two matrix products of llama.cpp's tiled CPU flash attention
/// (`ggml_compute_forward_flash_attn_ext_tiled`, taken for batches of 64 query rows or more), as
/// its `simd_gemm` computes them: each element of `C += A·B` is one fused multiply-add chain over
/// the inner dimension in order, starting from C's value. Blocking (4 rows by 16 columns here,
/// 6 by 16 in ggml) changes which elements share registers, never an element's operations.
public enum AVX2TiledAttention {
    /// Columns of a KV tile (`GGML_FA_TILE_KV`).
    public static let tile = 64

    /// `scores[r][c] = Σ_d queries[r][d] · keysT[d][c]` (an fma chain from zero over `d` in order)
    /// for `rows` rows of `depth` floats and the 64 columns of a tile.
    /// - Parameters:
    ///   - queries: row `r` at `queries + r * depth`.
    ///   - keysT: the tile's keys transposed, `depth` rows of 64 floats.
    ///   - scores: row `r` at `scores + r * 64`.
    public static func scores(
        queries: UnsafePointer<Float>, rows: Int, depth: Int, keysT: UnsafePointer<Float>,
        scores: UnsafeMutablePointer<Float>
    ) {
        product(rows: rows, a: queries, aStride: depth, depth: depth, b: keysT, columns: tile, c: scores,
                accumulate: false)
    }

    /// `output[r][j] += Σ_k weights[r][k] · values[k][j]` over the tile's 64 rows of values, in
    /// order (each element an fma chain continuing from its current value).
    /// - Parameters:
    ///   - weights: row `r` at `weights + r * 64`.
    ///   - values: 64 rows of `width` floats (`width` a multiple of 16).
    ///   - output: row `r` at `output + r * width`.
    public static func accumulate(
        weights: UnsafePointer<Float>, rows: Int, values: UnsafePointer<Float>, width: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        product(rows: rows, a: weights, aStride: tile, depth: tile, b: values, columns: width, c: output,
                accumulate: true)
    }

    /// `C (+)= A·B` for `rows` rows of A (`aStride` apart, `depth` floats used) and `columns` columns
    /// of B and C (their row stride; a multiple of 16): four rows at a time, then one.
    @inline(__always)
    private static func product(
        rows: Int, a: UnsafePointer<Float>, aStride: Int, depth: Int, b: UnsafePointer<Float>, columns: Int,
        c: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        var r = 0
        while r + 4 <= rows {
            for column in stride(from: 0, to: columns, by: 16) {
                product4(a: a + r * aStride, aStride: aStride, depth: depth, b: b + column, bStride: columns,
                         c: c + r * columns + column, cStride: columns, accumulate: accumulate)
            }
            r += 4
        }
        while r < rows {
            for column in stride(from: 0, to: columns, by: 16) {
                product1(a: a + r * aStride, depth: depth, b: b + column, bStride: columns,
                         c: c + r * columns + column, accumulate: accumulate)
            }
            r += 1
        }
    }

    /// Four rows by 16 columns of `C (+)= A·B`.
    @inline(__always)
    private static func product4(
        a: UnsafePointer<Float>, aStride: Int, depth: Int, b: UnsafePointer<Float>, bStride: Int,
        c: UnsafeMutablePointer<Float>, cStride: Int, accumulate: Bool
    ) {
        let cr = UnsafeMutableRawPointer(c)
        var c00 = SIMD8<Float>.zero, c01 = SIMD8<Float>.zero, c10 = SIMD8<Float>.zero, c11 = SIMD8<Float>.zero
        var c20 = SIMD8<Float>.zero, c21 = SIMD8<Float>.zero, c30 = SIMD8<Float>.zero, c31 = SIMD8<Float>.zero
        if accumulate {
            c00 = cr.loadUnaligned(as: SIMD8<Float>.self)
            c01 = cr.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            c10 = cr.loadUnaligned(fromByteOffset: 4 * cStride, as: SIMD8<Float>.self)
            c11 = cr.loadUnaligned(fromByteOffset: 4 * cStride + 32, as: SIMD8<Float>.self)
            c20 = cr.loadUnaligned(fromByteOffset: 8 * cStride, as: SIMD8<Float>.self)
            c21 = cr.loadUnaligned(fromByteOffset: 8 * cStride + 32, as: SIMD8<Float>.self)
            c30 = cr.loadUnaligned(fromByteOffset: 12 * cStride, as: SIMD8<Float>.self)
            c31 = cr.loadUnaligned(fromByteOffset: 12 * cStride + 32, as: SIMD8<Float>.self)
        }
        let a1 = a + aStride, a2 = a + 2 * aStride, a3 = a + 3 * aStride
        var row = UnsafeRawPointer(b)
        for k in 0..<depth {
            let b0 = row.loadUnaligned(as: SIMD8<Float>.self)
            let b1 = row.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            let p0 = SIMD8<Float>(repeating: a[k]), p1 = SIMD8<Float>(repeating: a1[k])
            let p2 = SIMD8<Float>(repeating: a2[k]), p3 = SIMD8<Float>(repeating: a3[k])
            c00 = _mm256_fmadd_ps(b0, p0, c00); c01 = _mm256_fmadd_ps(b1, p0, c01)
            c10 = _mm256_fmadd_ps(b0, p1, c10); c11 = _mm256_fmadd_ps(b1, p1, c11)
            c20 = _mm256_fmadd_ps(b0, p2, c20); c21 = _mm256_fmadd_ps(b1, p2, c21)
            c30 = _mm256_fmadd_ps(b0, p3, c30); c31 = _mm256_fmadd_ps(b1, p3, c31)
            row += 4 * bStride
        }
        cr.storeBytes(of: c00, as: SIMD8<Float>.self)
        cr.storeBytes(of: c01, toByteOffset: 32, as: SIMD8<Float>.self)
        cr.storeBytes(of: c10, toByteOffset: 4 * cStride, as: SIMD8<Float>.self)
        cr.storeBytes(of: c11, toByteOffset: 4 * cStride + 32, as: SIMD8<Float>.self)
        cr.storeBytes(of: c20, toByteOffset: 8 * cStride, as: SIMD8<Float>.self)
        cr.storeBytes(of: c21, toByteOffset: 8 * cStride + 32, as: SIMD8<Float>.self)
        cr.storeBytes(of: c30, toByteOffset: 12 * cStride, as: SIMD8<Float>.self)
        cr.storeBytes(of: c31, toByteOffset: 12 * cStride + 32, as: SIMD8<Float>.self)
    }

    /// One row by 16 columns of `C (+)= A·B`.
    @inline(__always)
    private static func product1(
        a: UnsafePointer<Float>, depth: Int, b: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>,
        accumulate: Bool
    ) {
        let cr = UnsafeMutableRawPointer(c)
        var c0 = accumulate ? cr.loadUnaligned(as: SIMD8<Float>.self) : .zero
        var c1 = accumulate ? cr.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) : .zero
        var row = UnsafeRawPointer(b)
        for k in 0..<depth {
            let p = SIMD8<Float>(repeating: a[k])
            c0 = _mm256_fmadd_ps(row.loadUnaligned(as: SIMD8<Float>.self), p, c0)
            c1 = _mm256_fmadd_ps(row.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), p, c1)
            row += 4 * bStride
        }
        cr.storeBytes(of: c0, as: SIMD8<Float>.self)
        cr.storeBytes(of: c1, toByteOffset: 32, as: SIMD8<Float>.self)
    }

    /// `count` halves as floats (`ggml_cpu_fp16_to_fp32`, exact).
    @inline(__always)
    public static func widen(_ source: UnsafePointer<UInt16>, _ count: Int, into target: UnsafeMutablePointer<Float>) {
        let s = UnsafeRawPointer(source), t = UnsafeMutableRawPointer(target)
        var i = 0
        while i + 8 <= count {
            t.storeBytes(of: AVX2Attention.half8(s, 2 * i), toByteOffset: 4 * i, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            target[i] = _cvtsh_ss(source[i])
            i += 1
        }
    }
}
#endif
