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
            scales[b] = Half.toFloat(Half.fromFloat(d))
            sums[b] = Half.toFloat(Half.fromFloat(d * Float(sum)))
        }
    }

    /// Dot product of one quantized weight row with one quantized activation row, in the
    /// order of ggml's AVX2 code (see `AVX2MatrixMultiply`): lane `j` of eight sums elements
    /// `4j..<4j+4` of each block and accumulates fused, then `hsum_float_8`, then the fused
    /// offset sum.
    static func dot(
        format: WeightFormat, row: UnsafeRawPointer, activations: UnsafeRawPointer, blocks: Int
    ) -> Float {
        let scales = activations + QuantizedActivations.scaleOffset(blocks: blocks)
        let sums = activations + QuantizedActivations.sumOffset(blocks: blocks)
        var lanes = SIMD8<Float>.zero
        var offsets: Float = 0
        for b in 0..<blocks {
            let weights: SIMD32<Int32>
            let d: Float
            switch format {
            case .q4_1, .q4_0:
                let isQ4_1 = format == .q4_1
                let block = row + b * (isQ4_1 ? 20 : 18)
                d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
                let m = isQ4_1 ? Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) : -8 * d
                offsets = offsets.addingProduct(m, sums.load(fromByteOffset: 4 * b, as: Float.self))
                let nibbles = SIMD16<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: isQ4_1 ? 4 : 2, as: SIMD16<UInt8>.self))
                weights = SIMD32(lowHalf: nibbles & 0x0F, highHalf: nibbles &>> 4)
            case .q5_0, .q5_1:
                let isQ5_1 = format == .q5_1
                let block = row + b * (isQ5_1 ? 24 : 22)
                d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
                if isQ5_1 {
                    let m = Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
                    offsets = offsets.addingProduct(m, sums.load(fromByteOffset: 4 * b, as: Float.self))
                }
                let qh = block.loadUnaligned(fromByteOffset: isQ5_1 ? 4 : 2, as: UInt32.self)
                let nibbles = SIMD16<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: isQ5_1 ? 8 : 6, as: SIMD16<UInt8>.self))
                var q = SIMD32(lowHalf: nibbles & 0x0F, highHalf: nibbles &>> 4)
                for j in 0..<32 { q[j] |= Int32((qh >> UInt32(j)) & 1) << 4 }
                weights = isQ5_1 ? q : q &- 16
            case .q8_0:
                let block = row + b * 34
                d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
                weights = SIMD32<Int32>(truncatingIfNeeded: block.loadUnaligned(fromByteOffset: 2, as: SIMD32<Int8>.self))
            case .f32, .f16, .bf16, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
                return 0
            }
            let products = weights &* SIMD32<Int32>(truncatingIfNeeded: activations.loadUnaligned(fromByteOffset: 32 * b, as: SIMD32<Int8>.self))
            var laneSums = SIMD8<Int32>.zero
            for j in 0..<8 {
                laneSums[j] = products[4 * j] &+ products[4 * j + 1] &+ products[4 * j + 2] &+ products[4 * j + 3]
            }
            let scale = d * scales.load(fromByteOffset: 4 * b, as: Float.self)
            lanes = lanes.addingProduct(SIMD8<Float>(laneSums), SIMD8(repeating: scale))
        }
        return GGMLSums.horizontal(lanes) + offsets
    }

    /// `ggml_vec_dot_f16` of a cached key (halves) and a half-rounded query, in its order:
    /// four accumulators over steps of 32, `GGML_F32x8_REDUCE`, then any tail in double.
    static func ggmlDotF16(_ key: UnsafePointer<UInt16>, _ q: UnsafePointer<Float>, count: Int) -> Double {
        let whole = count & ~31
        // Accumulator j takes elements 8j..<8j+8 of every step of 32 (GGML_F16_STEP / GGML_F16_EPR).
        var accumulators = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        var i = 0
        while i < whole {
            for j in 0..<4 {
                var k = SIMD8<Float>.zero, x = SIMD8<Float>.zero
                for l in 0..<8 {
                    k[l] = Half.toFloat(key[i + 8 * j + l])
                    x[l] = q[i + 8 * j + l]
                }
                accumulators[j] = accumulators[j].addingProduct(k, x)
            }
            i += 32
        }
        var total = Double(GGMLSums.reduceFour(accumulators[0], accumulators[1], accumulators[2], accumulators[3]))
        while i < count {
            total += Double(Half.toFloat(key[i]) * q[i])
            i += 1
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

    /// A BF16 row times BF16-rounded activations with the arithmetic of `GGMLBF16` (AVX2 where
    /// the backend is, the same steps in plain Swift otherwise).
    static func dotBF16(
        _ w: UnsafePointer<UInt16>, _ x: UnsafePointer<UInt16>, count n: Int, prompt: Bool, backend: KernelBackend
    ) -> Float {
        #if arch(x86_64)
        if backend.usesAVX2 {
            return prompt ? GGMLBF16.dotPromptAVX2(w, x, count: n) : GGMLBF16.dotDecodeAVX2(w, x, count: n)
        }
        #endif
        func load8(_ p: UnsafePointer<UInt16>, _ i: Int) -> SIMD8<Float> {
            var v = SIMD8<Float>.zero
            for l in 0..<8 { v[l] = GGMLBF16.toFloat(p[i + l]) }
            return v
        }
        if prompt {
            var c = SIMD8<Float>.zero
            for i in stride(from: 0, to: n, by: 8) { c = FusedMultiplyAdd.fused(load8(w, i), load8(x, i), adding: c) }
            return GGMLSums.horizontal(c)
        }
        var c = InlineArray<4, SIMD8<Float>>(repeating: .zero)
        var i = 0
        while i + 32 <= n {
            for j in 0..<4 { c[j] = FusedMultiplyAdd.fused(load8(w, i + 8 * j), load8(x, i + 8 * j), adding: c[j]) }
            i += 32
        }
        var sum = Double(GGMLSums.horizontal((c[0] + c[2]) + (c[1] + c[3])))
        while i < n {
            sum += Double(GGMLBF16.toFloat(w[i]) * GGMLBF16.toFloat(x[i]))
            i += 1
        }
        return Float(sum)
    }
}
