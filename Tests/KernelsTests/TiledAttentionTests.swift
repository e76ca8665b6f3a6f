import Foundation
import Kernels
import Testing

/// `TiledAttention` against a line-by-line transcription of llama.cpp's
/// `ggml_compute_forward_flash_attn_ext_tiled` (64-row query tiles of one head, 64-cell KV tiles,
/// a tile skipped when masked for the whole query tile, the padded tail at −∞), bit for bit, on
/// both backends: causal and sliding-window masks, a wrapped window, GQA groups, head sizes 64,
/// 128 and 256. Our calls group rows differently (a block of tokens times a group's heads), which
/// the transcription shows does not change a row's floats.
@Suite struct TiledAttentionTests {
    /// One KV head's cache and a batch of query tokens at consecutive positions.
    struct Case {
        var headDimension: Int
        var heads: Int
        var cacheCells: Int
        var cells: [TiledAttention.Cells]
        var scale: Float = 0.125
        var queryScale: Float = 1

        var queries: [Float] { randomActivations(count: cells.count * heads * headDimension, seed: 31).map { $0 * queryScale } }
        var keys: [UInt16] { randomActivations(count: cacheCells * headDimension, seed: 32).map(ReferenceKernels.halfBits) }
        var values: [UInt16] { randomActivations(count: cacheCells * headDimension, seed: 33).map(ReferenceKernels.halfBits) }
    }

    private func ours(_ c: Case, backend: KernelBackend, tokensPerCall: Int) -> [Float] {
        let n = c.headDimension, stride = c.heads * n
        let q = c.queries, k = c.keys, v = c.values
        var out = [Float](repeating: .nan, count: c.cells.count * stride)
        var start = 0
        while start < c.cells.count {
            let end = min(c.cells.count, start + tokensPerCall)
            q.withUnsafeBufferPointer { qp in
                out.withUnsafeMutableBufferPointer { op in
                    TiledAttention.attend(queries: qp.baseAddress! + start * stride, tokenStride: stride, heads: c.heads,
                                          cells: Array(c.cells[start..<end]), keys: k, values: v, rowStride: n,
                                          headDimension: n, scale: c.scale, outputs: op.baseAddress! + start * stride,
                                          backend: backend)
                }
            }
            start = end
        }
        return out
    }

