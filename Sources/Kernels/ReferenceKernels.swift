/// Scalar, obviously-correct versions of the kernels, for tests to check the fast ones against.
public enum ReferenceKernels {
    /// Decodes one row of `weights` to floats.
    public static func dequantizeRow(_ weights: WeightMatrix, row: Int, into output: UnsafeMutablePointer<Float>) {
        let base = weights.rowPointer(row)
        let n = weights.columns
        switch weights.format {
        case .f32:
            for c in 0..<n { output[c] = base.loadUnaligned(fromByteOffset: 4 * c, as: Float.self) }
        case .f16:
            for c in 0..<n { output[c] = Half.toFloat(base.loadUnaligned(fromByteOffset: 2 * c, as: UInt16.self)) }
        case .q8_0:
            for b in 0..<n / 32 {
                let block = base + b * 34
                let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
                for j in 0..<32 {
                    output[b * 32 + j] = Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) * d
                }
            }
        case .q4_0:
            for b in 0..<n / 32 {
                let block = base + b * 18
                let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
                for j in 0..<16 {
                    let byte = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                    output[b * 32 + j] = (Float(byte & 0x0F) - 8) * d
                    output[b * 32 + j + 16] = (Float(byte >> 4) - 8) * d
                }
            }
        case .q4_1:
            for b in 0..<n / 32 {
                let block = base + b * 20
                let d = Half.toFloat(block.loadUnaligned(as: UInt16.self))
                let m = Half.toFloat(block.loadUnaligned(fromByteOffset: 2, as: UInt16.self))
                for j in 0..<16 {
                    let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                    output[b * 32 + j] = Float(byte & 0x0F) * d + m
                    output[b * 32 + j + 16] = Float(byte >> 4) * d + m
                }
            }
        }
    }

    /// `output[t*rows + r] = sum_c W[r,c] * input[t*columns + c]`, accumulated in Double.
    public static func multiply(
        _ weights: WeightMatrix, input: UnsafePointer<Float>, tokens: Int, output: UnsafeMutablePointer<Float>
    ) {
        let n = weights.columns
        let row = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { row.deallocate() }
        for r in 0..<weights.rows {
            dequantizeRow(weights, row: r, into: row)
            for t in 0..<tokens {
                var sum = 0.0
                for c in 0..<n { sum += Double(row[c]) * Double(input[t * n + c]) }
                output[t * weights.rows + r] = Float(sum)
            }
        }
    }

    /// Half bits for a float (round to nearest even), e.g. to build test data.
    public static func halfBits(_ value: Float) -> UInt16 { Half.fromFloat(value) }

    /// The float that half bits stand for.
    public static func float(halfBits: UInt16) -> Float { Half.toFloat(halfBits) }
}
