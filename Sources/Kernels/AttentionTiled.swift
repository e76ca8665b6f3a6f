import KernelsAVX2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// llama.cpp's tiled CPU flash attention (`ggml_compute_forward_flash_attn_ext_tiled`, ops.cpp),
/// which ggml runs instead of the one-chunk f16 path (`Attention`) whenever a batch has 64 query
/// rows or more: queries in single precision (not rounded to halves), keys and values widened to
/// floats, the cells visited in tiles of 64 (cell 64·i to 64·i+63, masked cells at −∞), each score
/// an fma chain over the head dimension times the scale, then per tile and query row an online
/// softmax step (the tile's maximum; `expf` rescaling; `ggml_v_expf` weights summed in double as
/// `ggml_vec_soft_max_f32` sums them) and the weighted values added by an fma chain over the
/// tile's cells, all in single precision.
///
/// A row's floats depend only on its own scores and cells: ggml's 64-row query tiles, its per-thread
/// row chunks and its skipping of tiles masked for the whole query tile change nothing for a row (a
/// tile fully masked for one row adds zero weights). So any grouping of rows gives ggml's result;
/// here a call takes the rows that share a key-value head (a block of tokens times the query heads
/// of one group), so each key and value tile is widened once for all of them.
public enum TiledAttention {
    /// Query rows from which ggml's batch takes the tiled path (`GGML_FA_TILE_Q`).
    public static let minimumQueryRows = 64
    /// Cells per KV tile (`GGML_FA_TILE_KV`).
    static let tile = 64

    /// Whether ggml runs a batch of `queryRows` query rows (tokens of the ubatch) through the tiled path.
    public static func applies(queryRows: Int) -> Bool { queryRows >= minimumQueryRows }

    /// The cache cells one query token sees: `first`, then `second` (llama.cpp's cell indices; a
    /// wrapped sliding window's two runs, in either order).
    public struct Cells: Sendable, Equatable {
        public var first: Range<Int>
        public var second: Range<Int>

        public init(first: Range<Int>, second: Range<Int> = 0..<0) {
            self.first = first
            self.second = second
        }
    }

    /// Attention of `cells.count` query tokens times `heads` query heads that share one key-value head.
    /// - Parameters:
    ///   - queries: token `t`'s head `g` at `queries + t * tokenStride + g * headDimension`; `outputs` alike.
    ///   - keys: cell 0's key of this key-value head; cell `c`'s starts `rowStride` halves later (values alike).
    public static func attend(
        queries: UnsafePointer<Float>, tokenStride: Int, heads: Int, cells: [Cells],
        keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>, rowStride: Int, headDimension n: Int,
        scale: Float, outputs: UnsafeMutablePointer<Float>, backend: KernelBackend = .best
    ) {
        let tokens = cells.count
        let rows = tokens * heads
        guard rows > 0, n > 0 else { return }
        let avx2 = backend.resolved.usesAVX2 && n % 16 == 0
        // Scratch: queries, weights, output accumulators, maxima, sums, transposed keys, values.
        let floats = rows * n + rows * tile + rows * n + 2 * rows + 2 * tile * n
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: floats)
        defer { buffer.deallocate() }
        let q = buffer, weights = q + rows * n, accumulators = weights + rows * tile
        let maxima = accumulators + rows * n, sums = maxima + rows
        let keysT = sums + rows, tileValues = keysT + tile * n
        for t in 0..<tokens {
            for g in 0..<heads {
                (q + (t * heads + g) * n).update(from: queries + t * tokenStride + g * n, count: n)
            }
        }
        accumulators.initialize(repeating: 0, count: rows * n)
        maxima.initialize(repeating: -.infinity, count: rows)
        sums.initialize(repeating: 0, count: rows)

