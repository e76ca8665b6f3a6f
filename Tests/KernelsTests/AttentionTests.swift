import Foundation
import Kernels
import Testing

@Suite struct AttentionTests {
    static let backends: [KernelBackend] = [.portable, .avx2]

    /// Softmax-weighted values, in doubles, from the same halves (the query rounded to halves,
    /// as llama.cpp's flash attention rounds it).
    private func reference(query: [Float], keys: [UInt16], values: [UInt16], rowStride: Int, offset: Int,
                           length: Int, headDimension: Int, scale: Float) -> [Double] {
        var scores = (0..<length).map { p in
            (0..<headDimension).reduce(0.0) { sum, i in
                sum + Double(ReferenceKernels.float(halfBits: ReferenceKernels.halfBits(query[i])))
                    * Double(ReferenceKernels.float(halfBits: keys[p * rowStride + offset + i]))
            } * Double(scale)
        }
        let maximum = scores.max() ?? 0
        scores = scores.map { Foundation.exp($0 - maximum) }
        let total = scores.reduce(0, +)
        return (0..<headDimension).map { i in
            (0..<length).reduce(0.0) { sum, p in
                sum + scores[p] / total * Double(ReferenceKernels.float(halfBits: values[p * rowStride + offset + i]))
            }
        }
    }

    @Test(arguments: backends, [64, 32, 80])
    func matchesReference(backend: KernelBackend, headDimension: Int) {
        // Three key-value heads a position; the head under test is the middle one.
        let rowStride = 3 * headDimension, offset = headDimension
        for (index, length) in [1, 2, 7, 33, 130].enumerated() {
            let seed = UInt64(40 + index)
            // Large enough scores that the softmax is far from uniform.
            let query = randomActivations(count: headDimension, seed: seed).map { $0 * 8 }
            let keys = randomActivations(count: length * rowStride, seed: seed + 100).map(ReferenceKernels.halfBits)
            let values = randomActivations(count: length * rowStride, seed: seed + 200).map(ReferenceKernels.halfBits)
            let scale = 1 / Float(headDimension).squareRoot()
            var output = [Float](repeating: .nan, count: headDimension)
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    Attention.attendHead(query: query, keys: k.baseAddress! + offset, values: v.baseAddress! + offset,
                                         rowStride: rowStride, length: length, headDimension: headDimension, scale: scale,
                                         output: &output, backend: backend)
                }
            }
            let expected = reference(query: query, keys: keys, values: values, rowStride: rowStride, offset: offset,
                                     length: length, headDimension: headDimension, scale: scale)
            let worst = zip(output, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
            // The accumulator is a half rounded after every position (as in llama.cpp), so the
            // output carries a few half-precision steps (2^-11 relative) of rounding.
            #expect(worst < 1e-2, "length \(length): worst difference \(worst)")
        }
    }

    /// Both backends do the same arithmetic in the same order, so they agree to the last bit.
    @Test(arguments: [64, 80])
    func backendsAgreeBitForBit(headDimension: Int) {
        let rowStride = 3 * headDimension, offset = headDimension, length = 77
        let query = randomActivations(count: headDimension, seed: 7).map { $0 * 8 }
        let keys = randomActivations(count: length * rowStride, seed: 8).map(ReferenceKernels.halfBits)
        let values = randomActivations(count: length * rowStride, seed: 9).map(ReferenceKernels.halfBits)
        let outputs = Self.backends.map { backend in
            var output = [Float](repeating: .nan, count: headDimension)
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    Attention.attendHead(query: query, keys: k.baseAddress! + offset, values: v.baseAddress! + offset,
                                         rowStride: rowStride, length: length, headDimension: headDimension,
                                         scale: 1 / Float(headDimension).squareRoot(), output: &output, backend: backend)
                }
            }
            return output
        }
        #expect(outputs[0].map(\.bitPattern) == outputs[1].map(\.bitPattern))
    }

    /// Uniform attention over 100 positions whose values are all 2000: the half-precision
    /// accumulator (llama.cpp's) would reach 200000, past a half's 65504, and give inf; the
    /// head is redone in single precision instead.
    @Test(arguments: backends, [64, 80])
    func anOverflowingHalfAccumulatorFallsBackToSinglePrecision(backend: KernelBackend, headDimension: Int) {
        let length = 100
        let query = [Float](repeating: 0, count: headDimension)
        let keys = [UInt16](repeating: ReferenceKernels.halfBits(0.5), count: length * headDimension)
        let values = [UInt16](repeating: ReferenceKernels.halfBits(2000), count: length * headDimension)
        var output = [Float](repeating: .nan, count: headDimension)
        keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                Attention.attendHead(query: query, keys: k.baseAddress!, values: v.baseAddress!, rowStride: headDimension,
                                     length: length, headDimension: headDimension, scale: 0.125, output: &output,
                                     backend: backend)
            }
        }
        #expect(output.allSatisfy { abs($0 - 2000) < 0.01 }, "\(output.prefix(4))")
    }
}
