import Kernels
import Testing

@Suite struct MatrixMultiplyTests {
    static let backends: [KernelBackend] = [.portable, .avx2, .avx512]
    static let tokenCounts = [1, 2, 3, 5, 7, 9, 17]

    @Test(arguments: WeightFormat.allCases, backends)
    func matchesReferenceForEveryTokenCount(format: WeightFormat, backend: KernelBackend) {
        let pool = ComputePool(threadCount: 3)
        for (index, tokens) in Self.tokenCounts.enumerated() {
            check(format: format, rows: 37 + 4 * index, columns: width(96, format), tokens: tokens, pool: pool, backend: backend,
                  seed: UInt64(100 + index))
        }
    }

    @Test(arguments: WeightFormat.allCases, backends)
    func matchesReferenceAtModelWidths(format: WeightFormat, backend: KernelBackend) {
        let pool = ComputePool(threadCount: 2)
        check(format: format, rows: 197, columns: width(576, format), tokens: 1, pool: pool, backend: backend, seed: 7)
        check(format: format, rows: 67, columns: 1536, tokens: 1, pool: pool, backend: backend, seed: 8)
        check(format: format, rows: 130, columns: width(576, format), tokens: 53, pool: pool, backend: backend, seed: 9)
    }

    @Test func singleThreadPoolGivesTheSameResults() {
        check(format: .q4_1, rows: 41, columns: 64, tokens: 11, pool: ComputePool(threadCount: 1), backend: .best, seed: 3)
    }

    @Test func multiplyInsideAParallelRegionRunsSerially() {
        let pool = ComputePool(threadCount: 2)
        pool.parallelFor(2) { task in
            check(format: .q4_1, rows: 21, columns: 64, tokens: 2 + task, pool: pool, backend: .best, seed: UInt64(task))
        }
    }

    @Test func dequantizeRowMatchesReference() {
        for format in WeightFormat.allCases {
            let columns = width(64, format)
            let random = RandomMatrix(format: format, rows: 3, columns: columns, seed: 5)
            var fast = [Float](repeating: 0, count: columns)
            var reference = [Float](repeating: 1, count: columns)
            MatrixMultiply.dequantizeRow(random.matrix, row: 2, into: &fast)
            ReferenceKernels.dequantizeRow(random.matrix, row: 2, into: &reference)
            #expect(fast == reference)
        }
    }

    /// The engine maps a GGUF tensor's type name with `WeightFormat(ggmlName:)` and refuses the
    /// rest with an error naming the tensor and the type.
    @Test func formatsAreFoundByGGMLName() {
        for format in WeightFormat.allCases { #expect(WeightFormat(ggmlName: format.name) == format) }
        for unsupported in ["Q8_1", "Q8_K", "I8", "I32", "F64", "IQ4_NL", ""] { #expect(WeightFormat(ggmlName: unsupported) == nil) }
        #expect(WeightFormat.supportedNames == "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K")
    }

    @Test func referenceDecodesKnownBlocks() {
        // One Q4_1 block: d = 0.5, m = -1, first byte 0x21 (element 0 = 1, element 16 = 2).
        var block = [UInt8](repeating: 0, count: 20)
        block.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: ReferenceKernels.halfBits(0.5), as: UInt16.self)
            raw.storeBytes(of: ReferenceKernels.halfBits(-1), toByteOffset: 2, as: UInt16.self)
            raw[4] = 0x21
        }
        var row = [Float](repeating: 0, count: 32)
        block.withUnsafeBytes { raw in
            let matrix = WeightMatrix(format: .q4_1, rows: 1, columns: 32, data: raw.baseAddress!)
            #expect(matrix.rowByteCount == 20)
            ReferenceKernels.dequantizeRow(matrix, row: 0, into: &row)
        }
        #expect(row[0] == -0.5)
        #expect(row[16] == 0)
        #expect(row[1] == -1)
    }
}

/// `columns` rounded up to a whole number of the format's blocks (256 for the K formats).
func width(_ columns: Int, _ format: WeightFormat) -> Int {
    (columns + format.blockSize - 1) / format.blockSize * format.blockSize
}

