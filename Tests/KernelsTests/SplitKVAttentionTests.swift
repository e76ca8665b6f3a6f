import Foundation
import Kernels
import Testing

/// ggml's split-KV attention (a lone query over 512+ cells: one chunk per thread, merged).
@Suite struct SplitKVAttentionTests {
    @Test func chunksAreOnePerThreadOverTheWholeView() {
        #expect(Attention.splitKVChunks(queryRows: 1, cells: 512, threads: 2) == [0..<256, 256..<512])
        #expect(Attention.splitKVChunks(queryRows: 1, cells: 768, threads: 3) == [0..<256, 256..<512, 512..<768])
        #expect(Attention.splitKVChunks(queryRows: 1, cells: 1024, threads: 3) == [0..<342, 342..<684, 684..<1024])
    }

    @Test func onlyALoneQueryOverALongViewIsSplit() {
        #expect(Attention.splitKVChunks(queryRows: 1, cells: 256, threads: 2) == nil)
        #expect(Attention.splitKVChunks(queryRows: 2, cells: 1024, threads: 2) == nil)
    }

    private func attend(_ chunks: [Range<Int>]?, first: Range<Int>, second: Range<Int>, rows: Int, backend: KernelBackend) -> [Float] {
        let n = 64
        let query = randomActivations(count: n, seed: 3).map { $0 * 8 }
        let keys = randomActivations(count: rows * n, seed: 4).map(ReferenceKernels.halfBits)
        let values = randomActivations(count: rows * n, seed: 5).map(ReferenceKernels.halfBits)
        var output = [Float](repeating: .nan, count: n)
        keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                if let chunks {
                    Attention.attendHeadSplit(query: query, keys: k.baseAddress!, values: v.baseAddress!, rowStride: n,
                                              first: first, second: second, chunks: chunks, headDimension: n,
                                              scale: 0.125, output: &output, backend: backend)
                } else {
                    Attention.attendHeadRuns(query: query, keys: k.baseAddress!, values: v.baseAddress!, rowStride: n,
                                             first: first, second: second, headDimension: n, scale: 0.125,
                                             output: &output, backend: backend)
                }
            }
        }
        return output
    }

    @Test(arguments: [KernelBackend.portable, .avx2])
    func oneChunkIsTheOnePassResultBitForBit(backend: KernelBackend) {
        let whole = attend(nil, first: 0..<300, second: 0..<0, rows: 512, backend: backend)
        let split = attend([0..<512], first: 0..<300, second: 0..<0, rows: 512, backend: backend)
        #expect(whole.map(\.bitPattern) == split.map(\.bitPattern))
    }

    @Test func splittingRoundsDifferentlyButAgreesClosely() {
        // A wrapped window: rows 0..<100 (newest) then 400..<512 (oldest), cut at 256.
        let whole = attend(nil, first: 0..<100, second: 400..<512, rows: 512, backend: .avx2)
        let split = attend([0..<256, 256..<512], first: 0..<100, second: 400..<512, rows: 512, backend: .avx2)
        #expect(zip(whole, split).allSatisfy { abs($0 - $1) < 1e-2 })
        let chunkWithNothing = attend([0..<256, 256..<512], first: 0..<100, second: 0..<0, rows: 512, backend: .avx2)
        let oneChunk = attend(nil, first: 0..<100, second: 0..<0, rows: 512, backend: .avx2)
        #expect(chunkWithNothing.map(\.bitPattern) == oneChunk.map(\.bitPattern), "an empty chunk is skipped")
    }

    @Test func backendsAgreeBitForBit() {
        let portable = attend([0..<256, 256..<512], first: 0..<100, second: 300..<512, rows: 512, backend: .portable)
        let avx2 = attend([0..<256, 256..<512], first: 0..<100, second: 300..<512, rows: 512, backend: .avx2)
        #expect(portable.map(\.bitPattern) == avx2.map(\.bitPattern))
    }
}
