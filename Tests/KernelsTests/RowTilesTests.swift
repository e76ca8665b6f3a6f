import Kernels
import Testing

/// Q4_1 and Q8_0 matrices tiled at load (`Q4_1Tiles`, `Q8_0Tiles`, AVX2) must give exactly the
/// products of the file's layout, which GGMLProductsTests holds to llama.cpp's
/// `ggml_vec_dot_q4_1_q8_1` / `ggml_vec_dot_q8_0_q8_0` bit for bit: one token, batches of every
/// size (the file-layout kernel's one-row, eight-token prompt tiles for Q8_0 included), rows that
/// leave a partial tile, grouped with other matrices.
@Suite struct RowTilesTests {
    static let shapes = [(4, 32, 1), (5, 64, 2), (7, 96, 3), (13, 576, 4), (37, 1536, 5), (64, 160, 6), (194, 576, 7)]

    @Test(arguments: [WeightFormat.q4_1, .q8_0], [1, 2, 3, 5, 8, 16, 17, 33, 49])
    func tiledProductsEqualTheFileLayouts(format: WeightFormat, tokens: Int) throws {
        guard KernelBackend.best == .avx2 else { return }
        for threads in [1, 2] {
            let pool = ComputePool(threadCount: threads)
            for (rows, columns, seed) in Self.shapes {
                let random = RandomMatrix(format: format, rows: rows, columns: columns, seed: UInt64(seed))
                let tiled = try #require(RepackedWeights(random.matrix))
                #expect(tiled.matrix.rowTiles != nil)
                let input = randomActivations(count: tokens * columns, seed: UInt64(20 + seed))
                expectRepackedProductsEqualFileLayout(
                    tiled.matrix, file: random.matrix, input: input, tokens: tokens, pool: pool,
                    "\(rows)x\(columns) tokens \(tokens) threads \(threads)")
            }
        }
    }

    /// Fewer rows than a tile: nothing to tile, the file's layout serves.
    @Test(arguments: [WeightFormat.q4_1, .q8_0])
    func matricesOfFewerRowsThanATileAreNotTiled(format: WeightFormat) {
        let random = RandomMatrix(format: format, rows: 3, columns: 64, seed: 30)
        #expect(RepackedWeights(random.matrix) == nil)
    }

    /// A tiled tied Q8_0 output serves the embedding's lookups: its rows decode to the file's values.
    @Test func tiledQ8_0RowsDecodeToTheFilesValues() throws {
        guard KernelBackend.best == .avx2 else { return }
        let random = RandomMatrix(format: .q8_0, rows: 10, columns: 96, seed: 60)
        let tiled = try #require(RepackedWeights(random.matrix))
        var expected = [Float](repeating: .nan, count: 96), decoded = expected
        for row in 0..<10 {
            ReferenceKernels.dequantizeRow(random.matrix, row: row, into: &expected)
            MatrixMultiply.dequantizeRow(tiled.matrix, row: row, into: &decoded)
            #expect(decoded.map(\.bitPattern) == expected.map(\.bitPattern), "row \(row)")
        }
    }

    /// A group sharing one quantization (q/k/v, gate/up) gives the same products as each matrix alone.
    @Test(arguments: [1, 4, 16, 23])
    func groupsWithTiledMatricesMatchSeparateProducts(tokens: Int) throws {
        guard KernelBackend.best == .avx2 else { return }
        let pool = ComputePool(threadCount: 2)
        let columns = 576
        let plain = [
            RandomMatrix(format: .q4_1, rows: 576, columns: columns, seed: 40),
            RandomMatrix(format: .q4_1, rows: 194, columns: columns, seed: 41),
            RandomMatrix(format: .q8_0, rows: 9, columns: columns, seed: 42),
            RandomMatrix(format: .q4_0, rows: 8, columns: columns, seed: 44),
        ]
        expectGroupedProductsEqualSeparate(plain, tokens: tokens, inputSeed: 43, pool: pool) { matrices in
            #expect(matrices[0].rowTiles != nil && matrices[1].rowTiles != nil && matrices[2].rowTiles != nil)
        }
    }

    /// Infinite and NaN activations give garbage, as in llama.cpp, but never a crash.
    @Test(arguments: [WeightFormat.q4_1, .q8_0])
    func nonFiniteActivationsDoNotTrap(format: WeightFormat) throws {
        guard KernelBackend.best == .avx2 else { return }
        let pool = ComputePool(threadCount: 1)
        let random = RandomMatrix(format: format, rows: 9, columns: 128, seed: 50)
        let tiled = try #require(RepackedWeights(random.matrix))
        for tokens in [1, 3] {
            var input = randomActivations(count: tokens * 128, seed: 51)
            input[7] = .nan
            input[tokens * 128 - 1] = .infinity
            var output = [Float](repeating: 0, count: tokens * 9)
            MatrixMultiply.multiply(tiled.matrix, input: input, tokens: tokens, output: &output, pool: pool, backend: .avx2)
            #expect(output.count == tokens * 9)
        }
    }
}
