import KernelsAVX2

/// Scalar decoding of one block of each quantized layout, as ggml's `dequantize_row_*`
/// computes it (the reference the fast products are checked against, and embedding lookups).
enum BlockDequantization {
    /// Decodes `format.blockSize` elements of the block at `block` into `output`.
    static func decode(_ format: WeightFormat, _ block: UnsafeRawPointer, into output: UnsafeMutablePointer<Float>) {
        switch format {
        case .f32:
            output[0] = block.loadUnaligned(as: Float.self)
        case .f16:
            output[0] = Half.toFloat(block.loadUnaligned(as: UInt16.self))
        case .q8_0:
            let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
            for j in 0..<32 { output[j] = Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
        case .q4_0:
            let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                output[j] = (Float(byte & 0x0F) - 8) * d
                output[j + 16] = (Float(byte >> 4) - 8) * d
            }
        case .q4_1:
            let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
            let m = Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                output[j] = Float(byte & 0x0F) * d + m
                output[j + 16] = Float(byte >> 4) * d + m
            }
        case .q5_0:
            let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
            let qh = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 6 + j, as: UInt8.self)
                let low = Int32(byte & 0x0F) | Int32((qh >> UInt32(j)) & 1) << 4
                let high = Int32(byte >> 4) | Int32((qh >> UInt32(j + 16)) & 1) << 4
                output[j] = Float(low - 16) * d
                output[j + 16] = Float(high - 16) * d
            }
        case .q5_1:
            let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
            let m = Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            let qh = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 8 + j, as: UInt8.self)
                let low = UInt32(byte & 0x0F) | ((qh >> UInt32(j)) & 1) << 4
                let high = UInt32(byte >> 4) | ((qh >> UInt32(j + 16)) & 1) << 4
                output[j] = Float(low) * d + m
                output[j + 16] = Float(high) * d + m
            }
        case .q4_K:
            let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
            let dmin = Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
            for j in 0..<4 {
                let (sc1, m1) = Q4KScales.scaleAndMin(block + 4, 2 * j)
                let (sc2, m2) = Q4KScales.scaleAndMin(block + 4, 2 * j + 1)
                let d1 = d * Float(sc1), min1 = dmin * Float(m1)
                let d2 = d * Float(sc2), min2 = dmin * Float(m2)
                for l in 0..<32 {
                    let byte = block.load(fromByteOffset: 16 + 32 * j + l, as: UInt8.self)
                    output[64 * j + l] = d1 * Float(byte & 0x0F) - min1
                    output[64 * j + 32 + l] = d2 * Float(byte >> 4) - min2
                }
            }
        case .q6_K:
            let d = Half.toFloat(block.loadUnaligned(fromByteOffset: 208, as: UInt16.self))
            for half in 0..<2 {
                let ql = block + 64 * half, qh = block + 128 + 32 * half, sc = block + 192 + 8 * half
                let y = output + 128 * half
                for l in 0..<32 {
                    let s = l / 16
                    let low0 = ql.load(fromByteOffset: l, as: UInt8.self), low1 = ql.load(fromByteOffset: l + 32, as: UInt8.self)
                    let high = qh.load(fromByteOffset: l, as: UInt8.self)
                    let q1 = Int32((low0 & 0x0F) | ((high >> 0) & 3) << 4) - 32
                    let q2 = Int32((low1 & 0x0F) | ((high >> 2) & 3) << 4) - 32
                    let q3 = Int32((low0 >> 4) | ((high >> 4) & 3) << 4) - 32
                    let q4 = Int32((low1 >> 4) | ((high >> 6) & 3) << 4) - 32
                    y[l] = d * Float(sc.load(fromByteOffset: s, as: Int8.self)) * Float(q1)
                    y[l + 32] = d * Float(sc.load(fromByteOffset: s + 2, as: Int8.self)) * Float(q2)
                    y[l + 64] = d * Float(sc.load(fromByteOffset: s + 4, as: Int8.self)) * Float(q3)
                    y[l + 96] = d * Float(sc.load(fromByteOffset: s + 6, as: Int8.self)) * Float(q4)
                }
            }
        }
    }
}
