#if arch(x86_64)
import _Builtin_intrinsics.intel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension AVX2Attention {
    /// Most query heads `accumulateGroupRuns` takes in one call.
    public static let maximumGroupHeads = 8

    /// `accumulateRuns` for the query heads that share one key-value head (grouped-query
    /// attention: gemma3 270M's four heads on one, 256 wide), in one pass over the cached rows:
    /// each key and value row is read from memory once for the group and its halves converted
    /// once per pair of heads (keys) or once (values), instead of once per head. Each head's
    /// arithmetic is exactly `accumulateRuns`' with a half accumulator: the same dot product in
    /// ggml's order, the same online-softmax steps, the same roundings, so the floats are equal.
    /// - Parameters:
    ///   - queries: head `g`'s query (rounded to halves) at `queries + g * headDimension`.
    ///   - heads: 1 ... `maximumGroupHeads`.
    ///   - headDimension: a multiple of 32.
    ///   - accumulators: `heads * headDimension` floats, head `g`'s at `g * headDimension`.
    ///   - maxima, sums: `heads` floats each: ggml's running maximum and sum per head.
    public static func accumulateGroupRuns(
        queries q: UnsafePointer<Float>, heads: Int, keys: UnsafePointer<UInt16>, values: UnsafePointer<UInt16>,
        rowStride: Int, first: Range<Int>, second: Range<Int>, headDimension n: Int, scale: Float,
        accumulators: UnsafeMutablePointer<Float>, maxima: UnsafeMutablePointer<Float>, sums: UnsafeMutablePointer<Float>
    ) {
        precondition(heads >= 1 && heads <= maximumGroupHeads && n % 32 == 0, "unsupported attention group")
        accumulators.initialize(repeating: 0, count: heads * n)
        maxima.initialize(repeating: -.infinity, count: heads)
        sums.initialize(repeating: 0, count: heads)
        let ar = UnsafeMutableRawPointer(accumulators)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * maximumGroupHeads) { buffer in
            guard let scores = buffer.baseAddress else { return }
            let weights = scores + maximumGroupHeads
            var run = first
            for pass in 0..<2 {
                if pass == 1 { run = second }
                for row in run {
                    let k = UnsafeRawPointer(keys + row * rowStride)
                    var g = 0
                    while g + 1 < heads {
                        dotPair(k, q + g * n, q + (g + 1) * n, n, &scores[g], &scores[g + 1])
                        g += 2
                    }
                    if g < heads { scores[g] = dotOne(k, q + g * n, n) }
                    for head in 0..<heads {
                        let s = scores[head] * scale
                        var rescale: Float = 1
                        var weight: Float = 1
                        if s > maxima[head] {
                            rescale = expf(maxima[head] - s)
                            maxima[head] = s
                            let factor = SIMD8<Float>(repeating: rescale)
                            let base = 4 * head * n
                            for i in stride(from: 0, to: n, by: 8) {
                                let a = ar.load(fromByteOffset: base + 4 * i, as: SIMD8<Float>.self)
                                ar.storeBytes(of: roundToHalf(a * factor), toByteOffset: base + 4 * i, as: SIMD8<Float>.self)
                            }
                        } else {
                            weight = expf(s - maxima[head])
                        }
                        weights[head] = weight
                        // `S = S*ms + vs`, fused as the compiler fuses it in ggml.
                        sums[head] = weight.addingProduct(sums[head], rescale)
                    }
                    let v = UnsafeRawPointer(values + row * rowStride)
                    for i in stride(from: 0, to: n, by: 8) {
                        let value = half8(v, 2 * i)
                        for head in 0..<heads {
                            let offset = 4 * (head * n + i)
                            let a = ar.load(fromByteOffset: offset, as: SIMD8<Float>.self)
                            let w = SIMD8<Float>(repeating: weights[head])
                            ar.storeBytes(of: roundToHalf(_mm256_fmadd_ps(value, w, a)), toByteOffset: offset,
                                          as: SIMD8<Float>.self)
                        }
                    }
                }
            }
        }
    }

    /// `dot` (ggml_vec_dot_f16) of one key row with two queries, the key's halves converted
    /// once for both; `n` a multiple of 32, so there is no tail.
    @inline(__always)
    private static func dotPair(
        _ k: UnsafeRawPointer, _ qa: UnsafePointer<Float>, _ qb: UnsafePointer<Float>, _ n: Int,
        _ a: inout Float, _ b: inout Float
    ) {
        let ra = UnsafeRawPointer(qa), rb = UnsafeRawPointer(qb)
        var a0 = SIMD8<Float>.zero, a1 = SIMD8<Float>.zero, a2 = SIMD8<Float>.zero, a3 = SIMD8<Float>.zero
        var b0 = SIMD8<Float>.zero, b1 = SIMD8<Float>.zero, b2 = SIMD8<Float>.zero, b3 = SIMD8<Float>.zero
        var i = 0
        while i < n {
            let k0 = half8(k, 2 * i), k1 = half8(k, 2 * i + 16), k2 = half8(k, 2 * i + 32), k3 = half8(k, 2 * i + 48)
            a0 = _mm256_fmadd_ps(k0, ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), a0)
            a1 = _mm256_fmadd_ps(k1, ra.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self), a1)
            a2 = _mm256_fmadd_ps(k2, ra.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD8<Float>.self), a2)
            a3 = _mm256_fmadd_ps(k3, ra.loadUnaligned(fromByteOffset: 4 * i + 96, as: SIMD8<Float>.self), a3)
            b0 = _mm256_fmadd_ps(k0, rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), b0)
            b1 = _mm256_fmadd_ps(k1, rb.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self), b1)
            b2 = _mm256_fmadd_ps(k2, rb.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD8<Float>.self), b2)
            b3 = _mm256_fmadd_ps(k3, rb.loadUnaligned(fromByteOffset: 4 * i + 96, as: SIMD8<Float>.self), b3)
            i += 32
        }
        a = GGMLSums.reduceFour(a0, a1, a2, a3)
        b = GGMLSums.reduceFour(b0, b1, b2, b3)
    }

    /// `dot` of one key row with one query; `n` a multiple of 32.
    @inline(__always)
    private static func dotOne(_ k: UnsafeRawPointer, _ q: UnsafePointer<Float>, _ n: Int) -> Float {
        let r = UnsafeRawPointer(q)
        var s0 = SIMD8<Float>.zero, s1 = SIMD8<Float>.zero, s2 = SIMD8<Float>.zero, s3 = SIMD8<Float>.zero
        var i = 0
        while i < n {
            s0 = _mm256_fmadd_ps(half8(k, 2 * i), r.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self), s0)
            s1 = _mm256_fmadd_ps(half8(k, 2 * i + 16), r.loadUnaligned(fromByteOffset: 4 * i + 32, as: SIMD8<Float>.self), s1)
            s2 = _mm256_fmadd_ps(half8(k, 2 * i + 32), r.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD8<Float>.self), s2)
            s3 = _mm256_fmadd_ps(half8(k, 2 * i + 48), r.loadUnaligned(fromByteOffset: 4 * i + 96, as: SIMD8<Float>.self), s3)
            i += 32
        }
        return GGMLSums.reduceFour(s0, s1, s2, s3)
    }
}
#endif
