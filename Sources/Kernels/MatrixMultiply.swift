import KernelsAVX2
import KernelsAVX512

/// Products of a weight matrix with one token's activations (decode) or many (prefill and
/// batched decode), split across a `ComputePool`.
///
/// Block-quantized weights multiply activations quantized to 8-bit blocks (as llama.cpp does),
/// so results differ from the exact product by that rounding: about 0.4% of each block's
/// largest activation, times the weights.
public enum MatrixMultiply {
    /// `output[t*rows + r] = sum_c W[r,c] * input[t*columns + c]` for `t` in `0..<tokens`.
    /// - Parameters:
    ///   - input: `tokens * weights.columns` floats.
    ///   - output: `tokens * weights.rows` floats; must not overlap `input`.
    ///   - backend: the implementation to use; `.best` unless testing.
    ///   - gemmTokens: how many of the first tokens llama.cpp would multiply with its 4-token gemm
    ///     kernel, which for repacked Q4_K weights rounds differently from its one-token gemv (see
    ///     `AVX2KQuants`). llama.cpp takes the first `n - n % 4` tokens of each batch of `n` that
    ///     way; nil means this call is one such batch. Other formats ignore it.
    public static func multiply(
        _ weights: WeightMatrix, input: UnsafePointer<Float>, tokens: Int,
        output: UnsafeMutablePointer<Float>, pool: ComputePool, backend: KernelBackend = .best, gemmTokens: Int? = nil
    ) {
        guard tokens > 0, weights.rows > 0 else { return }
        let backend = backend.resolved
        let gemm = gemmTokens ?? tokens - tokens % 4
        if weights.format.isBlockQuantized {
            multiplyQuantized(weights, input: input, tokens: tokens, output: output, pool: pool, backend: backend, gemmTokens: gemm)
        } else {
            multiplyFloat(weights, input: input, tokens: tokens, output: output, pool: pool, backend: backend)
        }
    }

    /// `output[t*rows + r] = sum_c W[r,c] * input[t*columns + c]` for F32 weights and many
    /// tokens (encoder models), in register tiles of several rows × tokens. Faster than
    /// `multiply` for a batch, but it sums in another order, so the llama-family engine,
    /// whose results must match llama.cpp's operation for operation, does not use it.
    /// - Parameter weights: an `.f32` matrix.
    public static func multiplyFloatTiled(
        _ weights: WeightMatrix, input: UnsafePointer<Float>, tokens: Int,
        output: UnsafeMutablePointer<Float>, pool: ComputePool, backend: KernelBackend = .best
    ) {
        guard tokens > 0, weights.rows > 0 else { return }
        guard weights.format == .f32 else {
            multiply(weights, input: input, tokens: tokens, output: output, pool: pool, backend: backend)
            return
        }
        let plan = TilePlan(rows: weights.rows, tokens: tokens, threads: pool.threadCount)
        let n = weights.columns
        let data = weights.data.assumingMemoryBound(to: Float.self)
        let backend = backend.resolved
        pool.parallelFor(plan.taskCount) { task in
            let (rows, tokenRange) = plan.task(task)
            #if arch(x86_64)
            if backend.usesAVX2 {
                AVX2FloatMatrixMultiply.multiply(
                    weights: data, rows: rows, input: input, tokens: tokenRange, columns: n, output: output,
                    outputStride: weights.rows)
                return
            }
            #endif
            for r in rows {
                for t in tokenRange {
                    output[t * weights.rows + r] = VectorOps.dot(data + r * n, input + t * n, count: n, backend: backend)
                }
            }
        }
    }

    /// One row of `weights` as floats (an embedding lookup).
    public static func dequantizeRow(_ weights: WeightMatrix, row: Int, into output: UnsafeMutablePointer<Float>) {
        #if arch(x86_64)
        if let rearranged = weights.q6KRows {
            Q6KRows.dequantizeRow(rearranged, row: row, blocks: weights.columns / 256, into: output)
            return
        }
        if let tiles = weights.rowTiles, weights.format == .q8_0, row < weights.tiledRows {
            // The file's block, restored from the tile, decoded as the file's rows are.
            withUnsafeTemporaryAllocation(byteCount: 34, alignment: 4) { block in
                guard let base = block.baseAddress else { return }
                for b in 0..<(weights.columns / 32) {
                    Q8_0Tiles.restoreBlock(tiles, blocks: weights.columns / 32, row: row, block: b, into: base)
                    BlockDequantization.decode(.q8_0, UnsafeRawPointer(base), into: output + 32 * b)
                }
            }
            return
        }
        #endif
        ReferenceKernels.dequantizeRow(weights, row: row, into: output)
    }

