import Foundation
import Kernels
import Testing

/// Products of random BF16, Q5_0, Q5_1 and K-quantized (Q2_K … Q6_K) weights as llama.cpp's AVX2
/// build computes them with the kernels it really runs (`vec_dot` one token at a time, llamafile's
/// tinyBLAS for BF16 and Q5_0 prompts, the repacked `gemv`/`gemm` 8×8 kernels for Q4_K), recorded
/// by scripts/ggml-reference/make_fixture.sh. Both backends must reproduce them bit for bit.
@Suite struct GGMLProductsTests {
    struct Case {
        let format: WeightFormat
        let rows: Int, columns: Int, tokens: Int, mode: UInt32
        let weights: [UInt8]
        let input: [Float]
        let expected: [Float]
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ggml_products.bin")

    static func cases() throws -> [Case] {
        let data = try Data(contentsOf: fixture)
        guard data.prefix(8) == Data("GGMLPRD1".utf8) else { throw CocoaError(.fileReadCorruptFile) }
        var offset = 8
        func take(_ count: Int) -> Data {
            defer { offset += count }
            return data.subdata(in: offset..<(offset + count))
        }
        func words(_ count: Int) -> [UInt32] {
            take(4 * count).withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        }
        func floats(_ count: Int) -> [Float] {
            take(4 * count).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
        let names: [UInt32: String] = [30: "BF16", 6: "Q5_0", 7: "Q5_1", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K"]
        var cases: [Case] = []
        while offset < data.count {
            let h = words(5)
            guard let name = names[h[0]], let format = WeightFormat(ggmlName: name) else {
                throw CocoaError(.fileReadCorruptFile)
            }
            let rows = Int(h[1]), columns = Int(h[2]), tokens = Int(h[3])
            let weights = [UInt8](take(rows * columns / format.blockSize * format.bytesPerBlock))
            cases.append(Case(format: format, rows: rows, columns: columns, tokens: tokens, mode: h[4], weights: weights,
                              input: floats(tokens * columns), expected: floats(tokens * rows)))
        }
        return cases
    }

    @Test(arguments: [KernelBackend.portable, .avx2, .avx512])
    func productsEqualLlamaCppBitForBit(backend: KernelBackend) throws {
        let cases = try Self.cases()
        #expect(Set(cases.map(\.format)) == [.bf16, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K])
        let pool = ComputePool(threadCount: 2)
        // Q4_K and Q6_K matrices also as the engine loads them: Q4_K repacked into 8-row tiles,
        // Q6_K rearranged (`Q6KRows`); AVX2 only.
        let variants = cases.flatMap { c in
            backend != .portable && ((c.format == .q4_K && c.rows % 8 == 0) || c.format == .q6_K) ? [(c, false), (c, true)] : [(c, false)]
        }
        for (c, repack) in variants {
            var output = [Float](repeating: .nan, count: c.tokens * c.rows)
            c.weights.withUnsafeBytes { raw in
                let plain = WeightMatrix(format: c.format, rows: c.rows, columns: c.columns, data: raw.baseAddress!)
                let repacked = repack ? RepackedWeights(plain) : nil
                #expect(repacked != nil || !repack, "\(c.format) \(c.rows)x\(c.columns) was not repacked")
                let matrix = repacked?.matrix ?? plain
                // Mode 1: one llama.cpp batch (the default split); mode 0: token by token.
                if c.mode == 1 {
                    MatrixMultiply.multiply(matrix, input: c.input, tokens: c.tokens, output: &output, pool: pool, backend: backend)
                } else {
                    for t in 0..<c.tokens {
                        c.input.withUnsafeBufferPointer { input in
                            output.withUnsafeMutableBufferPointer { out in
                                MatrixMultiply.multiply(matrix, input: input.baseAddress! + t * c.columns, tokens: 1,
                                                        output: out.baseAddress! + t * c.rows, pool: pool, backend: backend)
                            }
                        }
                    }
                }
            }
            let mismatches = zip(output, c.expected).filter { $0.bitPattern != $1.bitPattern }
            #expect(mismatches.isEmpty, "\(c.format) \(c.rows)x\(c.columns) tokens \(c.tokens) mode \(c.mode) repacked \(repack): \(mismatches.count) differ, first \(mismatches.prefix(3))")
        }
    }
}

@Suite struct SuperBlockQuantizationTests {
    /// Infinite and NaN activations give garbage products, as in llama.cpp, but never a crash.
    @Test(arguments: [KernelBackend.portable, .avx2, .avx512])
    func nonFiniteActivationsDoNotTrap(backend: KernelBackend) {
        let pool = ComputePool(threadCount: 1)
        let weights = RandomMatrix(format: .q4_K, rows: 8, columns: 512, seed: 3)
        for bad in [Float.nan, .infinity, -.infinity] {
            var input = randomActivations(count: 2 * 512, seed: 5)
            input[7] = bad
            input[600] = bad
            var output = [Float](repeating: 0, count: 16)
            MatrixMultiply.multiply(weights.matrix, input: input, tokens: 2, output: &output, pool: pool, backend: backend)
            #expect(output.count == 16)
        }
    }
}
