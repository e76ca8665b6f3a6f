import Foundation
import Kernels
import Testing

@Suite struct VectorOpsTests {
    static let backends: [KernelBackend] = [.portable, .avx2]
    static let counts = [0, 1, 7, 8, 15, 16, 33, 64, 576]

    private func close(_ a: Float, _ b: Float, _ relative: Float = 1e-5, scale: Float = 1) -> Bool {
        abs(a - b) <= relative * max(scale, abs(b))
    }

    @Test(arguments: backends)
    func dotProducts(backend: KernelBackend) {
        for n in Self.counts {
            let a = randomActivations(count: n, seed: 1)
            let b = randomActivations(count: n, seed: 2)
            let halves = b.map(ReferenceKernels.halfBits)
            var exact = 0.0, exactHalf = 0.0, scale = 0.0
            for i in 0..<n {
                exact += Double(a[i]) * Double(b[i])
                exactHalf += Double(a[i]) * Double(ReferenceKernels.float(halfBits: halves[i]))
                scale += abs(Double(a[i] * b[i]))
            }
            #expect(close(VectorOps.dot(a, b, count: n, backend: backend), Float(exact), scale: Float(scale)))
            #expect(close(VectorOps.dotF16(a, halves, count: n, backend: backend), Float(exactHalf), scale: Float(scale)))
        }
    }

    @Test func halfConversionRoundsToNearestEven() {
        let values: [Float] = [0, -0.0, 1, -2.5, 65504, 70000, 1e-8, 6.1e-5, 5.96e-8, 2.98e-8, 1.0009765625, 1.00048828125, .infinity]
        var out = [UInt16](repeating: 0, count: values.count)
        VectorOps.convertToF16(values, &out, count: values.count)
        #expect(out == [0x0000, 0x8000, 0x3C00, 0xC100, 0x7BFF, 0x7C00, 0x0000, 0x03FF, 0x0001, 0x0000, 0x3C01, 0x3C00, 0x7C00])
        #expect(ReferenceKernels.float(halfBits: 0x0001) == 5.960464477539063e-8)
        #expect(ReferenceKernels.float(halfBits: 0xFBFF) == -65504)
        #expect(ReferenceKernels.float(halfBits: 0x3555) == 0.333251953125)
        #expect(ReferenceKernels.float(halfBits: 0x7E00).isNaN)
        // Every finite half survives a round trip.
        for bits in UInt16(0)...UInt16.max where (bits & 0x7C00) != 0x7C00 {
            let back = ReferenceKernels.halfBits(ReferenceKernels.float(halfBits: bits))
            if back != bits { Issue.record("round trip of \(bits) gave \(back)"); break }
        }
    }

    /// The KV cache's conversion on F16C equals the bit-level one for every kind of float: ties,
    /// subnormals, overflow, infinities, and NaNs with payloads (which take the bit-level path).
    @Test func halfConversionIsTheSameOnEveryBackend() {
        var state: UInt32 = 7
        var values: [Float] = (0..<4096).map { i in
            state = state &* 1_664_525 &+ 1_013_904_223
            // Random bit patterns cover NaNs with payloads and subnormals; every fourth one a tie.
            return i % 4 == 0 ? Float(bitPattern: (state & 0xFFFF_E000) | 0x1000) : Float(bitPattern: state)
        }
        values += [0, -0.0, 65504, 65520, -65520, 1e-8, 6.1e-5, 5.96e-8, 2.98e-8, .infinity, -.infinity, .nan,
                   Float(bitPattern: 0x7FA0_0001), Float(bitPattern: 0xFFC1_2345)]
        for count in [values.count, 7, 8, 9, 17] {
            var portable = [UInt16](repeating: 0, count: count)
            var avx2 = [UInt16](repeating: 1, count: count)
            VectorOps.convertToF16(values, &portable, count: count, backend: .portable)
            VectorOps.convertToF16(values, &avx2, count: count, backend: .avx2)
            #expect(portable == avx2)
        }
        let quiet: [Float] = (0..<16).map { Float($0) * 0.37 - 2 }
        var portable = [UInt16](repeating: 0, count: 16), avx2 = [UInt16](repeating: 1, count: 16)
        VectorOps.convertToF16(quiet, &portable, count: 16, backend: .portable)
        VectorOps.convertToF16(quiet, &avx2, count: 16, backend: .avx2)
        #expect(portable == avx2)
    }

