import KernelsAVX2

/// The K-quantized products in plain Swift, with the arithmetic of `AVX2KQuants` (llama.cpp's
/// AVX2 kernels; see there): the same integer sums, the same lanes, the same fused float steps.
enum PortableKQuants {
    /// One weight row (`blocks` super-blocks) times one token's `SuperBlockActivations` row;
    /// `grouped`: with the steps of llama.cpp's 4-token gemm kernel; `repacked`: false for
    /// `ggml_vec_dot_q4_K_q8_K`'s arithmetic instead (Q4_K only).
    static func dot(
        format: WeightFormat, row: UnsafeRawPointer, activations: UnsafeRawPointer, blocks: Int, grouped: Bool,
        repacked: Bool = true, tiled: Bool = false
    ) -> Float {
        switch format {
        case .q4_K: repacked ? q4K(row, activations, blocks, grouped) : q4KVecDot(row, activations, blocks)
        case .q2_K: q2K(row, activations, blocks)
        case .q3_K: q3K(row, activations, blocks)
        case .q5_K: q5K(row, activations, blocks)
        case .q6_K: q6K(row, activations, blocks, tiled)
        default: 0
        }
    }

    private static func q4K(_ row: UnsafeRawPointer, _ a: UnsafeRawPointer, _ blocks: Int, _ grouped: Bool) -> Float {
        let scales = a + SuperBlockActivations.scaleOffset(blocks: blocks)
        let sums = a + SuperBlockActivations.sumOffset(blocks: blocks)
        var acc: Float = 0
        var accMin: Float = 0
        for b in 0..<blocks {
            let block = row + 144 * b
            let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
            let dmin = Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let q8 = a + 256 * b
            let d8 = scales.load(fromByteOffset: 4 * b, as: Float.self)
            var isum: Int32 = 0
            var imin: Int32 = 0
            for j in 0..<8 {
                let (scale, minimum) = Q4KScales.scaleAndMin(block + 4, j)
                let base = 16 + 32 * (j / 2), shift = UInt8(4 * (j % 2))
                var s: Int32 = 0
                for l in 0..<32 {
                    let q = Int32((block.load(fromByteOffset: base + l, as: UInt8.self) >> shift) & 0x0F)
                    s += q * Int32(q8.load(fromByteOffset: 32 * j + l, as: Int8.self))
                }
                isum += Int32(scale) * s
                let pair = Int32(sums.load(fromByteOffset: 32 * b + 4 * j, as: Int16.self))
                    + Int32(sums.load(fromByteOffset: 32 * b + 4 * j + 2, as: Int16.self))
                imin += Int32(minimum) * pair
                // gemm: one fused step per pair of sub-blocks; gemv: one per super-block.
                if grouped && j % 2 == 1 || j == 7 {
                    acc = acc.addingProduct(Float(isum), d * d8)
                    accMin = accMin.addingProduct(Float(imin), dmin * d8)
                    isum = 0
                    imin = 0
                }
            }
        }
        return acc - accMin
    }

    /// `ggml_vec_dot_q4_K_q8_K` (a Q4_K matrix llama.cpp does not repack): Q5_K's lanes without
    /// the fifth bit; the min terms in four lanes (pairs of sub-blocks) fused with `-d8·dmin`,
    /// reduced `(m0+m2) + (m1+m3)`; `hsum_float_8(acc) + that`.
    private static func q4KVecDot(_ row: UnsafeRawPointer, _ a: UnsafeRawPointer, _ blocks: Int) -> Float {
        let scales = a + SuperBlockActivations.scaleOffset(blocks: blocks)
        let sums = a + SuperBlockActivations.sumOffset(blocks: blocks)
        var acc = SIMD8<Float>.zero
        var accMin = SIMD4<Float>.zero
        for b in 0..<blocks {
            let block = row + 144 * b
            let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
            let dmin = Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let q8 = a + 256 * b
            var lanes = SIMD8<Int32>.zero
            var minLanes = SIMD4<Int32>.zero
            for j in 0..<8 {
                let (scale, minimum) = Q4KScales.scaleAndMin(block + 4, j)
                let base = 16 + 32 * (j / 2), shift = UInt8(4 * (j % 2))
                for k in 0..<8 {
                    var s: Int32 = 0
                    for l in (4 * k)..<(4 * k + 4) {
                        let q = Int32((block.load(fromByteOffset: base + l, as: UInt8.self) >> shift) & 0x0F)
                        s += q * Int32(q8.load(fromByteOffset: 32 * j + l, as: Int8.self))
                    }
                    lanes[k] += Int32(scale) * s
                }
                let pair = Int32(sums.load(fromByteOffset: 32 * b + 4 * j, as: Int16.self))
                    + Int32(sums.load(fromByteOffset: 32 * b + 4 * j + 2, as: Int16.self))
                minLanes[j / 2] += Int32(minimum) * pair
            }
            let d8 = scales.load(fromByteOffset: 4 * b, as: Float.self)
            accMin = accMin.addingProduct(SIMD4(repeating: -d8 * dmin), SIMD4<Float>(minLanes))
            acc = acc.addingProduct(SIMD8(repeating: d8 * d), SIMD8<Float>(lanes))
        }
        return GGMLSums.horizontal(acc) + ((accMin[0] + accMin[2]) + (accMin[1] + accMin[3]))
    }