    @Test(arguments: [(64, 2, 150, false), (128, 2, 200, false), (256, 4, 100, false), (64, 1, 70, true)])
    func equalsGGMLTiledLoop(headDimension: Int, heads: Int, tokens: Int, sliding: Bool) {
        // Tokens at positions 40..<40+tokens (a cached prefix of 40), causal; a window of 48 when sliding.
        let cells = (0..<tokens).map { t in
            let position = 40 + t
            return TiledAttention.Cells(first: (sliding ? max(0, position - 47) : 0)..<(position + 1))
        }
        let c = Case(headDimension: headDimension, heads: heads, cacheCells: 40 + tokens, cells: cells, queryScale: 3)
        let expected = ggmlTiled(c)
        for backend in [KernelBackend.avx2, .portable] {
            for tokensPerCall in [tokens, 7, 32] {
                let got = ours(c, backend: backend, tokensPerCall: tokensPerCall)
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "\(backend), \(tokensPerCall) tokens per call")
            }
        }
    }

    @Test func wrappedWindowVisitsCellsInTileOrder() {
        // A ring of 256 cells holding a window that wraps: runs 0..<40 and 150..<256.
        let cells = (0..<64).map { t in TiledAttention.Cells(first: 0..<(t / 2 + 10), second: (150 + t / 2)..<256) }
        let c = Case(headDimension: 64, heads: 2, cacheCells: 256, cells: cells, queryScale: 2)
        let expected = ggmlTiled(c)
        for backend in [KernelBackend.avx2, .portable] {
            #expect(ours(c, backend: backend, tokensPerCall: 64).map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    @Test func aTokenSeeingNothingGetsZeros() {
        let c = Case(headDimension: 64, heads: 1, cacheCells: 8, cells: [.init(first: 0..<0)])
        #expect(ours(c, backend: .best, tokensPerCall: 1) == [Float](repeating: 0, count: 64))
    }

    // MARK: ggml's loop, transcribed

    /// `ggml_compute_forward_flash_attn_ext_tiled` over all rows of `c`, one query head at a time
    /// (rows `iq1` of head `iq2`, in 64-row tiles), with the KQ mask of `c.cells` and `nek1` the
    /// cache's cells padded to 256 (llama.cpp's `n_kv`).
    private func ggmlTiled(_ c: Case) -> [Float] {
        let n = c.headDimension, rows = c.cells.count, tileQ = 64, tileKV = 64
        let nek1 = (c.cacheCells + 255) / 256 * 256
        let q = c.queries, k = c.keys.map(halfToFloat), v = c.values.map(halfToFloat)
        func masked(_ row: Int, _ cell: Int) -> Bool {
            !(c.cells[row].first.contains(cell) || c.cells[row].second.contains(cell))
        }
        var dst = [Float](repeating: .nan, count: rows * c.heads * n)
        for head in 0..<c.heads {
            var ir = 0
            while ir < rows {
                let tileRows = min(tileQ, rows - ir)
                var S = [Float](repeating: 0, count: tileQ), M = [Float](repeating: -.infinity, count: tileQ)
                var VKQ = [Float](repeating: 0, count: tileQ * n)
                var Q = [Float](repeating: 0, count: tileQ * n)
                for tq in 0..<tileRows {
                    for d in 0..<n { Q[tq * n + d] = q[((ir + tq) * c.heads + head) * n + d] }
                }
                var mask32 = [Float](repeating: 0, count: tileQ * tileKV)
                var ic = 0
                while ic < nek1 {
                    defer { ic += tileKV }
                    let kvTile = min(tileKV, nek1 - ic)
                    var canSkip = true
                    for tq in 0..<tileRows {
                        for tk in 0..<kvTile {
                            mask32[tq * tileKV + tk] = masked(ir + tq, ic + tk) ? -.infinity : 0
                            if mask32[tq * tileKV + tk] != -.infinity { canSkip = false }
                        }
                        for tk in kvTile..<tileKV { mask32[tq * tileKV + tk] = -.infinity }
                    }
                    if canSkip { continue }
                    var KQ = [Float](repeating: 0, count: tileQ * tileKV)
                    for tq in 0..<tileQ {
                        for tk in 0..<tileKV {
                            var acc: Float = 0
                            let cell = ic + tk
                            for d in 0..<n {
                                let key: Float = tk < kvTile && cell < c.cacheCells ? k[cell * n + d] : 0
                                acc = acc.addingProduct(Q[tq * n + d], key)
                            }
                            KQ[tq * tileKV + tk] = acc * c.scale
                        }
                    }
                    if kvTile < tileKV {
                        for tq in 0..<tileQ { for tk in kvTile..<tileKV { KQ[tq * tileKV + tk] = -.infinity } }
                    }
                    for i in 0..<(tileRows * tileKV) { KQ[i] = KQ[i] + mask32[i] }
                    var skip = [Bool](repeating: false, count: tileQ)
                    for tq in 0..<tileQ {
                        var tileMax = -Float.infinity
                        for tk in 0..<tileKV { tileMax = tileMax > KQ[tq * tileKV + tk] ? tileMax : KQ[tq * tileKV + tk] }
                        if tileMax == -.infinity { skip[tq] = true; continue }
                        let mOld = M[tq], mNew = max(mOld, tileMax)
                        if mNew > mOld {
                            let ms = expf(mOld - mNew)
                            for d in 0..<n { VKQ[tq * n + d] *= ms }
                            S[tq] *= ms
                        }
                        M[tq] = mNew
                        var sum: Double = 0
                        for g in stride(from: 0, to: tileKV, by: 8) {
                            var lanes = [Float](repeating: 0, count: 8)
                            for l in 0..<8 {
                                lanes[l] = ggmlExp(KQ[tq * tileKV + g + l] - mNew)
                                KQ[tq * tileKV + g + l] = lanes[l]
                            }
                            let t = (0..<4).map { lanes[$0 + 4] + lanes[$0] }
                            sum += Double((t[0] + t[2]) + (t[1] + t[3]))
                        }
                        S[tq] = Float(Double(S[tq]) + sum)
                    }
                    for tq in 0..<tileQ where skip[tq] { for tk in 0..<tileKV { KQ[tq * tileKV + tk] = 0 } }
                    for tq in 0..<tileQ {
                        for d in 0..<n {
                            var acc = VKQ[tq * n + d]
                            for tk in 0..<tileKV {
                                let cell = ic + tk
                                let value: Float = tk < kvTile && cell < c.cacheCells ? v[cell * n + d] : 0
                                acc = acc.addingProduct(KQ[tq * tileKV + tk], value)
                            }
                            VKQ[tq * n + d] = acc
                        }
                    }
                }
                for tq in 0..<tileRows {
                    let inverse: Float = S[tq] == 0 ? 0 : 1 / S[tq]
                    for d in 0..<n { dst[((ir + tq) * c.heads + head) * n + d] = VKQ[tq * n + d] * inverse }
                }
                ir += tileRows
            }
        }
        return dst
    }

    /// One lane of ggml's AVX2 `ggml_v_expf`.
    private func ggmlExp(_ x: Float) -> Float {
        let r: Float = 0x1.8p23
        let z = r.addingProduct(x, 0x1.715476p+0)
        let n = z - r
        let b = x.addingProduct(-n, 0x1.62e4p-1).addingProduct(-n, 0x1.7f7d1cp-20)
        let e = z.bitPattern &<< 23
        let k = Float(bitPattern: e &+ Float(1).bitPattern)
        let u = b * b
        let inner = Float(0x1.573e2ep-5).addingProduct(0x1.0e4020p-7, b)
        let outer = Float(0x1.fffdb6p-2).addingProduct(0x1.555e66p-3, b)
        let j = (0x1.ffffecp-1 * b).addingProduct(outer.addingProduct(inner, u), u)
        guard abs(n) > 126 else { return k.addingProduct(j, k) }
        let g: UInt32 = n <= 0 ? 0x8200_0000 : 0
        let s1 = Float(bitPattern: g &+ 0x7F00_0000)
        let s2 = Float(bitPattern: e &- g)
        if abs(n) > 192 { return s1 * s1 }
        return s2.addingProduct(s2, j) * s1
    }

    private func halfToFloat(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 == 0 ? 1 : -1
        let exponent = Int(bits >> 10) & 0x1F, mantissa = Float(bits & 0x3FF)
        if exponent == 0 { return sign * mantissa * 0x1p-24 }
        return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
}
