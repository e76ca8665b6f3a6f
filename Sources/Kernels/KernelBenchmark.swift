#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures the quantized products in GFLOP/s (2 × rows × columns × tokens per product), for
/// comparing builds and machines. Run it from an optimized build on an otherwise idle machine.
public enum KernelBenchmark {
    /// Runs every case, each for about `secondsPerCase`, and returns GFLOP/s per case name,
    /// e.g. `"q4_1 1536x576 tokens=1 threads=2 avx2"`. With `ggmlLibrary` (the path of an AVX2
    /// `libggml-cpu.so` of llama.cpp 0c1e570), Gemma's product shapes are also timed with llama.cpp's
    /// own kernels in the same run, as `"llama.cpp gemma …"` and `"ratio gemma …"` (ours / theirs).
    public static func run(secondsPerCase: Double = 0.3, ggmlLibrary: String? = nil) throws(KernelReferenceError) -> [String: Double] {
        let reference = try ggmlLibrary.map { path throws(KernelReferenceError) in try GGMLKernelReference(path: path) }
        var results: [String: Double] = [:]
        let pools = [1: ComputePool(threadCount: 1), 2: ComputePool(threadCount: 2)]
        let backends = KernelBackend.allCases.reversed().filter(\.isSupported)
        let shapes = [(1536, 576), (576, 1536)]
        for backend in backends {
            for (rows, columns) in shapes {
                for threads in [1, 2] {
                    for tokens in [1, 16, 64, 512] where backend.usesAVX2 || tokens == 1 {
                        guard let pool = pools[threads] else { continue }
                        let name = "q4_1 \(rows)x\(columns) tokens=\(tokens) threads=\(threads) \(backend)"
                        results[name] = measure(format: .q4_1, rows: rows, columns: columns, tokens: tokens,
                                                pool: pool, backend: backend, seconds: secondsPerCase)
                        // The file's layout beside the 4-row tiles the AVX2 set loads (`Q4_1Tiles`): same run.
                        if backend == .avx2 && KernelBackend.best == .avx2 {
                            let plain = measure(format: .q4_1, rows: rows, columns: columns, tokens: tokens,
                                                pool: pool, backend: backend, seconds: secondsPerCase, repack: false)
                            results[name + " file-layout"] = plain
                            results["ratio tiles/file-layout " + name] = (results[name] ?? 0) / plain
                        }
                    }
                }
            }
        }
        // Gemma 3 270M's products (Q4_K_M file): feed-forward gate/up in Q5_0 (Q8_0 beside it for
        // scale), feed-forward down in Q4_K or Q6_K; one token (decode) and a 64-token prompt chunk.
        for tokens in [1, 64] {
            for (format, rows, columns) in gemmaShapes {
                let shape = "\(format.name) \(rows)x\(columns) tokens=\(tokens) threads=1"
                let ours = measure(format: format, rows: rows, columns: columns, tokens: tokens,
                                   pool: pools[1] ?? ComputePool(threadCount: 1), backend: .best, seconds: secondsPerCase)
                results["gemma \(shape) \(KernelBackend.best)"] = ours
                if let reference, GGMLKernelReference.formats.contains(format) {
                    let theirs = measure(format: format, rows: rows, columns: columns, tokens: tokens,
                                         reference: reference, seconds: secondsPerCase)
                    results["llama.cpp gemma \(shape)"] = theirs
                    results["ratio gemma \(shape)"] = ours / theirs
                }
            }
        }
        // The decode products of the generated Qwen3 0.5B Q4_K_M model (scripts/testmodels): its
        // tied Q6_K output projection (151,936 rows, 128 MB, streamed from memory every token), a
        // Q6_K feed-forward down and Q4_K gate/up projections; one token, one thread (CPU time).
        for (format, rows, columns) in qwenShapes {
            let shape = "\(format.name) \(rows)x\(columns) tokens=1 threads=1"
            let ours = measure(format: format, rows: rows, columns: columns, tokens: 1,
                               pool: pools[1] ?? ComputePool(threadCount: 1), backend: .best, seconds: secondsPerCase)
            results["qwen3 \(shape) \(KernelBackend.best)"] = ours
            if let reference {
                let theirs = measure(format: format, rows: rows, columns: columns, tokens: 1,
                                     reference: reference, seconds: secondsPerCase)
                results["llama.cpp qwen3 \(shape)"] = theirs
                results["ratio qwen3 \(shape)"] = ours / theirs
            }
        }
        // A whole Qwen3 0.5B decode step's products, streamed from memory.
        let qwen = QwenDecodeBenchmark.run(reference: reference, seconds: secondsPerCase * 5)
        results["qwen3 decode products tokens/s threads=1 \(KernelBackend.best)"] = qwen.ours
        if let theirs = qwen.theirs {
            results["llama.cpp qwen3 decode products tokens/s threads=1"] = theirs
            results["ratio qwen3 decode products threads=1"] = qwen.ours / theirs
        }
        // The tied output projection (embedding matrix): large enough to be memory-bound.
        for (threads, pool) in pools.sorted(by: { $0.key < $1.key }) {
            results["q8_0 49152x576 tokens=1 threads=\(threads) \(KernelBackend.best)"] = measure(
                format: .q8_0, rows: 49152, columns: 576, tokens: 1, pool: pool, backend: .best, seconds: secondsPerCase)
        }
        for (threads, pool) in pools.sorted(by: { $0.key < $1.key }) {
            let name = "smollm2 decode products tokens/s threads=\(threads) \(KernelBackend.best)"
            let ours = decodeProductsPerSecond(pool: pool, seconds: secondsPerCase * 3)
            results[name] = ours
            if KernelBackend.best == .avx2 {
                let plain = decodeProductsPerSecond(pool: pool, seconds: secondsPerCase * 3, repack: false)
                results[name + " file-layout"] = plain
                results["ratio tiles/file-layout " + name] = ours / plain
            }
        }
        results.merge(batchedDecodeSteps(secondsPerCase: secondsPerCase, pools: pools)) { $1 }
        return results
    }

