import KernelsAVX2

/// An F32 weight matrix copied into panels of 16 rows (`[column][16]` per panel, the last
/// panel zero-padded): the layout the AVX2 outer-product kernel reads for batched products
/// (encoder models). The original matrix is kept for the portable path.
public final class PackedFloatMatrix: @unchecked Sendable {
    // Safety: `data` is written once in init and only read afterwards.
    public let original: WeightMatrix
    let data: UnsafeMutablePointer<Float>
    let panels: Int

    /// Packs `matrix`, which must be `.f32`.
    public init(_ matrix: WeightMatrix) {
        original = matrix
        let panelRows = 16
        panels = (matrix.rows + panelRows - 1) / panelRows
        let count = max(1, panels * matrix.columns * panelRows)
        data = .allocate(capacity: count)
        data.initialize(repeating: 0, count: count)
        let source = matrix.data.assumingMemoryBound(to: Float.self)
        for row in 0..<matrix.rows {
            let panel = data + (row / panelRows) * matrix.columns * panelRows
            let lane = row % panelRows
            for column in 0..<matrix.columns {
                panel[column * panelRows + lane] = source[row * matrix.columns + column]
            }
        }
    }

    deinit {
        data.deallocate()
    }

    public var rows: Int { original.rows }
    public var columns: Int { original.columns }
}

extension MatrixMultiply {
    /// `output[t*rows + r] = sum_c W[r,c] * input[t*columns + c]` for a packed F32 matrix and
    /// many tokens: the outer-product kernel on AVX2, `multiplyFloatTiled` elsewhere.
    public static func multiply(
        _ matrix: PackedFloatMatrix, input: UnsafePointer<Float>, tokens: Int, output: UnsafeMutablePointer<Float>,
        pool: ComputePool, backend: KernelBackend = .best
    ) {
        guard tokens > 0, matrix.rows > 0 else { return }
        let backend = backend.resolved
        #if arch(x86_64)
        if backend.usesAVX2 {
            // Tasks of a few panels × up to 48 tokens, enough for the threads to balance.
            let tokensPerTask = 48
            let tokenTasks = (tokens + tokensPerTask - 1) / tokensPerTask
            let panelsPerTask = max(1, min(4, matrix.panels * tokenTasks / max(1, pool.threadCount * 4)))
            let panelTasks = (matrix.panels + panelsPerTask - 1) / panelsPerTask
            let data = UnsafePointer(matrix.data)
            let rows = matrix.rows
            let columns = matrix.columns
            pool.parallelFor(panelTasks * tokenTasks) { task in
                let panelTask = task / tokenTasks
                let tokenTask = task % tokenTasks
                let panelStart = panelTask * panelsPerTask
                let tokenStart = tokenTask * tokensPerTask
                AVX2PackedFloatMultiply.multiply(
                    packed: data, rows: rows, columns: columns,
                    panels: panelStart..<min(matrix.panels, panelStart + panelsPerTask), input: input,
                    tokens: tokenStart..<min(tokens, tokenStart + tokensPerTask), output: output, outputStride: rows)
            }
            return
        }
        #endif
        multiplyFloatTiled(matrix.original, input: input, tokens: tokens, output: output, pool: pool, backend: backend)
    }
}
