import KernelsAVX2

/// The kernels in plain Swift SIMD types, for CPUs without AVX2 (and as a check on it).
enum PortableKernels {
    /// Quantizes `blocks * 32` floats into one token's row of the `QuantizedActivations` layout.
    static func quantizeRow(_ input: UnsafePointer<Float>, blocks: Int, into output: UnsafeMutableRawPointer) {
        let scales = (output + QuantizedActivations.scaleOffset(blocks: blocks)).assumingMemoryBound(to: Float.self)
        let sums = (output + QuantizedActivations.sumOffset(blocks: blocks)).assumingMemoryBound(to: Float.self)
        let quants = output.assumingMemoryBound(to: Int8.self)
        for b in 0..<blocks {
            let x = UnsafeRawPointer(input + 32 * b)
            var amax = SIMD8<Float>.zero
            for k in 0..<4 {
                let v = x.loadUnaligned(fromByteOffset: 32 * k, as: SIMD8<Float>.self)
                amax = pointwiseMax(amax, pointwiseMax(v, -v))
            }
            let maximum = amax.max()
            let d = maximum / 127
            let inverse: Float = maximum > 0 ? 127 / maximum : 0
            var sum: Int32 = 0
            for k in 0..<4 {
                let v = x.loadUnaligned(fromByteOffset: 32 * k, as: SIMD8<Float>.self) * inverse
                let q = SIMD8<Int32>(v.rounded(.toNearestOrEven))
                sum &+= q.wrappedSum()
                (UnsafeMutableRawPointer(quants + 32 * b)).storeBytes(
                    of: SIMD8<Int8>(truncatingIfNeeded: q), toByteOffset: 8 * k, as: SIMD8<Int8>.self)
            }
            scales[b] = d
            sums[b] = d * Float(sum)
        }
    }

    /// Dot product of one quantized weight row with one quantized activation row.
    static func dot(
        format: WeightFormat, row: UnsafeRawPointer, activations: UnsafeRawPointer, blocks: Int
    ) -> Float {
        let scales = activations + QuantizedActivations.scaleOffset(blocks: blocks)
        let sums = activations + QuantizedActivations.sumOffset(blocks: blocks)
        var total: Float = 0
        switch format {
        case .q4_1, .q4_0:
            let isQ4_1 = format == .q4_1
            let blockBytes = isQ4_1 ? 20 : 18
            let quantOffset = isQ4_1 ? 4 : 2
            for b in 0..<blocks {
                let block = row + b * blockBytes
                let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
                let m = isQ4_1 ? Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) : -8 * d
                let nibbles = block.loadUnaligned(fromByteOffset: quantOffset, as: SIMD16<UInt8>.self)
                let low = SIMD16<Int16>(truncatingIfNeeded: nibbles & 0x0F)
                let high = SIMD16<Int16>(truncatingIfNeeded: nibbles &>> 4)
                let y0 = SIMD16<Int16>(truncatingIfNeeded: activations.loadUnaligned(fromByteOffset: 32 * b, as: SIMD16<Int8>.self))
                let y1 = SIMD16<Int16>(truncatingIfNeeded: activations.loadUnaligned(fromByteOffset: 32 * b + 16, as: SIMD16<Int8>.self))
                // Each half sums 16 products of at most 15 * 127: no Int16 overflow.
                let isum = Int32((low &* y0).wrappedSum()) + Int32((high &* y1).wrappedSum())
                let da = scales.load(fromByteOffset: 4 * b, as: Float.self)
                total += Float(isum) * (d * da) + m * sums.load(fromByteOffset: 4 * b, as: Float.self)
            }
        case .q8_0:
            for b in 0..<blocks {
                let block = row + b * 34
                let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
                var isum: Int32 = 0
                for k in 0..<2 {
                    let w = SIMD16<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 2 + 16 * k, as: SIMD16<Int8>.self))
                    let y = SIMD16<Int32>(truncatingIfNeeded: activations.loadUnaligned(fromByteOffset: 32 * b + 16 * k, as: SIMD16<Int8>.self))
                    isum &+= (w &* y).wrappedSum()
                }
                total += Float(isum) * (d * scales.load(fromByteOffset: 4 * b, as: Float.self))
            }
        case .f32, .f16:
            break
        }
        return total
    }

    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0 = SIMD8<Float>.zero, s1 = SIMD8<Float>.zero
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 16 <= count {
            s0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            s1 += ra.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self)
            i += 16
        }
        var sum = (s0 + s1).sum()
        while i < count { sum += a[i] * b[i]; i += 1 }
        return sum
    }

    static func dotF16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<UInt16>, count: Int) -> Float {
        var sum: Float = 0
        for i in 0..<count { sum += a[i] * Half.toFloat(b[i]) }
        return sum
    }

    static func addScaledF16(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<UInt16>, scale: Float, count: Int) {
        for i in 0..<count { y[i] += scale * Half.toFloat(x[i]) }
    }
}