    /// The eight int32 lanes of ggml's vec_dot for layouts with one scale per 16 elements
    /// (Q2_K, Q3_K, Q6_K): lane k = Σ over 32-element chunks c of scale(2c + k/4) times the dot
    /// of elements 4k..<4k+4 of chunk c.
    @inline(__always)
    private static func scaledLanes(_ q8: UnsafeRawPointer, quant: (Int) -> Int32, scale: (Int) -> Int32) -> SIMD8<Int32> {
        var lanes = SIMD8<Int32>.zero
        for c in 0..<8 {
            for k in 0..<8 {
                var s: Int32 = 0
                for i in (32 * c + 4 * k)..<(32 * c + 4 * k + 4) {
                    s += quant(i) * Int32(q8.load(fromByteOffset: i, as: Int8.self))
                }
                lanes[k] += scale(2 * c + k / 4) * s
            }
        }
        return lanes
    }

    /// `ggml_vec_dot_q2_K_q8_K`: per super-block, first the min terms (lane k: mins 2k, 2k+1 times
    /// their 16-element sums) fused with `-d8·dmin`, then the scaled lanes with `d8·d`; `hsum_float_8`.
    private static func q2K(_ row: UnsafeRawPointer, _ a: UnsafeRawPointer, _ blocks: Int) -> Float {
        let scales = a + SuperBlockActivations.scaleOffset(blocks: blocks)
        let sums = a + SuperBlockActivations.sumOffset(blocks: blocks)
        var acc = SIMD8<Float>.zero
        for b in 0..<blocks {
            let block = row + 84 * b
            let d = Half.toFloat(block.loadUnaligned(fromByteOffset: 80, as: UInt16.self))
            let dmin = Half.toFloat(block.loadUnaligned(fromByteOffset: 82, as: UInt16.self))
            let d8 = scales.load(fromByteOffset: 4 * b, as: Float.self)
            var minLanes = SIMD8<Int32>.zero
            for k in 0..<8 {
                for i in [2 * k, 2 * k + 1] {
                    let minimum = Int32(block.load(fromByteOffset: i, as: UInt8.self) >> 4)
                    minLanes[k] += minimum * Int32(sums.load(fromByteOffset: 32 * b + 2 * i, as: Int16.self))
                }
            }
            acc = acc.addingProduct(SIMD8(repeating: -d8 * dmin), SIMD8<Float>(minLanes))
            let lanes = scaledLanes(
                a + 256 * b,
                quant: { e in Int32((block.load(fromByteOffset: 16 + 32 * (e / 128) + e % 32, as: UInt8.self) >> UInt8(2 * ((e / 32) % 4))) & 3) },
                scale: { i in Int32(block.load(fromByteOffset: i, as: UInt8.self) & 0x0F) })
            acc = acc.addingProduct(SIMD8(repeating: d8 * d), SIMD8<Float>(lanes))
        }
        return GGMLSums.horizontal(acc)
    }

    /// `ggml_vec_dot_q3_K_q8_K`: the scaled lanes of the signed 3-bit values, fused with `d8·d`.
    private static func q3K(_ row: UnsafeRawPointer, _ a: UnsafeRawPointer, _ blocks: Int) -> Float {
        let scales = a + SuperBlockActivations.scaleOffset(blocks: blocks)
        var acc = SIMD8<Float>.zero
        for b in 0..<blocks {
            let block = row + 110 * b
            let d = Half.toFloat(block.loadUnaligned(fromByteOffset: 108, as: UInt16.self))
            let blockScales = Q3KScales.unpack(block + 96)
            let lanes = scaledLanes(
                a + 256 * b,
                quant: { e in
                    let c = e / 32
                    let low = Int32((block.load(fromByteOffset: 32 + 32 * (e / 128) + e % 32, as: UInt8.self) >> UInt8(2 * (c % 4))) & 3)
                    let high = (block.load(fromByteOffset: e % 32, as: UInt8.self) >> UInt8(c)) & 1
                    return low - (high == 0 ? 4 : 0)
                },
                scale: { i in Int32(blockScales[i]) - 32 })
            let d8 = scales.load(fromByteOffset: 4 * b, as: Float.self)
            acc = acc.addingProduct(SIMD8(repeating: d8 * d), SIMD8<Float>(lanes))
        }
        return GGMLSums.horizontal(acc)
    }

