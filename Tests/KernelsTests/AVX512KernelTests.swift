import Kernels
import Testing

/// The AVX-512 (VNNI) kernel set must give the AVX2 set's floats bit for bit: the same int32
/// lane sums, the same float accumulation. Random products of every format and shape class
/// (odd row counts and row tails past the 4- and 8-row tiles, token counts around the 4-token
/// tile, one-token decode, Q4_K's gemm/gemv split), as the engine loads the matrices (Q4_K
/// repacked, Q6_K rearranged).
@Suite(.enabled(if: KernelBackend.avx512.isSupported, "this CPU lacks AVX-512 F/BW/VL/DQ + VNNI (or the OS does not save its state)"))
struct AVX512KernelTests {
    static let formats: [WeightFormat] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]
    static let tokenCounts = [1, 2, 3, 4, 5, 7, 8, 9, 17, 53]

    @Test(arguments: formats)
    func equalsAVX2BitForBit(format: WeightFormat) {
        let pool = ComputePool(threadCount: 2)
        for (index, tokens) in Self.tokenCounts.enumerated() {
            // Q4_K tiles need rows in eights: 40 (whole tiles) and 37 (other kernels' tails).
            let rows = format == .q4_K ? (index % 2 == 0 ? 40 : 37) : 37 + 2 * index
            let columns = format.usesSuperBlocks ? 512 : 96 + 32 * (index % 3)
            compare(format: format, rows: rows, columns: columns, tokens: tokens, pool: pool, seed: UInt64(500 + index))
        }
    }

    @Test(arguments: formats)
    func equalsAVX2AtModelWidths(format: WeightFormat) {
        let pool = ComputePool(threadCount: 2)
        compare(format: format, rows: 64, columns: 1536, tokens: 1, pool: pool, seed: 61)
        compare(format: format, rows: 136, columns: width(576, format), tokens: 64, pool: pool, seed: 62)
    }

    /// Q4_K's gemm tokens (the first `n - n % 4` of a batch) round as llama.cpp's 4-token gemm,
    /// the rest as its gemv; every split must match AVX2's.
    @Test(arguments: [0, 1, 4, 6, 8])
    func q4KGemmSplitsEqualAVX2(gemmTokens: Int) {
        compare(format: .q4_K, rows: 48, columns: 768, tokens: 9, pool: ComputePool(threadCount: 1), seed: 70,
                gemmTokens: gemmTokens)
    }

    /// Extreme bytes: full-scale activations (±127 after quantization) against weights of the
    /// largest magnitudes, where ggml's `maddubs` pairs come closest to int16 saturation.
    @Test(arguments: [WeightFormat.q8_0, .q5_0, .q4_1, .q4_K, .q6_K])
    func extremeValuesEqualAVX2(format: WeightFormat) {
        let columns = format.usesSuperBlocks ? 256 : 64, rows = 16, tokens = 5
        let random = RandomMatrix(format: format, rows: rows, columns: columns, seed: 80)
        // Every quant byte at an extreme (0xFF nibbles and 6-bit values; Q8_0 alternating
        // -127 and 127), the scales left as they are.
        let quantBytes: Range<Int> = switch format {
        case .q8_0: 2..<34
        case .q5_0: 2..<22
        case .q4_1: 4..<20
        case .q4_K: 16..<144
        default: 0..<192
        }
        for b in 0..<(rows * columns / format.blockSize) {
            for i in quantBytes {
                let value: UInt8 = format == .q8_0 ? (i % 2 == 0 ? 0x81 : 0x7F) : 0xFF
                random.bytes.storeBytes(of: value, toByteOffset: b * format.bytesPerBlock + i, as: UInt8.self)
            }
        }
        // Activations whose blocks quantize to ±127 at many places.
        let input: [Float] = (0..<(tokens * columns)).map { (i: Int) -> Float in
            let sign = Float(i % 3 - 1)
            return sign * Float(1 + i % 5)
        }
        compare(random.matrix, input: input, tokens: tokens, pool: ComputePool(threadCount: 1), gemmTokens: nil)
    }

    private func compare(
        format: WeightFormat, rows: Int, columns: Int, tokens: Int, pool: ComputePool, seed: UInt64, gemmTokens: Int? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let random = RandomMatrix(format: format, rows: rows, columns: columns, seed: seed)
        let input = randomActivations(count: tokens * columns, seed: seed &+ 1)
        compare(random.matrix, input: input, tokens: tokens, pool: pool, gemmTokens: gemmTokens, sourceLocation: sourceLocation)
    }

    private func compare(
        _ plain: WeightMatrix, input: [Float], tokens: Int, pool: ComputePool, gemmTokens: Int?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let repacked = RepackedWeights(plain)
        let matrix = repacked?.matrix ?? plain
        var avx2 = [Float](repeating: .nan, count: tokens * plain.rows)
        var avx512 = [Float](repeating: .nan, count: tokens * plain.rows)
        MatrixMultiply.multiply(matrix, input: input, tokens: tokens, output: &avx2, pool: pool, backend: .avx2, gemmTokens: gemmTokens)
        MatrixMultiply.multiply(matrix, input: input, tokens: tokens, output: &avx512, pool: pool, backend: .avx512, gemmTokens: gemmTokens)
        let differing = (0..<avx2.count).filter { avx2[$0].bitPattern != avx512[$0].bitPattern }
        #expect(
            differing.isEmpty,
            "\(plain.format) \(plain.rows)x\(plain.columns) tokens \(tokens) repacked \(repacked != nil): \(differing.count) differ, first \(differing.prefix(3).map { (avx2[$0], avx512[$0]) })",
            sourceLocation: sourceLocation)
        withExtendedLifetime(repacked) {}
    }
}

@Suite struct KernelSelectionTests {
    /// A set implies the ones below it, and `best` is the fastest supported set unless
    /// `SWITCHYARD_KERNELS` forces another (which then must be supported, or fall back).
    @Test func bestIsTheFastestSupportedSet() {
        #expect(KernelBackend.portable.isSupported)
        if KernelBackend.avx512.isSupported { #expect(KernelBackend.avx2.isSupported) }
        #expect(KernelBackend.best.isSupported)
        if let forced = KernelBackend.forcedName {
            if let named = KernelBackend(rawValue: forced), named.isSupported { #expect(KernelBackend.best == named) }
        } else {
            let fastest = KernelBackend.allCases.last { $0.isSupported }
            #expect(KernelBackend.best == fastest)
        }
    }
}