        var lowest = Int.max, end = 0
        for c in cells {
            for run in [c.first, c.second] where !run.isEmpty {
                lowest = min(lowest, run.lowerBound)
                end = max(end, run.upperBound)
            }
        }
        guard lowest < end else {
            for t in 0..<tokens { (outputs + t * tokenStride).update(repeating: 0, count: heads * n) }
            return
        }
        var tileStart = lowest / tile * tile
        while tileStart < end {
            let tileCells = tileStart..<(tileStart + tile)
            defer { tileStart += tile }
            guard cells.contains(where: { $0.first.overlaps(tileCells) || $0.second.overlaps(tileCells) }) else {
                continue
            }
            pack(used: lowest..<end, tile: tileCells, keys: keys, values: values, rowStride: rowStride, n: n,
                 keysT: keysT, tileValues: tileValues, avx2: avx2)
            #if arch(x86_64)
            if avx2 {
                AVX2TiledAttention.scores(queries: q, rows: rows, depth: n, keysT: keysT, scores: weights)
            } else {
                portableScores(q, rows, n, keysT, weights)
            }
            #else
            portableScores(q, rows, n, keysT, weights)
            #endif
            for r in 0..<rows {
                let row = weights + r * tile
                mask(row, cells[r / heads], tileCells, scale)
                softmaxStep(row: row, maximum: &maxima[r], sum: &sums[r], accumulator: accumulators + r * n, n: n,
                            avx2: avx2)
            }
            #if arch(x86_64)
            if avx2 {
                AVX2TiledAttention.accumulate(weights: weights, rows: rows, values: tileValues, width: n,
                                              output: accumulators)
            } else {
                portableAccumulate(weights, rows, tileValues, n, accumulators)
            }
            #else
            portableAccumulate(weights, rows, tileValues, n, accumulators)
            #endif
        }
        for t in 0..<tokens {
            for g in 0..<heads {
                let r = t * heads + g
                let inverse: Float = sums[r] == 0 ? 0 : 1 / sums[r]
                let source = accumulators + r * n, target = outputs + t * tokenStride + g * n
                for i in 0..<n { target[i] = source[i] * inverse }
            }
        }
    }

    /// The tile's keys, transposed (`keysT[d][c]`), and values (`tileValues[c][d]`) as floats, as
    /// ggml packs them; cells outside `used` (no token of the call sees them, so every row's weight
    /// for them is zero) are zeros.
    private static func pack(
        used: Range<Int>, tile tileCells: Range<Int>, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
        rowStride: Int, n: Int, keysT: UnsafeMutablePointer<Float>, tileValues: UnsafeMutablePointer<Float>, avx2: Bool
    ) {
        for column in 0..<tile {
            let cell = tileCells.lowerBound + column
            let value = tileValues + column * n
            guard used.contains(cell) else {
                value.update(repeating: 0, count: n)
                for d in 0..<n { keysT[d * tile + column] = 0 }
                continue
            }
            let key = keys + cell * rowStride
            #if arch(x86_64)
            if avx2 {
                // The key row widened into the value slot (free until the value lands there), then transposed.
                AVX2TiledAttention.widen(key, n, into: value)
                for d in 0..<n { keysT[d * tile + column] = value[d] }
                AVX2TiledAttention.widen(values + cell * rowStride, n, into: value)
                continue
            }
            #endif
            for d in 0..<n { keysT[d * tile + column] = Half.toFloat(key[d]) }
            let source = values + cell * rowStride
            for d in 0..<n { value[d] = Half.toFloat(source[d]) }
        }
    }

    /// `KQ *= scale`, then the mask: cells the token does not see (or beyond the cache) at −∞.
    @inline(__always)
    private static func mask(_ row: UnsafeMutablePointer<Float>, _ seen: Cells, _ tileCells: Range<Int>, _ scale: Float) {
        let first = seen.first.clamped(to: tileCells), second = seen.second.clamped(to: tileCells)
        if first == tileCells || second == tileCells {
            let r = UnsafeMutableRawPointer(row)
            for column in stride(from: 0, to: tile, by: 8) {
                let x = r.load(fromByteOffset: 4 * column, as: SIMD8<Float>.self)
                r.storeBytes(of: x * SIMD8(repeating: scale), toByteOffset: 4 * column, as: SIMD8<Float>.self)
            }
            return
        }
        for column in 0..<tile {
            let cell = tileCells.lowerBound + column
            row[column] = first.contains(cell) || second.contains(cell) ? row[column] * scale : -.infinity
        }
    }

    /// One tile's online-softmax step for a query row, as ggml's tiled loop does it: the tile's
    /// maximum (a row all −∞ takes no part, its weights zero); rescaling by libm's `expf` when the
    /// maximum grows; weights `ggml_v_expf(x − M)` written over the scores; their sum, eight lanes
    /// at a time, added in double (`ggml_vec_soft_max_f32`) to the single-precision running sum.
    @inline(__always)
    private static func softmaxStep(
        row: UnsafeMutablePointer<Float>, maximum: inout Float, sum: inout Float,
        accumulator: UnsafeMutablePointer<Float>, n: Int, avx2: Bool
    ) {
        var tileMaximum = -Float.infinity
        for column in 0..<tile where row[column] > tileMaximum { tileMaximum = row[column] }
        guard tileMaximum != -.infinity else {
            row.update(repeating: 0, count: tile)
            return
        }
        let previous = maximum
        let next = max(previous, tileMaximum)
        if next > previous {
            let factor = expf(previous - next)
            for i in 0..<n { accumulator[i] *= factor }
            sum *= factor
        }
        maximum = next
        let r = UnsafeMutableRawPointer(row)
        var total: Double = 0
        for column in stride(from: 0, to: tile, by: 8) {
            let x = r.load(fromByteOffset: 4 * column, as: SIMD8<Float>.self) - SIMD8(repeating: next)
            let weight = exp(x, avx2: avx2)
            r.storeBytes(of: weight, toByteOffset: 4 * column, as: SIMD8<Float>.self)
            // _mm256 halves added, then movehl and movehdup: (w0+w4 + w2+w6) + (w1+w5 + w3+w7).
            let t = weight.lowHalf + weight.highHalf
            total += Double((t[0] + t[2]) + (t[1] + t[3]))
        }
        sum = Float(Double(sum) + total)
    }

    @inline(__always)
    private static func exp(_ x: SIMD8<Float>, avx2: Bool) -> SIMD8<Float> {
        #if arch(x86_64)
        if avx2 { return AVX2Activation.exp(x) }
        #endif
        return PortableActivation.exp(x)
    }

    /// `scores[r][c] = Σ_d q[r][d]·keysT[d][c]`, an fma chain from zero (the portable simd_gemm).
    private static func portableScores(
        _ q: UnsafePointer<Float>, _ rows: Int, _ n: Int, _ keysT: UnsafePointer<Float>,
        _ scores: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            for column in 0..<tile {
                var total: Float = 0
                for d in 0..<n { total = total.addingProduct(q[r * n + d], keysT[d * tile + column]) }
                scores[r * tile + column] = total
            }
        }
    }

    /// `output[r][j] += Σ_c weights[r][c]·values[c][j]`, an fma chain continuing from the output.
    private static func portableAccumulate(
        _ weights: UnsafePointer<Float>, _ rows: Int, _ values: UnsafePointer<Float>, _ n: Int,
        _ output: UnsafeMutablePointer<Float>
    ) {
        for r in 0..<rows {
            for j in 0..<n {
                var total = output[r * n + j]
                for c in 0..<tile { total = total.addingProduct(weights[r * tile + c], values[c * n + j]) }
                output[r * n + j] = total
            }
        }
    }
}