    /// Several products of the same input in one parallel region, quantizing the input once:
    /// `outputs[i][t*rows_i + r] = sum_c weights[i][r,c] * input[t*columns + c]`. For the
    /// projections that share an input (query/key/value, gate/up), this saves a region and a
    /// quantization per matrix, which matters when a decode step is made of small products.
    /// - Parameter weights: matrices with the same `columns`; `outputs` has one pointer for each.
    public static func multiply(
        _ weights: [WeightMatrix], input: UnsafePointer<Float>, tokens: Int,
        outputs: [UnsafeMutablePointer<Float>], pool: ComputePool, backend: KernelBackend = .best, gemmTokens: Int? = nil
    ) {
        let gemm = gemmTokens ?? tokens - tokens % 4
        let count = min(weights.count, outputs.count)
        guard count > 0, tokens > 0 else { return }
        let columns = weights[0].columns
        let superBlocks = weights[0].format.usesSuperBlocks
        let sameInput = weights.prefix(count).allSatisfy {
            $0.columns == columns && $0.format.isBlockQuantized && $0.format.usesSuperBlocks == superBlocks
        }
        guard sameInput else {
            for i in 0..<count {
                multiply(weights[i], input: input, tokens: tokens, output: outputs[i], pool: pool, backend: backend,
                         gemmTokens: gemm)
            }
            return
        }
        weights.withUnsafeBufferPointer { weights in
            outputs.withUnsafeBufferPointer { outputs in
                multiplyQuantized(UnsafeBufferPointer(rebasing: weights[0..<count]), input: input, tokens: tokens,
                                  outputs: UnsafeBufferPointer(rebasing: outputs[0..<count]), pool: pool,
                                  backend: backend.resolved, gemmTokens: gemm)
            }
        }
    }