/// Multiplies random data with `MatrixMultiply` and `ReferenceKernels` and compares them within
/// the error that 8-bit activation quantization allows.
func check(
    format: WeightFormat, rows: Int, columns: Int, tokens: Int, pool: ComputePool, backend: KernelBackend, seed: UInt64,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let weights = RandomMatrix(format: format, rows: rows, columns: columns, seed: seed)
    let input = randomActivations(count: tokens * columns, seed: seed &+ 1)
    var fast = [Float](repeating: .nan, count: tokens * rows)
    var reference = [Float](repeating: 0, count: tokens * rows)
    MatrixMultiply.multiply(weights.matrix, input: input, tokens: tokens, output: &fast, pool: pool, backend: backend)
    ReferenceKernels.multiply(weights.matrix, input: input, tokens: tokens, output: &reference)

    var row = [Float](repeating: 0, count: columns)
    var failures = 0
    for r in 0..<rows {
        ReferenceKernels.dequantizeRow(weights.matrix, row: r, into: &row)
        for t in 0..<tokens {
            // Each activation is off by at most half a quantization step of its block.
            var bound: Float = 0
            var magnitude: Float = 0
            let group = format.usesSuperBlocks ? 256 : 32
            for b in stride(from: 0, to: columns, by: group) {
                var amax: Float = 0
                var weightSum: Float = 0
                for c in b..<(b + group) {
                    amax = max(amax, abs(input[t * columns + c]))
                    weightSum += abs(row[c])
                    magnitude += abs(row[c] * input[t * columns + c])
                }
                // Q8 activations: half a step of amax/127; BF16 activations: half an ulp (2^-9 relative).
                bound += format.isBlockQuantized ? weightSum * amax / 254 : format == .bf16 ? weightSum * amax / 256 : 0
            }
            let tolerance = bound * 1.01 + magnitude * 2e-5 + 1e-5
            let error = abs(fast[t * rows + r] - reference[t * rows + r])
            if !(error <= tolerance) {
                failures += 1
                if failures <= 3 {
                    Issue.record("\(format) \(backend) rows \(rows) tokens \(tokens): [\(t),\(r)] \(fast[t * rows + r]) vs \(reference[t * rows + r]) (tolerance \(tolerance))", sourceLocation: sourceLocation)
                }
            }
        }
    }
    #expect(failures == 0, sourceLocation: sourceLocation)
}

@Suite struct GroupedMultiplyTests {
    @Test(arguments: [1, 2, 7], [KernelBackend.portable, .avx2, .avx512])
    func groupMatchesSeparateProducts(tokens: Int, backend: KernelBackend) {
        let pool = ComputePool(threadCount: 2)
        let columns = 96
        let matrices = [
            RandomMatrix(format: .q4_1, rows: 45, columns: columns, seed: 1),
            RandomMatrix(format: .q8_0, rows: 13, columns: columns, seed: 2),
            RandomMatrix(format: .q4_0, rows: 70, columns: columns, seed: 3),
        ]
        let input = randomActivations(count: tokens * columns, seed: 4)
        let outputs = matrices.map { UnsafeMutablePointer<Float>.allocate(capacity: tokens * $0.matrix.rows) }
        defer { outputs.forEach { $0.deallocate() } }
        MatrixMultiply.multiply(matrices.map(\.matrix), input: input, tokens: tokens, outputs: outputs, pool: pool, backend: backend)
        for (matrix, output) in zip(matrices, outputs) {
            var separate = [Float](repeating: 0, count: tokens * matrix.matrix.rows)
            MatrixMultiply.multiply(matrix.matrix, input: input, tokens: tokens, output: &separate, pool: pool, backend: backend)
            #expect(Array(UnsafeBufferPointer(start: output, count: separate.count)) == separate)
        }
    }

