import Foundation
import Kernels
import Testing

/// The query heads sharing a key-value head attended in one pass (`attendGroupRuns`) give each
/// head's `attendHeadRuns` floats, bit for bit: gemma3's four 256-wide heads on one KV head.
@Suite struct GroupAttentionTests {
    private func compare(heads: Int, headDimension n: Int, first: Range<Int>, second: Range<Int>, rows: Int,
                         queryScale: Float, valueScale: Float = 1) {
        let kvStride = 2 * n  // two key-value heads interleaved per row; the group reads the second
        let queries = randomActivations(count: heads * n, seed: 11).map { $0 * queryScale }
        let keys = randomActivations(count: rows * kvStride, seed: 12).map(ReferenceKernels.halfBits)
        let values = randomActivations(count: rows * kvStride, seed: 13).map { $0 * valueScale }.map(ReferenceKernels.halfBits)
        var grouped = [Float](repeating: .nan, count: heads * n)
        var single = [Float](repeating: .nan, count: heads * n)
        keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                let keyBase = k.baseAddress! + n, valueBase = v.baseAddress! + n
                Attention.attendGroupRuns(queries: queries, heads: heads, keys: keyBase, values: valueBase,
                                          rowStride: kvStride, first: first, second: second, headDimension: n,
                                          scale: 0.0625, outputs: &grouped)
                single.withUnsafeMutableBufferPointer { out in
                    queries.withUnsafeBufferPointer { q in
                        for head in 0..<heads {
                            Attention.attendHeadRuns(query: q.baseAddress! + head * n, keys: keyBase, values: valueBase,
                                                     rowStride: kvStride, first: first, second: second, headDimension: n,
                                                     scale: 0.0625, output: out.baseAddress! + head * n)
                        }
                    }
                }
            }
        }
        #expect(grouped.map(\.bitPattern) == single.map(\.bitPattern))
    }

    @Test(arguments: [1, 2, 3, 4, 7])
    func eachHeadIsItsOnePassResult(heads: Int) {
        compare(heads: heads, headDimension: 256, first: 0..<300, second: 0..<0, rows: 320, queryScale: 4)
    }

    @Test func wrappedWindowAndHeadSize128() {
        compare(heads: 4, headDimension: 128, first: 0..<90, second: 200..<320, rows: 320, queryScale: 8)
    }

    @Test func anOverflowingHeadIsRedoneInSinglePrecision() {
        // Values near the half range: the half accumulator overflows and the head is redone.
        compare(heads: 4, headDimension: 256, first: 0..<64, second: 0..<0, rows: 64, queryScale: 0.01, valueScale: 3000)
    }

    @Test func noRowsGiveZeros() {
        compare(heads: 4, headDimension: 256, first: 0..<0, second: 0..<0, rows: 8, queryScale: 1)
    }
}
