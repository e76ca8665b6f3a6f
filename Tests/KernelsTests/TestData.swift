import Kernels
import TestSupport
import Testing

/// A weight matrix with random contents that owns its bytes.
final class RandomMatrix {
    let bytes: UnsafeMutableRawPointer
    let matrix: WeightMatrix

    init(format: WeightFormat, rows: Int, columns: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let rowBytes = columns / format.blockSize * format.bytesPerBlock
        bytes = .allocate(byteCount: rows * rowBytes, alignment: 64)
        let blocks = rows * columns / format.blockSize
        func half(_ range: ClosedRange<Float>) -> UInt16 {
            ReferenceKernels.halfBits(Float.random(in: range, using: &random))
        }
        for b in 0..<blocks {
            let block = bytes + b * format.bytesPerBlock
            switch format {
            case .f32:
                block.storeBytes(of: Float.random(in: -1...1, using: &random), as: Float.self)
            case .bf16:
                block.storeBytes(of: UInt16(truncatingIfNeeded: Float.random(in: -1...1, using: &random).bitPattern >> 16), as: UInt16.self)
            case .f16:
                block.storeBytes(of: half(-1...1), as: UInt16.self)
            case .q8_0:
                block.storeBytes(of: half(0.001...0.02), as: UInt16.self)
                for j in 0..<32 { block.storeBytes(of: Int8.random(in: .min ... .max, using: &random), toByteOffset: 2 + j, as: Int8.self) }
            case .q4_0:
                block.storeBytes(of: half(0.001...0.05), as: UInt16.self)
                for j in 0..<16 { block.storeBytes(of: UInt8.random(in: 0 ... 255, using: &random), toByteOffset: 2 + j, as: UInt8.self) }
            case .q4_1:
                block.storeBytes(of: half(0.001...0.05), as: UInt16.self)
                block.storeBytes(of: half(-0.4...0.1), toByteOffset: 2, as: UInt16.self)
                for j in 0..<16 { block.storeBytes(of: UInt8.random(in: 0 ... 255, using: &random), toByteOffset: 4 + j, as: UInt8.self) }
            case .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
                for j in 0..<format.bytesPerBlock {
                    block.storeBytes(of: UInt8.random(in: 0 ... 255, using: &random), toByteOffset: j, as: UInt8.self)
                }
                switch format {
                case .q5_0: block.storeBytes(of: half(0.001...0.05), as: UInt16.self)
                case .q5_1:
                    block.storeBytes(of: half(0.001...0.05), as: UInt16.self)
                    block.storeBytes(of: half(-0.4...0.1), toByteOffset: 2, as: UInt16.self)
                case .q4_K, .q5_K:
                    block.storeBytes(of: half(0.0005...0.003), as: UInt16.self)
                    block.storeBytes(of: half(0.0005...0.003), toByteOffset: 2, as: UInt16.self)
                case .q2_K:
                    block.storeBytes(of: half(0.0005...0.005), toByteOffset: 80, as: UInt16.self)
                    block.storeBytes(of: half(0.0005...0.005), toByteOffset: 82, as: UInt16.self)
                case .q3_K: block.storeBytes(of: half(0.0005...0.005), toByteOffset: 108, as: UInt16.self)
                default: block.storeBytes(of: half(0.0001...0.001), toByteOffset: 208, as: UInt16.self)
                }
            }
        }
        matrix = WeightMatrix(format: format, rows: rows, columns: columns, data: UnsafeRawPointer(bytes))
    }

    deinit { bytes.deallocate() }
}

/// Random activations shaped like a transformer's: mostly small, some large outliers.
func randomActivations(count: Int, seed: UInt64) -> [Float] {
    var random = SplitMix64(seed: seed)
    return (0..<count).map { _ in
        let x = Float.random(in: -1...1, using: &random)
        return Int.random(in: 0..<50, using: &random) == 0 ? x * 20 : x
    }
}

/// Expects `repacked` (a `RepackedWeights` view of `file`) to give exactly the products of the
/// file's layout with the AVX2 kernels, and, read by the portable backend (which reads the file's
/// layout of the same view), exactly the portable products of `file`.
func expectRepackedProductsEqualFileLayout(
    _ repacked: WeightMatrix, file: WeightMatrix, input: [Float], tokens: Int, pool: ComputePool, _ label: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    func product(_ matrix: WeightMatrix, _ backend: KernelBackend) -> [UInt32] {
        var output = [Float](repeating: .nan, count: tokens * file.rows)
        MatrixMultiply.multiply(matrix, input: input, tokens: tokens, output: &output, pool: pool, backend: backend)
        return output.map(\.bitPattern)
    }
    #expect(product(repacked, .avx2) == product(file, .avx2), "\(label)", sourceLocation: sourceLocation)
    #expect(product(repacked, .portable) == product(file, .portable), "\(label) (portable)", sourceLocation: sourceLocation)
}

/// Repacks each of `plain` that `RepackedWeights` takes, hands the matrices to `checkRepacked`
/// (for the test's own expectations of which were repacked), multiplies them as one group, and
/// expects each product to equal that matrix's own AVX2 product from the file's layout bit for bit.
func expectGroupedProductsEqualSeparate(
    _ plain: [RandomMatrix], tokens: Int, inputSeed: UInt64, pool: ComputePool, checkRepacked: ([WeightMatrix]) -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let owners = plain.map { RepackedWeights($0.matrix) }
    let matrices = zip(plain, owners).map { $1?.matrix ?? $0.matrix }
    checkRepacked(matrices)
    let columns = matrices[0].columns
    let input = randomActivations(count: tokens * columns, seed: inputSeed)
    let outputs = matrices.map { UnsafeMutablePointer<Float>.allocate(capacity: tokens * $0.rows) }
    defer { outputs.forEach { $0.deallocate() } }
    MatrixMultiply.multiply(matrices, input: input, tokens: tokens, outputs: outputs, pool: pool)
    for (random, output) in zip(plain, outputs) {
        var separate = [Float](repeating: .nan, count: tokens * random.matrix.rows)
        MatrixMultiply.multiply(random.matrix, input: input, tokens: tokens, output: &separate, pool: pool, backend: .avx2)
        #expect(Array(UnsafeBufferPointer(start: output, count: separate.count)).map(\.bitPattern) == separate.map(\.bitPattern),
                sourceLocation: sourceLocation)
    }
    withExtendedLifetime(owners) {}
}
