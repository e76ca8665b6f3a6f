/// Scalar, obviously-correct versions of the kernels, for tests to check the fast ones against.
public enum ReferenceKernels {
    /// Decodes one row of `weights` to floats.
    public static func dequantizeRow(_ weights: WeightMatrix, row: Int, into output: UnsafeMutablePointer<Float>) {
        let base = weights.rowPointer(row)
        let format = weights.format
        for b in 0..<weights.columns / format.blockSize {
            BlockDequantization.decode(format, base + b * format.bytesPerBlock, into: output + b * format.blockSize)
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
