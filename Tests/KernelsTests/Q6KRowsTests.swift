import Kernels
import Testing

/// Q6_K matrices rearranged at load (`Q6KRows`, AVX2) must give exactly the products of the
/// file's layout, which GGMLProductsTests holds to llama.cpp's bit for bit: decode and small
/// batches (`vec_dot` lanes), prompts of 8 tokens or more (the tiled kernel's sums), grouped
/// with other K matrices, and for every tail of rows and tokens.
@Suite struct Q6KRowsTests {
    @Test(arguments: [1, 2, 3, 4, 5, 7, 8, 9, 13, 50])
    func rearrangedProductsEqualTheFileLayouts(tokens: Int) throws {
        guard KernelBackend.best != .portable else { return }
        let pool = ComputePool(threadCount: 2)
        for (rows, columns, seed) in [(1, 256, 1), (7, 512, 2), (37, 1024, 3), (70, 3072, 4)] {
            let random = RandomMatrix(format: .q6_K, rows: rows, columns: columns, seed: UInt64(seed))
            let rearranged = try #require(RepackedWeights(random.matrix))
            #expect(rearranged.matrix.q6KRows != nil)
            let input = randomActivations(count: tokens * columns, seed: UInt64(10 + seed))
            expectRepackedProductsEqualFileLayout(
                rearranged.matrix, file: random.matrix, input: input, tokens: tokens, pool: pool, "\(rows)x\(columns) tokens \(tokens)")
        }
    }

    /// A group sharing one quantization (attention's q/k/v with a Q6_K value matrix) gives the
    /// same products as each matrix alone.
    @Test(arguments: [1, 6, 11])
    func groupsWithRearrangedMatricesMatchSeparateProducts(tokens: Int) throws {
        guard KernelBackend.best != .portable else { return }
        let pool = ComputePool(threadCount: 2)
        let columns = 512
        let plain = [
            RandomMatrix(format: .q4_K, rows: 16, columns: columns, seed: 40),
            RandomMatrix(format: .q6_K, rows: 19, columns: columns, seed: 41),
            RandomMatrix(format: .q6_K, rows: 8, columns: columns, seed: 42),
        ]
        expectGroupedProductsEqualSeparate(plain, tokens: tokens, inputSeed: 43, pool: pool) { matrices in
            #expect(matrices[1].q6KRows != nil && matrices[2].q6KRows != nil)
        }
    }

    /// A rearranged tied output serves the embedding's lookups: its rows decode to the file's values.
    @Test func rearrangedRowsDecodeToTheFilesValues() throws {
        guard KernelBackend.best != .portable else { return }
        let random = RandomMatrix(format: .q6_K, rows: 9, columns: 768, seed: 60)
        let rearranged = try #require(RepackedWeights(random.matrix))
        var expected = [Float](repeating: .nan, count: 768), decoded = expected
        for row in 0..<9 {
            ReferenceKernels.dequantizeRow(random.matrix, row: row, into: &expected)
            MatrixMultiply.dequantizeRow(rearranged.matrix, row: row, into: &decoded)
            #expect(decoded.map(\.bitPattern) == expected.map(\.bitPattern), "row \(row)")
        }
    }

    /// Infinite and NaN activations give garbage, as in llama.cpp, but never a crash.
    @Test func nonFiniteActivationsDoNotTrap() throws {
        guard KernelBackend.best != .portable else { return }
        let pool = ComputePool(threadCount: 1)
        let random = RandomMatrix(format: .q6_K, rows: 5, columns: 512, seed: 50)
        let rearranged = try #require(RepackedWeights(random.matrix))
        for tokens in [1, 9] {
            var input = randomActivations(count: tokens * 512, seed: 51)
            input[7] = .nan
            input[300] = .infinity
            var output = [Float](repeating: 0, count: tokens * 5)
            MatrixMultiply.multiply(rearranged.matrix, input: input, tokens: tokens, output: &output, pool: pool)
            #expect(output.count == tokens * 5)
        }
    }
}
