import Foundation
import Kernels
import Testing

/// Products of random Q5_0, Q5_1, Q4_K and Q6_K weights as llama.cpp's AVX2 build computes them
/// with the kernels it really runs (`vec_dot` for Q5_0/Q5_1/Q6_K, the repacked `gemv`/`gemm`
/// 8×8 kernels for Q4_K), recorded by scripts/ggml-reference/make_fixture.sh. Both backends must
/// reproduce them bit for bit.
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
        let names: [UInt32: String] = [6: "Q5_0", 7: "Q5_1", 12: "Q4_K", 14: "Q6_K"]
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

    @Test(arguments: [KernelBackend.portable, .avx2])
    func productsEqualLlamaCppBitForBit(backend: KernelBackend) throws {
        let cases = try Self.cases()
        #expect(Set(cases.map(\.format)) == [.q5_0, .q5_1, .q4_K, .q6_K])
        let pool = ComputePool(threadCount: 2)
        for c in cases {
            var output = [Float](repeating: .nan, count: c.tokens * c.rows)
            c.weights.withUnsafeBytes { raw in
                let matrix = WeightMatrix(format: c.format, rows: c.rows, columns: c.columns, data: raw.baseAddress!)
                // Mode 1: one llama.cpp batch (the default split); mode 0: token by token.
                MatrixMultiply.multiply(matrix, input: c.input, tokens: c.tokens, output: &output, pool: pool,
                                        backend: backend, gemmTokens: c.mode == 1 ? nil : 0)
            }
            let mismatches = zip(output, c.expected).filter { $0.bitPattern != $1.bitPattern }
            #expect(mismatches.isEmpty, "\(c.format) \(c.rows)x\(c.columns) tokens \(c.tokens) mode \(c.mode): \(mismatches.count) differ, first \(mismatches.prefix(3))")
        }
    }
}
