#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The matrix products of one decode step of the generated Qwen3 0.5B Q4_K_M model
/// (scripts/testmodels: 28 layers of q, k, v, o, gate, up, down, half the layers' v and down in
/// Q6_K, the tied 151,936-row Q6_K output projection): 390 MB of distinct weights, so they stream
/// from memory as in the real model. Timed on one thread by its CPU time (memory stalls included,
/// other processes on a shared machine not), ours as the engine loads them (Q4_K tiles, Q6_K
/// rearranged) and, with llama.cpp's library, its kernels on the same bytes in the same run.
enum QwenDecodeBenchmark {
    /// (rows, columns, Q6_K in the layers that keep it) of each layer's products, in order.
    static let layer: [(Int, Int, Bool)] = [
        (2048, 1024, false), (1024, 1024, false), (1024, 1024, true), (1024, 2048, false),
        (3072, 1024, false), (3072, 1024, false), (1024, 3072, true),
    ]
    static let layers = 28, vocabulary = 151_936, hidden = 1024

    /// Decode steps per second of the products alone: ours, and llama.cpp's where `reference` is given.
    static func run(reference: GGMLKernelReference?, seconds: Double) -> (ours: Double, theirs: Double?) {
        var shapes: [(WeightFormat, Int, Int)] = []
        for index in 0..<layers {
            for (rows, columns, keepsQ6K) in layer {
                shapes.append((keepsQ6K && index % 2 == 0 ? .q6_K : .q4_K, rows, columns))
            }
        }
        shapes.append((.q6_K, vocabulary, hidden))
        let sizes = shapes.map { $0.1 * $0.2 / 256 * $0.0.bytesPerBlock }
        let total = sizes.reduce(0, +)
        let storage = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 64)
        defer { storage.deallocate() }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for i in 0..<(total / 8) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            storage.storeBytes(of: state, toByteOffset: 8 * i, as: UInt64.self)
        }
        var matrices: [WeightMatrix] = []
        var offset = 0
        for ((format, rows, columns), size) in zip(shapes, sizes) {
            let base = storage + offset
            // Sane fp16 scales wherever either layout keeps them (the file's blocks; llama.cpp's
            // repacked Q4_K: 8 d then 8 dmin every 1152 bytes).
            if format == .q6_K {
                for b in 0..<(size / 210) { base.storeBytes(of: UInt16(0x2000), toByteOffset: 210 * b + 208, as: UInt16.self) }
            } else {
                for b in 0..<(size / 144) {
                    base.storeBytes(of: UInt32(0x2000_2000), toByteOffset: 144 * b, as: UInt32.self)
                }
                for t in 0..<(size / 1152) {
                    for i in 0..<16 { base.storeBytes(of: UInt16(0x2000), toByteOffset: 1152 * t + 2 * i, as: UInt16.self) }
                }
            }
            matrices.append(WeightMatrix(format: format, rows: rows, columns: columns, data: UnsafeRawPointer(base)))
            offset += size
        }
        let copies = matrices.map { RepackedWeights($0) }
        let engineMatrices = zip(matrices, copies).map { $1?.matrix ?? $0 }
        let pool = ComputePool(threadCount: 1)
        let widest = 3072
        let input = UnsafeMutablePointer<Float>.allocate(capacity: widest)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: vocabulary)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: widest / 256 * 292 + 4096, alignment: 64)
        defer { input.deallocate(); output.deallocate(); scratch.deallocate() }
        for i in 0..<widest { input[i] = Float(i % 97) / 97 - 0.5 }
        func best(_ step: () -> Void) -> Double {
            step()
            return 1 / BenchmarkTiming.fastest(seconds: seconds, clock: CLOCK_THREAD_CPUTIME_ID, step)
        }
        let ours = best {
            for matrix in engineMatrices {
                MatrixMultiply.multiply(matrix, input: input, tokens: 1, output: output, pool: pool)
            }
        }
        let theirs = reference.map { reference in
            best {
                for matrix in matrices {
                    reference.multiply(format: matrix.format, rows: matrix.rows, columns: matrix.columns, tokens: 1,
                                       weights: matrix.data, input: input, scratch: scratch, output: output)
                }
            }
        }
        withExtendedLifetime(copies) {}
        return (ours, theirs)
    }
}