    /// K formats share one Q8_K quantization; a group mixing them with 32-block formats takes
    /// separate products. Either way the results equal separate products bit for bit.
    @Test(arguments: [[WeightFormat.q4_K, .q6_K, .q5_K], [.q5_0, .q4_K, .q8_0]], [KernelBackend.portable, .avx2, .avx512])
    func superBlockGroupsMatchSeparateProducts(formats: [WeightFormat], backend: KernelBackend) {
        let pool = ComputePool(threadCount: 2)
        let columns = 512, tokens = 6
        let matrices = formats.enumerated().map { RandomMatrix(format: $1, rows: 16 + 3 * $0, columns: columns, seed: UInt64(20 + $0)) }
        let input = randomActivations(count: tokens * columns, seed: 4)
        let outputs = matrices.map { UnsafeMutablePointer<Float>.allocate(capacity: tokens * $0.matrix.rows) }
        defer { outputs.forEach { $0.deallocate() } }
        MatrixMultiply.multiply(matrices.map(\.matrix), input: input, tokens: tokens, outputs: outputs, pool: pool, backend: backend)
        for (matrix, output) in zip(matrices, outputs) {
            var separate = [Float](repeating: 0, count: tokens * matrix.matrix.rows)
            MatrixMultiply.multiply(matrix.matrix, input: input, tokens: tokens, output: &separate, pool: pool, backend: backend)
            #expect(Array(UnsafeBufferPointer(start: output, count: separate.count)) == separate)
        }
    }

    @Test func groupWithFloatMatricesFallsBackToSeparateProducts() {
        let pool = ComputePool(threadCount: 2)
        let a = RandomMatrix(format: .f16, rows: 9, columns: 64, seed: 5)
        let b = RandomMatrix(format: .q4_1, rows: 11, columns: 64, seed: 6)
        let input = randomActivations(count: 3 * 64, seed: 7)
        var outA = [Float](repeating: 0, count: 27), outB = [Float](repeating: 0, count: 33)
        var refA = outA, refB = outB
        outA.withUnsafeMutableBufferPointer { pa in
            outB.withUnsafeMutableBufferPointer { pb in
                MatrixMultiply.multiply([a.matrix, b.matrix], input: input, tokens: 3,
                                        outputs: [pa.baseAddress!, pb.baseAddress!], pool: pool)
            }
        }
        MatrixMultiply.multiply(a.matrix, input: input, tokens: 3, output: &refA, pool: pool)
        MatrixMultiply.multiply(b.matrix, input: input, tokens: 3, output: &refB, pool: pool)
        #expect(outA == refA)
        #expect(outB == refB)
    }
}

/// Prompt products take wider register tiles (Q5_0/Q8_0: one row × eight tokens; Q4_K: repacked
/// 8-row tiles × four tokens; tiled Q4_1/Q8_0: 4-row tiles × two tokens, one token alone) than decode; each output's arithmetic must not depend on the tile,
/// so a prompt's products equal the same tokens' one-token products bit for bit (Q4_K's gemv
/// steps, asked for with `gemmTokens: 0`).
@Suite struct PromptTileTests {
    @Test(arguments: [WeightFormat.q5_0, .q8_0, .q4_1, .q4_K])
    func promptTilesEqualOneTokenProducts(format: WeightFormat) {
        let pool = ComputePool(threadCount: 2)
        let columns = 512, tokens = 21, rows = 40
        let random = RandomMatrix(format: format, rows: rows, columns: columns, seed: 31)
        let repacked = RepackedWeights(random.matrix)
        // Q4_K repacked wherever AVX2 runs; Q4_1 and Q8_0 tiled in 4-row records where the AVX2 set runs.
        let tiled = (format == .q4_1 || format == .q8_0) && KernelBackend.best == .avx2
        #expect((repacked != nil) == (format == .q4_K && KernelBackend.best != .portable || tiled))
        let matrix = repacked?.matrix ?? random.matrix
        let input = randomActivations(count: tokens * columns, seed: 32)
        var batch = [Float](repeating: .nan, count: tokens * rows)
        MatrixMultiply.multiply(matrix, input: input, tokens: tokens, output: &batch, pool: pool, gemmTokens: 0)
        var single = [Float](repeating: .nan, count: tokens * rows)
        input.withUnsafeBufferPointer { input in
            single.withUnsafeMutableBufferPointer { single in
                for t in 0..<tokens {
                    MatrixMultiply.multiply(matrix, input: input.baseAddress! + t * columns, tokens: 1,
                                            output: single.baseAddress! + t * rows, pool: pool)
                }
            }
        }
        #expect(batch.map(\.bitPattern) == single.map(\.bitPattern))
    }
}
