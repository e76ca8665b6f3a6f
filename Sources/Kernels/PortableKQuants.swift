import KernelsAVX2

/// The K-quantized products in plain Swift, with the arithmetic of `AVX2KQuants` (llama.cpp's
/// AVX2 kernels; see there): the same integer sums, the same lanes, the same fused float steps.
enum PortableKQuants {
    /// One weight row (`blocks` super-blocks) times one token's `SuperBlockActivations` row;
    /// `grouped`: with the steps of llama.cpp's 4-token gemm kernel (Q4_K only).
    static func dot(
        format: WeightFormat, row: UnsafeRawPointer, activations: UnsafeRawPointer, blocks: Int, grouped: Bool
    ) -> Float {
        switch format {
        case .q4_K: q4K(row, activations, blocks, grouped)
        case .q6_K: q6K(row, activations, blocks)
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

    private static func q6K(_ row: UnsafeRawPointer, _ a: UnsafeRawPointer, _ blocks: Int) -> Float {
        let scales = a + SuperBlockActivations.scaleOffset(blocks: blocks)
        let sums = a + SuperBlockActivations.sumOffset(blocks: blocks)
        var acc = SIMD8<Float>.zero
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
            acc = acc.addingProduct(SIMD8(repeating: d8 * d), SIMD8<Float>(lanes))
        }
        return GGMLSums.horizontal(acc)
    }
}
