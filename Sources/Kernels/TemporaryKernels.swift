// TEMPORARY stand-in for the kernels branch (deleted when it merges): the same public API,
// scalar and single-threaded, so the engine can be written and checked meanwhile.
import Foundation

public enum WeightFormat: Sendable { case f32, f16, q8_0, q4_0, q4_1 }

public struct WeightMatrix: @unchecked Sendable {
    public let format: WeightFormat
    public let rows: Int
    public let columns: Int
    public let data: UnsafeRawPointer
    public init(format: WeightFormat, rows: Int, columns: Int, data: UnsafeRawPointer) {
        self.format = format; self.rows = rows; self.columns = columns; self.data = data
    }
    public var rowByteCount: Int {
        switch format {
        case .f32: columns * 4
        case .f16: columns * 2
        case .q8_0: columns / 32 * 34
        case .q4_0: columns / 32 * 18
        case .q4_1: columns / 32 * 20
        }
    }
}

public final class ComputePool: @unchecked Sendable {
    public let threadCount: Int
    public init(threadCount: Int) { self.threadCount = threadCount }
    public func parallelFor(_ taskCount: Int, _ body: (Int) -> Void) {
        for i in 0..<taskCount { body(i) }
    }
}

public enum MatrixMultiply {
    public static func multiply(
        _ weights: WeightMatrix, input: UnsafePointer<Float>, tokens: Int,
        output: UnsafeMutablePointer<Float>, pool: ComputePool
    ) {
        let row = UnsafeMutablePointer<Float>.allocate(capacity: weights.columns)
        defer { row.deallocate() }
        // Emulate llama.cpp: activations rounded to 8-bit blocks of 32 for quantized weights.
        let quantized = UnsafeMutablePointer<Float>.allocate(capacity: tokens * weights.columns)
        defer { quantized.deallocate() }
        quantized.update(from: input, count: tokens * weights.columns)
        if weights.format == .q4_1 || weights.format == .q8_0 || weights.format == .q4_0 {
            for b in 0..<(tokens * weights.columns / 32) {
                let x = quantized + b * 32
                var amax: Float = 0
                for i in 0..<32 { amax = max(amax, abs(x[i])) }
                let d = amax / 127
                let dh = Float(Float16(d))
                for i in 0..<32 { x[i] = d == 0 ? 0 : (x[i] / d).rounded() * dh }
            }
        }
        let input = UnsafePointer(quantized)
        for r in 0..<weights.rows {
            dequantizeRow(weights, row: r, into: row)
            for t in 0..<tokens {
                output[t * weights.rows + r] = VectorOps.dot(row, input + t * weights.columns, count: weights.columns)
            }
        }
    }

    public static func dequantizeRow(_ weights: WeightMatrix, row: Int, into output: UnsafeMutablePointer<Float>) {
        let base = weights.data + row * weights.rowByteCount
        func half(_ p: UnsafeRawPointer) -> Float { Float(Float16(bitPattern: p.loadUnaligned(as: UInt16.self))) }
        switch weights.format {
        case .f32:
            for c in 0..<weights.columns { output[c] = base.loadUnaligned(fromByteOffset: c * 4, as: Float.self) }
        case .f16:
            for c in 0..<weights.columns { output[c] = half(base + c * 2) }
        case .q8_0:
            for b in 0..<weights.columns / 32 {
                let block = base + b * 34
                let d = half(block)
                for i in 0..<32 { output[b * 32 + i] = d * Float(block.load(fromByteOffset: 2 + i, as: Int8.self)) }
            }
        case .q4_0:
            for b in 0..<weights.columns / 32 {
                let block = base + b * 18
                let d = half(block)
                for i in 0..<16 {
                    let byte = block.load(fromByteOffset: 2 + i, as: UInt8.self)
                    output[b * 32 + i] = d * Float(Int(byte & 0xF) - 8)
                    output[b * 32 + i + 16] = d * Float(Int(byte >> 4) - 8)
                }
            }
        case .q4_1:
            for b in 0..<weights.columns / 32 {
                let block = base + b * 20
                let d = half(block), m = half(block + 2)
                for i in 0..<16 {
                    let byte = block.load(fromByteOffset: 4 + i, as: UInt8.self)
                    output[b * 32 + i] = d * Float(byte & 0xF) + m
                    output[b * 32 + i + 16] = d * Float(byte >> 4) + m
                }
            }
        }
    }
}

public enum VectorOps {
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum = SIMD8<Float>()
        var i = 0
        while i + 8 <= count {
            sum += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            i += 8
        }
        var total = sum.sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }
    public static func dotF16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<UInt16>, count: Int) -> Float {
        var total: Float = 0
        for i in 0..<count { total += a[i] * Float(Float16(bitPattern: b[i])) }
        return total
    }
    public static func addScaledF16(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<UInt16>, scale: Float, count: Int) {
        for i in 0..<count { y[i] += scale * Float(Float16(bitPattern: x[i])) }
    }
    public static func convertToF16(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt16>, count: Int) {
        for i in 0..<count { out[i] = Float16(x[i]).bitPattern }
    }
    public static func rmsNorm(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, epsilon: Float, count: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let meanSquare = dot(x, x, count: count) / Float(count)
        let scale = 1 / (meanSquare + epsilon).squareRoot()
        for i in 0..<count { output[i] = x[i] * scale * weight[i] }
    }
    public static func siluMultiply(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let g = gate[i]
            gate[i] = g / (1 + Foundation.exp(-g)) * up[i]
        }
    }
}
