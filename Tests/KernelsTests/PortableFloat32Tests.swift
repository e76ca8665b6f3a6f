import Kernels
import TestSupport
import Testing

/// The portable kernel set multiplies F32 weights with the arithmetic of llama.cpp's AVX2 build,
/// so F32 models give the same log-probabilities on every kernel set.
@Suite struct PortableFloat32Tests {
    /// Floats of every magnitude, both signs, with exact and nearly cancelling sums among them.
    static func awkwardFloats(count: Int, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        let special: [Float] = [0, -0, 1, -1, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                .infinity, -.infinity, .nan, 0x1p-75, 0x1.000002p0, 0x1.fffffep-1]
        return (0..<count).map { _ in
            let r = random.next()
            switch r % 8 {
            case 0: return special[Int(r >> 8) % special.count]
            case 1, 2: return Float(bitPattern: UInt32(truncatingIfNeeded: r >> 16))  // any float
            default:  // ordinary magnitudes, where nearly every sum is inexact
                let significand = 1 + Float(r >> 8 & 0xFFFFF) / Float(1 << 20)
                return Float(sign: r & 1 == 0 ? .plus : .minus, exponent: Int(r >> 40 & 31) - 16, significand: significand)
            }
        }
    }

    @Test func fusedMultiplyAddRoundsOnceLikeTheHardware() {
        let a = Self.awkwardFloats(count: 80_000, seed: 1)
        let b = Self.awkwardFloats(count: 80_000, seed: 2)
        var c = Self.awkwardFloats(count: 80_000, seed: 3)
        // Addends that nearly cancel the product: the sums a double rounding would get wrong.
        for i in stride(from: 0, to: c.count, by: 3) { c[i] = -(a[i] * b[i]) * (i % 2 == 0 ? 1 : 0x1.000002p0) }
        var mismatches = 0
        for i in stride(from: 0, to: a.count - 7, by: 8) {
            let va = SIMD8<Float>(a[i..<i + 8]), vb = SIMD8<Float>(b[i..<i + 8]), vc = SIMD8<Float>(c[i..<i + 8])
            let fused = FusedMultiplyAdd.fused(va, vb, adding: vc)
            for lane in 0..<8 {
                let exact = vc[lane].addingProduct(va[lane], vb[lane])
                let same = exact.isNaN ? fused[lane].isNaN : fused[lane].bitPattern == exact.bitPattern
                if !same { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }

    /// `c + a·b` (a = 1 + 2⁻²³) just below the midpoint between `c` (odd last bit) and its neighbour: rounded once,
    /// `c`; rounded to double first, exactly the midpoint, then the even neighbour. The plain
    /// double computation gets every one of these wrong; the fused one none.
    @Test func fusedMultiplyAddIsNotADoubleRounding() {
        var random = SplitMix64(seed: 11)
        var cases = 0
        for _ in 0..<4096 {
            let significand = Float(bitPattern: 0x3F80_0001 | UInt32(truncatingIfNeeded: random.next()) & 0x007F_FFFE)
            let c = Float(sign: random.next() & 1 == 0 ? .plus : .minus, exponent: Int(random.next() % 40) - 20,
                          significand: significand)
            let a: Float = 0x1.000002p0
            let b = Float(sign: c.sign, exponent: c.ulp.exponent - 1, significand: 0x1.fffffcp-1)  // ulp/2 · (1 − 2⁻²³)
            let fused = FusedMultiplyAdd.fused(SIMD8(repeating: a), SIMD8(repeating: b), adding: SIMD8(repeating: c))[0]
            let doubleRounded = Float(Double(a) * Double(b) + Double(c))
            #expect(fused == c.addingProduct(a, b))
            #expect(fused == c)
            #expect(doubleRounded != c)
            cases += 1
        }
        #expect(cases == 4096)
    }

    /// Rows of random F32 weights times random activations: portable and AVX2 products bit-equal,
    /// for one token (llama.cpp's `ggml_vec_dot_f32`, tails included) and for prompts (llamafile's
    /// kernel where it applies, `vec_dot` where it declines).
    @Test(arguments: [(4, 64), (8, 40), (6, 96), (12, 100), (5, 7), (16, 576)])
    func portableProductsEqualTheAVX2Set(rows: Int, columns: Int) throws {
        guard KernelBackend.avx2.isSupported else { return }
        let weights = randomActivations(count: rows * columns, seed: UInt64(rows * 1000 + columns))
        let pool = ComputePool(threadCount: 2)
        for tokens in [1, 2, 3, 5, 9] {
            let input = randomActivations(count: tokens * columns, seed: UInt64(tokens))
            func product(_ backend: KernelBackend) -> [UInt32] {
                weights.withUnsafeBytes { raw in
                    let matrix = WeightMatrix(format: .f32, rows: rows, columns: columns, data: raw.baseAddress!)
                    var output = [Float](repeating: .nan, count: tokens * rows)
                    MatrixMultiply.multiply(matrix, input: input, tokens: tokens, output: &output, pool: pool, backend: backend)
                    return output.map(\.bitPattern)
                }
            }
            #expect(product(.portable) == product(.avx2), "rows \(rows), columns \(columns), tokens \(tokens)")
        }
    }
}