    /// A 16-stream decode step's products (one row per stream) on 1 and 2 threads, streamed from
    /// memory as in the engine: tokens per second (rows × steps).
    public static func batchedDecodeSteps(secondsPerCase: Double = 0.3, pools: [Int: ComputePool]? = nil) -> [String: Double] {
        let pools = pools ?? [1: ComputePool(threadCount: 1), 2: ComputePool(threadCount: 2)]
        var results: [String: Double] = [:]
        for (threads, pool) in pools.sorted(by: { $0.key < $1.key }) {
            results["smollm2 16-row decode step products tokens/s threads=\(threads) \(KernelBackend.best)"] =
                decodeProductsPerSecond(pool: pool, seconds: secondsPerCase * 3, tokens: 16)
        }
        return results
    }

    /// Gemma 3 270M's product shapes by weight format (scripts/ggml-reference/kquant_speed.c
    /// times llama.cpp's kernels on the same ones).
    static let gemmaShapes: [(WeightFormat, Int, Int)] = [
        (.q5_0, 2048, 640), (.q8_0, 2048, 640), (.q4_K, 640, 2048), (.q6_K, 640, 2048),
    ]

    /// Decode product shapes of the generated Qwen3 0.5B Q4_K_M model.
    static let qwenShapes: [(WeightFormat, Int, Int)] = [(.q6_K, 151_936, 1024), (.q6_K, 1024, 3072), (.q4_K, 3072, 1024)]

