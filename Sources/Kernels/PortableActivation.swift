import KernelsAVX2
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SwiGLU and rotary arithmetic of `AVX2Activation` and `AVX2Rotary` in portable SIMD,
/// operation for operation (fused where those fuse), so both backends give the same floats.
enum PortableActivation {
    /// `gate[i] = silu(gate[i]) * up[i]`.
    static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        let g = UnsafeMutableRawPointer(gate), u = UnsafeRawPointer(up)
        var i = 0
        while i + 8 <= count {
            let x = g.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
            let silu = x / (1 + exp(-x))
            g.storeBytes(of: silu * u.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), toByteOffset: 4 * i,
                         as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            gate[i] = gate[i] / (1 + expf(-gate[i])) * up[i]
            i += 1
        }
    }

    /// ggml's `ggml_v_expf` (see `AVX2Activation.exp`).
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let r = SIMD8<Float>(repeating: 0x1.8p23)
        let z = r.addingProduct(x, SIMD8(repeating: 0x1.715476p+0))
        let n = z - r
        // b = x - n·ln2 in two fused steps (ln 2 split in a high and a low part).
        let b = x.addingProduct(-n, SIMD8(repeating: 0x1.62e4p-1)).addingProduct(-n, SIMD8(repeating: 0x1.7f7d1cp-20))
        let e = unsafeBitCast(z, to: SIMD8<UInt32>.self) &<< 23
        let k = SIMD8<Float>(bitPattern: e &+ Float(1).bitPattern)
        let c = abs(n) .> 126
        let u = b * b
        let inner = SIMD8<Float>(repeating: 0x1.573e2ep-5).addingProduct(SIMD8(repeating: 0x1.0e4020p-7), b)
        let outer = SIMD8<Float>(repeating: 0x1.fffdb6p-2).addingProduct(SIMD8(repeating: 0x1.555e66p-3), b)
        let j = (b * 0x1.ffffecp-1).addingProduct(outer.addingProduct(inner, u), u)
        let normal = k.addingProduct(j, k)
        guard any(c) else { return normal }
        let g = SIMD8<UInt32>(repeating: 0).replacing(with: 0x8200_0000, where: n .<= 0)
        let s1 = SIMD8<Float>(bitPattern: g &+ 0x7F00_0000)
        let s2 = SIMD8<Float>(bitPattern: e &- g)
        let huge = abs(n) .> 192
        return (s1 * s1).replacing(with: s2.addingProduct(s2, j) * s1, where: .!huge .& c)
            .replacing(with: normal, where: .!huge .& .!c)
    }

    /// See `AVX2Rotary.rotate`.
    static func rotate(
        _ vectors: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, ropeDimension: Int, table: UnsafePointer<Float>
    ) {
        for head in 0..<heads {
            let v = vectors + head * headDimension
            for i in stride(from: 0, to: ropeDimension, by: 2) {
                GGMLRotary.rotatePair(v, at: i, table: table)
            }
        }
    }
}

private extension SIMD8 where Scalar == Float {
    init(bitPattern bits: SIMD8<UInt32>) {
        self = unsafeBitCast(bits, to: SIMD8<Float>.self)
    }
}

private func abs(_ x: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8<Float>(bitPattern: unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF)
}