    /// `ggml_vec_dot_q5_K_q8_K`: lane k sums bytes 4k..<4k+4 of each sub-block times its scale;
    /// `acc = fma(d8·d, float(lanes), acc)`; the min terms in one integer per super-block,
    /// `summs = fma(float(imin), -d8·dmin, summs)`; `hsum_float_8(acc) + summs`.
    private static func q5K(_ row: UnsafeRawPointer, _ a: UnsafeRawPointer, _ blocks: Int) -> Float {
        let scales = a + SuperBlockActivations.scaleOffset(blocks: blocks)
        let sums = a + SuperBlockActivations.sumOffset(blocks: blocks)
        var acc = SIMD8<Float>.zero
        var summs: Float = 0
        for b in 0..<blocks {
            let block = row + 176 * b
            let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
            let dmin = Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let q8 = a + 256 * b
            var lanes = SIMD8<Int32>.zero
            var imin: Int32 = 0
            for j in 0..<8 {
                let (scale, minimum) = Q4KScales.scaleAndMin(block + 4, j)
                let base = 48 + 32 * (j / 2), shift = UInt8(4 * (j % 2))
                for k in 0..<8 {
                    var s: Int32 = 0
                    for l in (4 * k)..<(4 * k + 4) {
                        let low = (block.load(fromByteOffset: base + l, as: UInt8.self) >> shift) & 0x0F
                        let high = (block.load(fromByteOffset: 16 + l, as: UInt8.self) >> UInt8(j)) & 1
                        s += Int32(low + 16 * high) * Int32(q8.load(fromByteOffset: 32 * j + l, as: Int8.self))
                    }
                    lanes[k] += Int32(scale) * s
                }
                let pair = Int32(sums.load(fromByteOffset: 32 * b + 4 * j, as: Int16.self))
                    + Int32(sums.load(fromByteOffset: 32 * b + 4 * j + 2, as: Int16.self))
                imin += Int32(minimum) * pair
            }
            let d8 = scales.load(fromByteOffset: 4 * b, as: Float.self)
            acc = acc.addingProduct(SIMD8(repeating: d8 * d), SIMD8<Float>(lanes))
            summs = summs.addingProduct(Float(imin), -d8 * dmin)
        }
        return GGMLSums.horizontal(acc) + summs
    }

    private static func q6K(_ row: UnsafeRawPointer, _ a: UnsafeRawPointer, _ blocks: Int, _ tiled: Bool) -> Float {
        let scales = a + SuperBlockActivations.scaleOffset(blocks: blocks)
        let sums = a + SuperBlockActivations.sumOffset(blocks: blocks)
        var acc = SIMD8<Float>.zero
        var tiledAcc: Float = 0  // llama.cpp's tiled kernel: see MatrixMultiply.tiledMinimumTokens
        for b in 0..<blocks {
            let block = row + 210 * b
            let d = Half.toFloat(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
            let q8 = a + 256 * b
            func scale(_ i: Int) -> Int32 { Int32(block.load(fromByteOffset: 192 + i, as: Int8.self)) }
            var lanes = SIMD8<Int32>.zero
            for c in 0..<8 {
                let half = c / 4, part = c % 4
                let ql = block + 64 * half + (part % 2) * 32, qh = block + 128 + 32 * half
                let lowShift = UInt8(4 * (part / 2)), highShift = UInt8(2 * part)
                for k in 0..<8 {
                    var s: Int32 = 0
                    for i in (4 * k)..<(4 * k + 4) {
                        let low = (ql.load(fromByteOffset: i, as: UInt8.self) >> lowShift) & 0x0F
                        let high = (qh.load(fromByteOffset: i, as: UInt8.self) >> highShift) & 3
                        s += Int32(low | high << 4) * Int32(q8.load(fromByteOffset: 32 * c + i, as: Int8.self))
                    }
                    lanes[k] += scale(2 * c + k / 4) * s
                }
            }
            for k in 0..<8 {
                let s0 = Int32(sums.load(fromByteOffset: 32 * b + 4 * k, as: Int16.self))
                let s1 = Int32(sums.load(fromByteOffset: 32 * b + 4 * k + 2, as: Int16.self))
                lanes[k] -= 32 * (s0 * scale(2 * k) + s1 * scale(2 * k + 1))
            }
            let d8 = scales.load(fromByteOffset: 4 * b, as: Float.self)
            if tiled {
                tiledAcc = tiledAcc.addingProduct(d * Float(lanes.wrappedSum()), d8)
            } else {
                acc = acc.addingProduct(SIMD8(repeating: d8 * d), SIMD8<Float>(lanes))
            }
        }
        return tiled ? tiledAcc : GGMLSums.horizontal(acc)
    }
}
