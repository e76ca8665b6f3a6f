/// Whole-vocabulary passes over one row of logits, sixteen lanes at a time: the maximum, and the
/// softmax mass `Σ exp((logit - max) / T)`. At 262,144 logits a scalar `expf` per token cost
/// milliseconds a step; these passes cost a fraction of one. (Sixteen lanes are four SSE
/// registers: the exp polynomial is a chain of dependent multiply-adds, and four independent
/// chains hide its latency where two left the pass latency-bound.)
///
/// The exponential is Cephes' `expf` polynomial (as in most SIMD math libraries): within 2 ulp of
/// the correctly rounded value, exactly 1 at 0, and the same in every lane and every pass, so a
/// weight computed while gathering candidates equals the one the mass pass added up.
package enum LogitVector {
    package typealias Lanes = SIMD16<Float>
    static let width = Lanes.scalarCount

    /// The largest logit (`-inf` when `count` is 0 or all are `-inf`).
    package static func maximum(_ logits: UnsafePointer<Float>, count: Int) -> Float {
        var best = Lanes(repeating: -.infinity)
        var index = 0
        while index + width <= count {
            let lanes = load(logits, index)
            best.replace(with: lanes, where: lanes .> best)
            index += width
        }
        var result = best.max()
        while index < count {
            if logits[index] > result { result = logits[index] }
            index += 1
        }
        return result
    }

    /// The first index holding `value` (`count` when none does).
    package static func firstIndex(of value: Float, in logits: UnsafePointer<Float>, count: Int) -> Int {
        var index = 0
        while index + width <= count {
            let equal = load(logits, index) .== value
            if any(equal) {
                for lane in 0..<width where equal[lane] { return index + lane }
            }
            index += width
        }
        while index < count, logits[index] != value { index += 1 }
        return index
    }

    /// The scaled distance to the maximum of each lane: `(logit - maximum) * scale`, which the
    /// weights and every threshold test use, so that all passes agree on which tokens pass.
    @inline(__always)
    package static func exponent(_ lanes: Lanes, maximum: Float, scale: Float) -> Lanes {
        (lanes - maximum) * scale
    }

    /// `exp` of each lane for exponents in `[-87, 0]` (below that, a tiny positive weight; the
    /// samplers drop those tokens before looking at their weight).
    @inline(__always)
    package static func exp(_ x: Lanes) -> Lanes {
        let clamped = x.replacing(with: -87, where: x .< -87)
        // n = round(x / ln 2) by the 1.5 * 2^23 trick (no rounding instruction before SSE4.1);
        // the sum's low mantissa bits then hold n.
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        var r = clamped - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p = Lanes(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        p = p * (r * r) + r + 1
        let bits = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- 0x4B40_0000
        let power = unsafeBitCast((bits &+ 127) &<< 23, to: Lanes.self)
        return p * power
    }

    /// The scalar form of `exp` (lane 0 of a broadcast), for the few tokens a sparse mask allows.
    @inline(__always)
    package static func exp(_ x: Float) -> Float { exp(Lanes(repeating: x))[0] }

    /// `Σ exp(x)` and the number of tokens over the tokens whose exponent `x` reaches `-cutoff`.
    package static func mass(_ logits: UnsafePointer<Float>, count: Int, maximum: Float, scale: Float, cutoff: Float)
        -> (mass: Float, count: Int)
    {
        var sum = Lanes(repeating: 0)
        var counted = SIMD16<Int32>(repeating: 0)
        let zero = SIMD16<Int32>(repeating: 0)
        var index = 0
        while index + width <= count {
            let x = exponent(load(logits, index), maximum: maximum, scale: scale)
            let inside = x .>= -cutoff
            sum += exp(x).replacing(with: 0, where: .!inside)
            counted &+= zero.replacing(with: 1, where: inside)
            index += width
        }
        var total = sum.sum()
        var number = Int(counted.wrappedSum())
        while index < count {
            let x = (logits[index] - maximum) * scale
            if x >= -cutoff {
                total += exp(x)
                number += 1
            }
            index += 1
        }
        return (total, number)
    }

    /// Appends to `candidates` every token whose exponent reaches `-cutoff`, in id order, with
    /// its weight `exp(x)`. Blocks without such a token cost one comparison.
    package static func gather(
        _ logits: UnsafePointer<Float>, count: Int, maximum: Float, scale: Float, cutoff: Float,
        into candidates: inout [SamplingCandidate]
    ) {
        var index = 0
        while index + width <= count {
            let lanes = load(logits, index)
            let x = exponent(lanes, maximum: maximum, scale: scale)
            let inside = x .>= -cutoff
            if any(inside) {
                let weights = exp(x)
                for lane in 0..<width where inside[lane] {
                    candidates.append(SamplingCandidate(id: index + lane, logit: lanes[lane], weight: weights[lane]))
                }
            }
            index += width
        }
        while index < count {
            let x = (logits[index] - maximum) * scale
            if x >= -cutoff { candidates.append(SamplingCandidate(id: index, logit: logits[index], weight: exp(x))) }
            index += 1
        }
    }

    /// The first token, in id order, at which the running sum of weights (exponents below
    /// `-cutoff` count 0) passes `target`; the last token with a weight if rounding leaves the
    /// sum short of it. A draw over the whole vocabulary without building a candidate list.
    package static func token(
        reaching target: Float, _ logits: UnsafePointer<Float>, count: Int, maximum: Float, scale: Float, cutoff: Float
    ) -> Int {
        var remaining = target
        var lastWeighted = 0
        var index = 0
        while index + width <= count {
            let x = exponent(load(logits, index), maximum: maximum, scale: scale)
            let inside = x .>= -cutoff
            if any(inside) {
                let weights = exp(x).replacing(with: 0, where: .!inside)
                let blockMass = weights.sum()
                if blockMass > remaining {
                    var left = remaining
                    for lane in 0..<width where inside[lane] {
                        left -= weights[lane]
                        if left < 0 { return index + lane }
                    }
                }
                // (When rounding kept the lanes' running sum short, `remaining` goes negative
                // here and the next weighted token is chosen.)
                remaining -= blockMass
                for lane in 0..<width where inside[lane] { lastWeighted = index + lane }
            }
            index += width
        }
        while index < count {
            let x = (logits[index] - maximum) * scale
            if x >= -cutoff {
                remaining -= exp(x)
                lastWeighted = index
                if remaining < 0 { return index }
            }
            index += 1
        }
        return lastWeighted
    }

    @inline(__always)
    private static func load(_ logits: UnsafePointer<Float>, _ index: Int) -> Lanes {
        UnsafeRawPointer(logits + index).loadUnaligned(as: Lanes.self)
    }
}