    @Test func rmsNormMatchesScalar() {
        let n = 576
        let x = randomActivations(count: n, seed: 5)
        let weight = randomActivations(count: n, seed: 6)
        var out = [Float](repeating: 0, count: n)
        VectorOps.rmsNorm(x, weight: weight, epsilon: 1e-5, count: n, output: &out)
        let meanSquare = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
        let scale = 1 / (meanSquare + 1e-5).squareRoot()
        for i in 0..<n { #expect(close(out[i], Float(Double(x[i]) * scale * Double(weight[i])), 1e-5, scale: 1e-3)) }
    }

    /// Several rows at once (four rows' sums interleaved) give each row `rmsNorm`'s floats, into
    /// another buffer or in place, for row counts around the groups of four.
    @Test(arguments: [1, 3, 4, 7, 16])
    func rmsNormRowsEqualsRmsNormOfEachRow(rows: Int) {
        let n = 576
        let x = randomActivations(count: rows * n, seed: 11).enumerated().map { $1 * Float(1 + $0 / n) }
        let weight = randomActivations(count: n, seed: 12)
        var expected = [Float](repeating: 0, count: rows * n)
        for r in 0..<rows {
            x.withUnsafeBufferPointer { x in
                expected.withUnsafeMutableBufferPointer { out in
                    VectorOps.rmsNorm(x.baseAddress! + r * n, weight: weight, epsilon: 1e-5, count: n,
                                      output: out.baseAddress! + r * n)
                }
            }
        }
        var out = [Float](repeating: 0, count: rows * n)
        var inPlace = x
        x.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { out in
                VectorOps.rmsNormRows(rows, input: { x.baseAddress! + $0 * n }, output: { out.baseAddress! + $0 * n },
                                      weight: weight, epsilon: 1e-5, count: n)
            }
        }
        inPlace.withUnsafeMutableBufferPointer { rowsBuffer in
            let base = rowsBuffer.baseAddress!
            VectorOps.rmsNormRows(rows, input: { UnsafePointer(base + $0 * n) }, output: { base + $0 * n },
                                  weight: weight, epsilon: 1e-5, count: n)
        }
        #expect(out.map(\.bitPattern) == expected.map(\.bitPattern))
        #expect(inPlace.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    @Test func siluSoftmaxAndFriendsMatchScalar() {
        for n in Self.counts {
            var gate = randomActivations(count: n, seed: 7).map { $0 * 5 }
            let up = randomActivations(count: n, seed: 8)
            let expected = (0..<n).map { gate[$0] / (1 + Foundation.exp(-gate[$0])) * up[$0] }
            VectorOps.siluMultiply(&gate, up, count: n)
            #expect(zip(gate, expected).allSatisfy { close($0, $1, 1e-5, scale: 1e-3) })

            var logits = randomActivations(count: n, seed: 9).map { $0 * 30 }
            let maximum = logits.max() ?? 0
            #expect(VectorOps.max(logits, count: n) == (n == 0 ? -.infinity : maximum))
            let exps = logits.map { Foundation.exp(Double($0 - maximum)) }
            let total = exps.reduce(0, +)
            VectorOps.softmax(&logits, count: n)
            #expect(zip(logits, exps).allSatisfy { close($0, Float($1 / total), 1e-5, scale: 1e-6) })

            var y = randomActivations(count: n, seed: 10)
            let x = randomActivations(count: n, seed: 11)
            let sum = zip(y, x).map { $0 + $1 }
            VectorOps.add(&y, x, count: n)
            #expect(y == sum)
            let scaled = zip(y, x).map { $0 + 0.5 * $1 }
            VectorOps.addScaled(&y, x, scale: 0.5, count: n)
            #expect(zip(y, scaled).allSatisfy { close($0, $1) })
            VectorOps.scale(&y, by: 2, count: n)
            #expect(zip(y, scaled).allSatisfy { close($0, 2 * $1) })
        }
    }

    @Test func softmaxSurvivesExtremeLogits() {
        var logits: [Float] = [-1000, 0, 1000, 999, -.infinity, 1000, 3, 4, 5]
        VectorOps.softmax(&logits, count: logits.count)
        #expect(abs(logits.reduce(0, +) - 1) < 1e-5)
        #expect(logits[4] == 0)
        #expect(abs(logits[2] - logits[5]) < 1e-7)
    }
}