    private static func multiplyQuantized(
        _ weights: WeightMatrix, input: UnsafePointer<Float>, tokens: Int,
        output: UnsafeMutablePointer<Float>, pool: ComputePool, backend: KernelBackend, gemmTokens: Int
    ) {
        withUnsafeTemporaryAllocation(of: WeightMatrix.self, capacity: 1) { matrices in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: 1) { outputs in
                matrices.initializeElement(at: 0, to: weights)
                outputs.initializeElement(at: 0, to: output)
                multiplyQuantized(UnsafeBufferPointer(matrices), input: input, tokens: tokens,
                                  outputs: UnsafeBufferPointer(outputs), pool: pool, backend: backend, gemmTokens: gemmTokens)
            }
        }
    }

    /// Quantizes the input once, then runs every matrix's tiles in one region.
    private static func multiplyQuantized(
        _ weights: UnsafeBufferPointer<WeightMatrix>, input: UnsafePointer<Float>, tokens: Int,
        outputs: UnsafeBufferPointer<UnsafeMutablePointer<Float>>, pool: ComputePool, backend: KernelBackend,
        gemmTokens: Int
    ) {
        let columns = weights[0].columns
        let superBlocks = weights[0].format.usesSuperBlocks
        let stride = superBlocks
            ? SuperBlockActivations.stride(blocks: columns / 256) : QuantizedActivations.stride(blocks: columns / 32)
        // Rearranged Q6_K matrices multiply the quants in their own order, tiled Q4_1 and Q8_0 ones
        // expanded to their vectors (`AVX2RowTiles.expandActivations`): made once per token.
        let permutedStride = superBlocks
            ? Q6KRows.activationStride(blocks: columns / 256) : AVX2RowTiles.expandedStride(blocks: columns / 32)
        let permute = superBlocks
            ? backend.usesAVX2 && weights.contains { $0.q6KRows != nil }
            : backend == .avx2 && weights.contains { $0.rowTiles != nil }
        pool.withScratch(bytes: stride * tokens + (permute ? permutedStride * tokens : 0)) { scratch, parallel in
            let permuted = permute ? scratch + stride * tokens : nil
            quantize(input, tokens: tokens, columns: columns, superBlocks: superBlocks, into: scratch,
                     permuted: permuted, parallel: parallel, backend: backend)
            let activations = UnsafeRawPointer(scratch)
            withUnsafeTemporaryAllocation(of: TilePlan.self, capacity: weights.count) { plans in
                var taskCount = 0
                for (i, matrix) in weights.enumerated() {
                    let plan = TilePlan(rows: matrix.rows, tokens: tokens, threads: parallel.width,
                                        rowMultiple: matrix.q4KTiles != nil && backend.usesAVX2 ? 8 : 4)
                    plans.initializeElement(at: i, to: plan)
                    taskCount += plan.taskCount
                }
                let plans = UnsafeBufferPointer(plans)
                parallel(taskCount) { task in
                    var matrix = 0
                    var index = task
                    while index >= plans[matrix].taskCount {
                        index -= plans[matrix].taskCount
                        matrix += 1
                    }
                    let (rows, tokenRange) = plans[matrix].task(index)
                    compute(weights[matrix], rows: rows, tokens: tokenRange, activations: activations, stride: stride,
                            permuted: permuted.map(UnsafeRawPointer.init), output: outputs[matrix], backend: backend,
                            gemmTokens: gemmTokens, tiled: tokens >= tiledMinimumTokens)
                }
            }
        }
    }

    /// Quantizes each token's row into `scratch`; with `permuted`, also writes each token's quants
    /// in `Q6KRows`' order there (rows `Q6KRows.activationStride` apart), or for blocks of 32 as
    /// `AVX2RowTiles.expandActivations` expands them (rows `AVX2RowTiles.expandedStride` apart).
    private static func quantize(
        _ input: UnsafePointer<Float>, tokens: Int, columns: Int, superBlocks: Bool, into scratch: UnsafeMutableRawPointer,
        permuted: UnsafeMutableRawPointer? = nil, parallel: ParallelRunner, backend: KernelBackend
    ) {
        let blocks = columns / 32
        let stride = superBlocks
            ? SuperBlockActivations.stride(blocks: columns / 256) : QuantizedActivations.stride(blocks: blocks)
        let quantizeToken = { (t: Int) in
            if superBlocks {
                #if arch(x86_64)
                if backend.usesAVX2 {
                    AVX2KQuants.quantizeRow(input + t * columns, blocks: columns / 256, into: scratch + t * stride)
                    if let permuted {
                        Q6KRows.permuteActivations(scratch + t * stride, blocks: columns / 256,
                                                   into: permuted + t * Q6KRows.activationStride(blocks: columns / 256))
                    }
                    return
                }
                #endif
                SuperBlockActivations.quantizeRow(input + t * columns, blocks: columns / 256, into: scratch + t * stride)
                return
            }
            #if arch(x86_64)
            if backend.usesAVX2 {
                AVX2Quantizer.quantizeRow(input + t * columns, blocks: blocks, into: scratch + t * stride)
                if let permuted {
                    AVX2RowTiles.expandActivations(scratch + t * stride, blocks: blocks,
                                                   into: permuted + t * AVX2RowTiles.expandedStride(blocks: blocks))
                }
                return
            }
            #endif
            PortableKernels.quantizeRow(input + t * columns, blocks: blocks, into: scratch + t * stride)
        }
        if tokens >= 16 {
            let chunk = 8
            parallel((tokens + chunk - 1) / chunk) { task in
                for t in (task * chunk)..<min(tokens, task * chunk + chunk) { quantizeToken(t) }
            }
        } else {
            for t in 0..<tokens { quantizeToken(t) }
        }
    }

    /// llama.cpp (0c1e570) multiplies K-quantized weights that are not repacked (Q6_K on AVX2)
    /// with its tiled kernel (ggml-cpu/tiled) once a product has this many tokens: one exact
    /// integer sum per super-block, then `acc = fma(d_w · sum, d_a, acc)` block by block, which
    /// rounds differently from `ggml_vec_dot_q6_K_q8_K`.
    static let tiledMinimumTokens = 8

    private static func compute(
        _ weights: WeightMatrix, rows: Range<Int>, tokens: Range<Int>, activations: UnsafeRawPointer, stride: Int,
        permuted: UnsafeRawPointer?, output: UnsafeMutablePointer<Float>, backend: KernelBackend, gemmTokens: Int,
        tiled: Bool
    ) {
        if weights.format.usesSuperBlocks {
            computeSuperBlocks(weights, rows: rows, tokens: tokens, activations: activations, stride: stride,
                               permuted: permuted, output: output, backend: backend, gemmTokens: gemmTokens, tiled: tiled)
            return
        }
        let blocks = weights.columns / 32
        #if arch(x86_64)
        if backend.usesAVX2 {
            let kind: AVX2BlockKind = switch weights.format {
            case .q4_0: .q4_0
            case .q4_1: .q4_1
            case .q5_0: .q5_0
            case .q5_1: .q5_1
            default: .q8_0
            }
            if backend == .avx2, let tiles = weights.rowTiles, let permuted {
                AVX2RowTiles.multiply(
                    kind: kind, tiles: tiles, tiledRows: weights.tiledRows, weights: weights.data,
                    rowBytes: weights.rowByteCount, rows: rows, activations: activations, activationStride: stride,
                    expanded: permuted, tokens: tokens, blocks: blocks, output: output, outputStride: weights.rows)
                return
            }
            if backend == .avx512 {
                AVX512MatrixMultiply.multiply(
                    kind: kind, weights: weights.data, rowBytes: weights.rowByteCount, rows: rows,
                    activations: activations, activationStride: stride, tokens: tokens, blocks: blocks,
                    output: output, outputStride: weights.rows)
                return
            }
            AVX2MatrixMultiply.multiply(
                kind: kind, weights: weights.data, rowBytes: weights.rowByteCount, rows: rows,
                activations: activations, activationStride: stride, tokens: tokens, blocks: blocks,
                output: output, outputStride: weights.rows)
            return
        }
        #endif
        for t in tokens {
            let a = activations + t * stride
            for r in rows {
                output[t * weights.rows + r] = PortableKernels.dot(
                    format: weights.format, row: weights.rowPointer(r), activations: a, blocks: blocks)
            }
        }
    }

    /// The K formats' products against Q8_K activations.
    private static func computeSuperBlocks(
        _ weights: WeightMatrix, rows: Range<Int>, tokens: Range<Int>, activations: UnsafeRawPointer, stride: Int,
        permuted: UnsafeRawPointer?, output: UnsafeMutablePointer<Float>, backend: KernelBackend, gemmTokens: Int,
        tiled: Bool
    ) {
        let blocks = weights.columns / 256
        #if arch(x86_64)
        if backend == .avx512, let rearranged = weights.q6KRows, let permuted {
            AVX512Q6KRows.multiply(
                weights: rearranged, blocks: blocks, rows: rows, activations: activations, activationStride: stride,
                permuted: permuted, tokens: tokens, output: output, outputStride: weights.rows, tiled: tiled)
            return
        }
        if backend.usesAVX2, let rearranged = weights.q6KRows, let permuted {
            AVX2Q6KRows.multiply(
                weights: rearranged, blocks: blocks, rows: rows, activations: activations, activationStride: stride,
                permuted: permuted, tokens: tokens, output: output, outputStride: weights.rows, tiled: tiled)
            return
        }
        if backend == .avx512, let tiles = weights.q4KTiles {
            AVX512Q4KTiles.multiply(
                tiles: tiles, blocks: blocks, rows: rows, activations: activations, activationStride: stride,
                tokens: tokens, output: output, outputStride: weights.rows, gemmTokens: gemmTokens)
            return
        }
        if backend.usesAVX2, let tiles = weights.q4KTiles {
            AVX2Q4KTiles.multiply(
                tiles: tiles, blocks: blocks, rows: rows, activations: activations, activationStride: stride,
                tokens: tokens, output: output, outputStride: weights.rows, gemmTokens: gemmTokens)
            return
        }
        if backend.usesAVX2 {
            let kind: AVX2KQuants.Kind = switch weights.format {
            case .q2_K: .q2_K
            case .q3_K: .q3_K
            case .q6_K: .q6_K
            case .q5_K: .q5_K
            default: weights.repackedInLlama ? .q4_K : .q4_KVecDot
            }
            AVX2KQuants.multiply(
                kind: kind, weights: weights.data, rowBytes: weights.rowByteCount, rows: rows,
                activations: activations, activationStride: stride, tokens: tokens, blocks: blocks,
                output: output, outputStride: weights.rows, gemmTokens: gemmTokens, tiled: tiled)
            return
        }
        #endif
        for t in tokens {
            let a = activations + t * stride
            for r in rows {
                output[t * weights.rows + r] = PortableKQuants.dot(
                    format: weights.format, row: weights.rowPointer(r), activations: a, blocks: blocks,
                    grouped: t < gemmTokens, repacked: weights.repackedInLlama, tiled: tiled)
            }
        }
    }

    private static func multiplyFloat(
        _ weights: WeightMatrix, input: UnsafePointer<Float>, tokens: Int,
        output: UnsafeMutablePointer<Float>, pool: ComputePool, backend: KernelBackend
    ) {
        if weights.format == .bf16 {
            multiplyBF16(weights, input: input, tokens: tokens, output: output, pool: pool, backend: backend)
            return
        }
        let plan = TilePlan(rows: weights.rows, tokens: tokens, threads: pool.threadCount)
        let n = weights.columns
        if weights.format == .f32 {
            // llama.cpp's two F32 kernels (GGMLFloat32), so F32 models round as they do there; the
            // portable set computes the same in plain Swift (PortableFloat32).
            let prompt = GGMLFloat32.usesPromptKernel(tokens: tokens, rows: weights.rows, columns: n)
            typealias RowDot = (UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Float
            var rowDot: RowDot = prompt ? { PortableFloat32.dotPrompt($0, $1, count: $2) } : { PortableFloat32.dotDecode($0, $1, count: $2) }
            #if arch(x86_64)
            if backend.usesAVX2 {
                rowDot = prompt ? { GGMLFloat32.dotPromptAVX2($0, $1, count: $2) } : { GGMLFloat32.dotDecodeAVX2($0, $1, count: $2) }
            }
            #endif
            pool.parallelFor(plan.taskCount) { task in
                let (rows, tokenRange) = plan.task(task)
                for r in rows {
                    let row = weights.rowPointer(r).assumingMemoryBound(to: Float.self)
                    for t in tokenRange {
                        output[t * weights.rows + r] = rowDot(row, input + t * n, n)
                    }
                }
            }
            return
        }
        pool.parallelFor(plan.taskCount) { task in
            let (rows, tokenRange) = plan.task(task)
            for r in rows {
                let row = weights.rowPointer(r).assumingMemoryBound(to: UInt16.self)
                for t in tokenRange {
                    output[t * weights.rows + r] = VectorOps.dotF16(input + t * n, row, count: n, backend: backend)
                }
            }
        }
    }

    /// BF16 weights: activations rounded to BF16, then llama.cpp's decode or prompt kernel (`GGMLBF16`).
    private static func multiplyBF16(
        _ weights: WeightMatrix, input: UnsafePointer<Float>, tokens: Int,
        output: UnsafeMutablePointer<Float>, pool: ComputePool, backend: KernelBackend
    ) {
        let n = weights.columns
        let prompt = GGMLBF16.usesPromptKernel(tokens: tokens, count: n)
        let rounded = (0..<(tokens * n)).map { GGMLBF16.fromFloat(input[$0]) }
        rounded.withUnsafeBufferPointer { rounded in
            guard let x0 = rounded.baseAddress else { return }
            let plan = TilePlan(rows: weights.rows, tokens: tokens, threads: pool.threadCount)
            pool.parallelFor(plan.taskCount) { task in
                let (rows, tokenRange) = plan.task(task)
                for r in rows {
                    let row = weights.rowPointer(r).assumingMemoryBound(to: UInt16.self)
                    for t in tokenRange {
                        output[t * weights.rows + r] = PortableKernels.dotBF16(
                            row, x0 + t * n, count: n, prompt: prompt, backend: backend)
                    }
                }
            }
        }
    }
}
