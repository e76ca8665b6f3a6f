import Kernels
import Testing

/// The tiled and the packed F32 products (encoder models) against a double-precision
/// reference, on shapes that leave partial register tiles and panels (rows not a multiple of 4
/// or 16, token counts not a multiple of 2 or 6, columns not a multiple of 8), on both backends.
struct FloatTiledMultiplyTests {
    @Test(arguments: [KernelBackend.avx2, .portable], [(rows: 13, columns: 37, tokens: 7), (rows: 64, columns: 384, tokens: 50), (rows: 5, columns: 8, tokens: 1), (rows: 40, columns: 20, tokens: 113)])
    func matchesTheReference(backend: KernelBackend, shape: (rows: Int, columns: Int, tokens: Int)) {
        for packed in [false, true] {
            check(backend: backend, shape: shape, packed: packed)
        }
    }

    func check(backend: KernelBackend, shape: (rows: Int, columns: Int, tokens: Int), packed: Bool) {
        var generator = SystemRandomNumberGenerator()
        let weights = (0..<(shape.rows * shape.columns)).map { _ in Float.random(in: -1...1, using: &generator) }
        let input = (0..<(shape.tokens * shape.columns)).map { _ in Float.random(in: -1...1, using: &generator) }
        var output = [Float](repeating: .nan, count: shape.tokens * shape.rows)
        let pool = ComputePool(threadCount: 3)
        weights.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            let matrix = WeightMatrix(format: .f32, rows: shape.rows, columns: shape.columns, data: base)
            input.withUnsafeBufferPointer { x in
                output.withUnsafeMutableBufferPointer { out in
                    guard let x = x.baseAddress, let out = out.baseAddress else { return }
                    if packed {
                        MatrixMultiply.multiply(PackedFloatMatrix(matrix), input: x, tokens: shape.tokens, output: out, pool: pool, backend: backend)
                    } else {
                        MatrixMultiply.multiplyFloatTiled(matrix, input: x, tokens: shape.tokens, output: out, pool: pool, backend: backend)
                    }
                }
            }
        }
        for t in 0..<shape.tokens {
            for r in 0..<shape.rows {
                var expected = 0.0
                for c in 0..<shape.columns { expected += Double(weights[r * shape.columns + c]) * Double(input[t * shape.columns + c]) }
                #expect(abs(Double(output[t * shape.rows + r]) - expected) < 1e-4, "row \(r) token \(t) packed \(packed)")
            }
        }
    }
}
