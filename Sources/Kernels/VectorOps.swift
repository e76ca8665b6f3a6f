import KernelsAVX2

/// Single-thread vector helpers for the forward pass. Functions with an AVX2 version take a
/// `backend` (`.best` unless testing); the rest are portable SIMD code.
public enum VectorOps {
    /// `sum a[i] * b[i]`.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, backend: KernelBackend = .best) -> Float {
        #if arch(x86_64)
        if backend.resolved.usesAVX2 { return AVX2VectorOps.dot(a, b, count: count) }
        #endif
        return PortableKernels.dot(a, b, count: count)
    }

    /// `sum a[i] * b[i]` where `b` holds IEEE half bits (the KV cache).
    public static func dotF16(_ a: UnsafePointer<Float>, _ b: UnsafePointer<UInt16>, count: Int, backend: KernelBackend = .best) -> Float {
        #if arch(x86_64)
        if backend.resolved.usesAVX2 { return AVX2VectorOps.dotF16(a, b, count: count) }
        #endif
        return PortableKernels.dotF16(a, b, count: count)
    }

    /// Half bits (round to nearest even) of each float.
    public static func convertToF16(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<UInt16>, count: Int,
                                    backend: KernelBackend = .best) {
        var start = 0
        #if arch(x86_64)
        // F16C where no NaN is met; the bit-level conversion from there on (the same bits).
        if backend.resolved.usesAVX2 { start = AVX2VectorOps.convertToF16(x, out, count: count) }
        #endif
        for i in start..<count { out[i] = Half.fromFloat(x[i]) }
    }

    /// `output = x / sqrt(mean(x²) + epsilon) * weight`; `output` may be `x`.
    /// Rounded as ggml's `rms_norm` then `mul`: squares summed in double, `(x * scale) * weight`.
    public static func rmsNorm(
        _ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, epsilon: Float, count: Int, output: UnsafeMutablePointer<Float>
    ) {
        var sumOfSquares: Double = 0
        for i in 0..<count { sumOfSquares += Double(x[i] * x[i]) }
        normalize(x, sumOfSquares: sumOfSquares, weight: weight, epsilon: epsilon, count: count, output: output)
    }

    /// `rmsNorm` of `rows` rows (`input(r)` to `output(r)`, which may be the same), four at a time:
    /// each row's squares are summed in `rmsNorm`'s sequential double chain, four rows' chains
    /// interleaved so their additions overlap (one row's sum waits on the latency of each addition
    /// in turn). Every row's floats are `rmsNorm`'s.
    public static func rmsNormRows(
        _ rows: Int, input: (Int) -> UnsafePointer<Float>, output: (Int) -> UnsafeMutablePointer<Float>,
        weight: UnsafePointer<Float>, epsilon: Float, count: Int
    ) {
        var r = 0
        while r + 4 <= rows {
            let x0 = input(r), x1 = input(r + 1), x2 = input(r + 2), x3 = input(r + 3)
            var s0: Double = 0, s1: Double = 0, s2: Double = 0, s3: Double = 0
            for i in 0..<count {
                s0 += Double(x0[i] * x0[i])
                s1 += Double(x1[i] * x1[i])
                s2 += Double(x2[i] * x2[i])
                s3 += Double(x3[i] * x3[i])
            }
            normalize(x0, sumOfSquares: s0, weight: weight, epsilon: epsilon, count: count, output: output(r))
            normalize(x1, sumOfSquares: s1, weight: weight, epsilon: epsilon, count: count, output: output(r + 1))
            normalize(x2, sumOfSquares: s2, weight: weight, epsilon: epsilon, count: count, output: output(r + 2))
            normalize(x3, sumOfSquares: s3, weight: weight, epsilon: epsilon, count: count, output: output(r + 3))
            r += 4
        }
        while r < rows {
            rmsNorm(input(r), weight: weight, epsilon: epsilon, count: count, output: output(r))
            r += 1
        }
    }

    /// `output = x / sqrt(sumOfSquares / count + epsilon) * weight`, as ggml's `rms_norm` then `mul` round it.
    @inline(__always)
    private static func normalize(
        _ x: UnsafePointer<Float>, sumOfSquares: Double, weight: UnsafePointer<Float>, epsilon: Float, count: Int,
        output: UnsafeMutablePointer<Float>
    ) {
        let mean = Float(sumOfSquares / Double(count))
        let scale = 1 / (mean + epsilon).squareRoot()
        var i = 0
        while i + 8 <= count {
            let v = load(x, i) * scale * load(weight, i)
            store(v, output, i)
            i += 8
        }
        while i < count { output[i] = x[i] * scale * weight[i]; i += 1 }
    }

    /// `gate[i] = silu(gate[i]) * up[i]` where `silu(g) = g / (1 + exp(-g))`, with ggml's
    /// vector `exp` (see `AVX2Activation`).
    public static func siluMultiply(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int,
                                    backend: KernelBackend = .best) {
        #if arch(x86_64)
        if backend.resolved.usesAVX2 { return AVX2Activation.swiglu(gate, up, count: count) }
        #endif
        PortableActivation.swiglu(gate, up, count: count)
    }

    /// Rotary embedding of adjacent pairs: the first `ropeDimension` floats of each of `heads`
    /// vectors (`headDimension` apart) turned by `table` (cos, sin interleaved).
    public static func rotatePairs(
        _ vectors: UnsafeMutablePointer<Float>, heads: Int, headDimension: Int, ropeDimension: Int,
        table: UnsafePointer<Float>, backend: KernelBackend = .best
    ) {
        #if arch(x86_64)
        if backend.resolved.usesAVX2 {
            return AVX2Rotary.rotate(vectors, heads: heads, headDimension: headDimension, ropeDimension: ropeDimension, table: table)
        }
        #endif
        PortableActivation.rotate(vectors, heads: heads, headDimension: headDimension, ropeDimension: ropeDimension, table: table)
    }

    /// Softmax in place: `x[i] = exp(x[i] - max) / sum`.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let maximum = max(x, count: count)
        var sums = SIMD8<Float>.zero
        var i = 0
        while i + 8 <= count {
            let e = PortableActivation.exp(load(x, i) - maximum)
            store(e, x, i)
            sums += e
            i += 8
        }
        var sum = sums.sum()
        while i < count { x[i] = PortableActivation.exp(SIMD8(repeating: x[i] - maximum))[0]; sum += x[i]; i += 1 }
        scale(x, by: 1 / sum, count: count)
    }

    /// The largest element (`-infinity` when `count` is 0).
    public static func max(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= count { m = pointwiseMax(m, load(x, i)); i += 8 }
        var result = m.max()
        while i < count { result = Swift.max(result, x[i]); i += 1 }
        return result
    }

    /// `y[i] += x[i]`.
    public static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count { store(load(y, i) + load(x, i), y, i); i += 8 }
        while i < count { y[i] += x[i]; i += 1 }
    }

    /// `y[i] += scale * x[i]`.
    public static func addScaled(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, scale: Float, count: Int) {
        var i = 0
        while i + 8 <= count { store(load(y, i) + load(x, i) * scale, y, i); i += 8 }
        while i < count { y[i] += scale * x[i]; i += 1 }
    }

    /// `x[i] *= factor`.
    public static func scale(_ x: UnsafeMutablePointer<Float>, by factor: Float, count: Int) {
        var i = 0
        while i + 8 <= count { store(load(x, i) * factor, x, i); i += 8 }
        while i < count { x[i] *= factor; i += 1 }
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