    /// Tokens per second of a SmolLM2-135M decode step's matrix products alone (30 layers of
    /// grouped q/k/v, o, grouped gate/up and down in Q4_1, then the Q8_0 output projection),
    /// with every layer's weights distinct so they stream from memory as in a real model.
    /// One thread is timed by its CPU time (memory stalls included), more by the wall clock.
    /// With `repack`, the Q4_1 matrices are tiled as the engine loads them (`RepackedWeights`).
    /// With `tokens` > 1, a batched decode step of that many rows (one per stream); the rate is then
    /// steps per second times `tokens`.
    static func decodeProductsPerSecond(pool: ComputePool, seconds: Double, repack: Bool = true, tokens: Int = 1) -> Double {
        let layers = 30, hidden = 576, kv = 192, ffn = 1536, vocabulary = 49152
        let shapes = [(hidden, hidden), (kv, hidden), (kv, hidden), (hidden, hidden), (ffn, hidden), (ffn, hidden), (hidden, ffn)]
        let layerBytes = shapes.reduce(0) { $0 + $1.0 * $1.1 / 32 * 20 }
        let outputBytes = vocabulary * hidden / 32 * 34
        let storage = UnsafeMutableRawPointer.allocate(byteCount: layers * layerBytes + outputBytes, alignment: 64)
        defer { storage.deallocate() }
        var state: UInt32 = 99
        for i in 0..<(layers * layerBytes + outputBytes) {
            state = state &* 1_664_525 &+ 1_013_904_223
            storage.storeBytes(of: UInt8(truncatingIfNeeded: state >> 24), toByteOffset: i, as: UInt8.self)
        }
        var matrices: [[WeightMatrix]] = []
        var owners: [RepackedWeights] = []
        defer { withExtendedLifetime(owners) {} }
        var offset = 0
        for _ in 0..<layers {
            var layer: [WeightMatrix] = []
            for (rows, columns) in shapes {
                let matrix = WeightMatrix(format: .q4_1, rows: rows, columns: columns, data: UnsafeRawPointer(storage + offset))
                for b in 0..<(rows * columns / 32) { storage.storeBytes(of: UInt16(0x2000), toByteOffset: offset + 20 * b, as: UInt16.self) }
                if repack, let copy = RepackedWeights(matrix) {
                    owners.append(copy)
                    layer.append(copy.matrix)
                } else {
                    layer.append(matrix)
                }
                offset += rows * columns / 32 * 20
            }
            matrices.append(layer)
        }
        for b in 0..<(vocabulary * hidden / 32) { storage.storeBytes(of: UInt16(0x2000), toByteOffset: offset + 34 * b, as: UInt16.self) }
        let output = WeightMatrix(format: .q8_0, rows: vocabulary, columns: hidden, data: UnsafeRawPointer(storage + offset))
        let x = UnsafeMutablePointer<Float>.allocate(capacity: ffn * tokens)
        let buffers = (0..<4).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: ffn * tokens) }
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: vocabulary * tokens)
        defer { x.deallocate(); buffers.forEach { $0.deallocate() }; logits.deallocate() }
        for i in 0..<(ffn * tokens) { x[i] = Float(i % 31) / 31 - 0.5 }
        let qkv = [buffers[0], buffers[1], buffers[2]]
        let gateUp = [buffers[0], buffers[1]]
        func step() {
            for layer in matrices {
                MatrixMultiply.multiply(Array(layer[0..<3]), input: x, tokens: tokens, outputs: qkv, pool: pool)
                MatrixMultiply.multiply(layer[3], input: x, tokens: tokens, output: buffers[3], pool: pool)
                MatrixMultiply.multiply(Array(layer[4..<6]), input: x, tokens: tokens, outputs: gateUp, pool: pool)
                MatrixMultiply.multiply(layer[6], input: x, tokens: tokens, output: buffers[3], pool: pool)
            }
            MatrixMultiply.multiply(output, input: x, tokens: tokens, output: logits, pool: pool)
        }
        step()
        let clock = pool.threadCount == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC
        return Double(tokens) / BenchmarkTiming.fastest(seconds: seconds, clock: clock, step)
    }

    /// GFLOP/s of the best of several timed batches of one product (wall time; CPU time for one thread).
    static func measure(
        format: WeightFormat, rows: Int, columns: Int, tokens: Int, pool: ComputePool, backend: KernelBackend, seconds: Double,
        repack: Bool = true
    ) -> Double {
        let matrixBytes = rows * columns / format.blockSize * format.bytesPerBlock
        let weights = UnsafeMutableRawPointer.allocate(byteCount: matrixBytes, alignment: 64)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: tokens * columns)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: tokens * rows)
        defer { weights.deallocate(); input.deallocate(); output.deallocate() }
        var state: UInt32 = 12345
        for i in 0..<matrixBytes {
            state = state &* 1_664_525 &+ 1_013_904_223
            weights.storeBytes(of: UInt8(truncatingIfNeeded: state >> 24), toByteOffset: i, as: UInt8.self)
        }
        // Sane scales: every block's scale halves are small positive numbers (0x2000 ≈ 0.0078).
        if format.isBlockQuantized {
            for b in 0..<(matrixBytes / format.bytesPerBlock) {
                let block = weights + b * format.bytesPerBlock
                switch format {
                case .q6_K: block.storeBytes(of: UInt16(0x2000), toByteOffset: 208, as: UInt16.self)
                case .q3_K: block.storeBytes(of: UInt16(0x2000), toByteOffset: 108, as: UInt16.self)
                case .q2_K:
                    block.storeBytes(of: UInt16(0x2000), toByteOffset: 80, as: UInt16.self)
                    block.storeBytes(of: UInt16(0x2000), toByteOffset: 82, as: UInt16.self)
                case .q4_K, .q5_K:
                    block.storeBytes(of: UInt16(0x2000), as: UInt16.self)
                    block.storeBytes(of: UInt16(0x2000), toByteOffset: 2, as: UInt16.self)
                default: block.storeBytes(of: UInt16(0x2000), as: UInt16.self)
                }
            }
        }
        for i in 0..<(tokens * columns) { input[i] = Float(i % 97) / 97 - 0.5 }
        let plain = WeightMatrix(format: format, rows: rows, columns: columns, data: UnsafeRawPointer(weights))
        // As the engine loads it: Q4_K repacked into 8-row tiles, Q4_1 into 4-row ones, Q6_K rearranged.
        let repacked = repack ? RepackedWeights(plain) : nil
        let matrix = repacked?.matrix ?? plain
        let flops = 2 * Double(rows) * Double(columns) * Double(tokens)
        MatrixMultiply.multiply(matrix, input: input, tokens: tokens, output: output, pool: pool, backend: backend)
        // Short batches, best of many: on a shared machine some batches run undisturbed.
        let repetitions = max(1, Int(2e7 / flops))
        // One thread: its CPU time, which other processes on a shared machine do not inflate.
        let clock = pool.threadCount == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC
        let best = BenchmarkTiming.fastest(seconds: seconds, clock: clock, repetitions: repetitions) {
            MatrixMultiply.multiply(matrix, input: input, tokens: tokens, output: output, pool: pool, backend: backend)
        }
        return flops / best / 1e9
    }

    /// GFLOP/s of llama.cpp's kernel for the same product, one thread, timed as `measure` times ours.
    static func measure(
        format: WeightFormat, rows: Int, columns: Int, tokens: Int, reference: GGMLKernelReference, seconds: Double
    ) -> Double {
        let matrixBytes = rows * columns / format.blockSize * format.bytesPerBlock
        let weights = UnsafeMutableRawPointer.allocate(byteCount: matrixBytes, alignment: 64)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: tokens * columns)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: tokens * rows)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: tokens * (columns / 32 + 1) * 40 + 4096, alignment: 64)
        defer { weights.deallocate(); input.deallocate(); output.deallocate(); scratch.deallocate() }
        var state: UInt32 = 12345
        for i in 0..<matrixBytes {
            state = state &* 1_664_525 &+ 1_013_904_223
            weights.storeBytes(of: UInt8(truncatingIfNeeded: state >> 24), toByteOffset: i, as: UInt8.self)
        }
        // Sane scale halves where each layout keeps them (Q4_K repacked: 8 d then 8 dmin per 1152 bytes).
        let block = format == .q4_K ? 1152 : format.bytesPerBlock
        for b in 0..<(matrixBytes / block) {
            let base = weights + b * block
            switch format {
            case .q4_K: for i in 0..<16 { base.storeBytes(of: UInt16(0x2000), toByteOffset: 2 * i, as: UInt16.self) }
            case .q6_K: base.storeBytes(of: UInt16(0x2000), toByteOffset: 208, as: UInt16.self)
            default: base.storeBytes(of: UInt16(0x2000), as: UInt16.self)
            }
        }
        for i in 0..<(tokens * columns) { input[i] = Float(i % 97) / 97 - 0.5 }
        let flops = 2 * Double(rows) * Double(columns) * Double(tokens)
        func run() {
            reference.multiply(format: format, rows: rows, columns: columns, tokens: tokens, weights: weights,
                               input: input, scratch: scratch, output: output)
        }
        run()
        let repetitions = max(1, Int(2e7 / flops))
        let best = BenchmarkTiming.fastest(
            seconds: seconds, clock: CLOCK_THREAD_CPUTIME_ID, repetitions: repetitions, run)
        return flops / best / 1e9
    }
}
