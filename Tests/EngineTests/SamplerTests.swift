import ConstrainedDecoding
import Engine
import Foundation
import Testing

/// The sampler's vector passes and short candidate lists draw what a list of every token with
/// scalar `expf` weights draws: same kept set, same token for the same seed (the weights differ
/// in their last bits, so a seed whose draw falls within ~1e-7 of a boundary could differ; none
/// of these does).
@Suite struct SamplerTests {
    /// A Gemma-sized row of logits: `spread` sets how peaked the distribution is.
    static func logits(count: Int = 262_144, case seed: Int, spread: Float) -> [Float] {
        (0..<count).map { index in
            let noise = sin(Float(index) * 12.9898 + Float(seed) * 78.233) * 43758.5453
            let uniform = noise - noise.rounded(.down)
            return spread * pow(uniform, 8) - 10
        }
    }

    /// The sampler before its vector passes: every token within 30 scaled nats as a candidate,
    /// `expf` weights, `TopCandidates.keep` over all of them. Returns the candidates, the kept
    /// count, and whether top-p's cut was too close to call (within 1e-5 of the mass).
    static func referenceSet(_ logits: [Float], _ parameters: SamplingParameters)
        -> (candidates: [SamplingCandidate], kept: Int, borderline: Bool)
    {
        let maximum = logits.max()!
        let floor = maximum - 30 * parameters.temperature
        var candidates: [SamplingCandidate] = []
        for (id, logit) in logits.enumerated() where logit >= floor {
            candidates.append(SamplingCandidate(id: id, logit: logit, weight: expf((logit - maximum) / parameters.temperature)))
        }
        var borderline = false
        if parameters.topP < 1 {
            var ranked = candidates.sorted { $0.ranks(before: $1) }
            if parameters.topK > 0, ranked.count > parameters.topK { ranked.removeSubrange(parameters.topK...) }
            let total = ranked.reduce(0.0) { $0 + Double($1.weight) }
            var cumulative = 0.0
            for candidate in ranked {
                cumulative += Double(candidate.weight)
                if abs(cumulative - Double(parameters.topP) * total) < 1e-5 * total { borderline = true }
                if cumulative >= Double(parameters.topP) * total { break }
            }
        }
        let kept = TopCandidates.keep(&candidates, topK: parameters.topK, topP: parameters.topP, minP: parameters.minP)
        return (candidates, kept, borderline)
    }

    /// The kept ids in real arithmetic (Double): rank order under top-k/top-p, else id order; and
    /// whether a cut falls within 1e-4 of its threshold, where any float sum may decide either way
    /// (the sampler before this one summed 262,144 weights in one Float, off by more than that).
    static func exactSet(_ logits: [Float], _ parameters: SamplingParameters) -> (ids: [Int], borderline: Bool) {
        let maximum = Double(logits.max()!)
        let temperature = Double(parameters.temperature)
        struct Ranked {
            let id: Int
            let logit: Float
            let weight: Double
        }
        var ranked: [Ranked] = []
        for (id, logit) in logits.enumerated() where Double(logit) >= maximum - 30 * temperature {
            ranked.append(Ranked(id: id, logit: logit, weight: Foundation.exp((Double(logit) - maximum) / temperature)))
        }
        ranked.sort { $0.logit > $1.logit || ($0.logit == $1.logit && $0.id < $1.id) }
        let ordered = parameters.topK > 0 || parameters.topP < 1
        var borderline = false
        if parameters.topK > 0, ranked.count > parameters.topK { ranked.removeSubrange(parameters.topK...) }
        if parameters.topP < 1 {
            let total = ranked.reduce(0.0) { $0 + $1.weight }
            let wanted = Double(parameters.topP) * total
            var cumulative = 0.0
            for (index, candidate) in ranked.enumerated() {
                cumulative += candidate.weight
                if abs(cumulative - wanted) < 1e-4 * total { borderline = true }
                if cumulative >= wanted {
                    ranked.removeSubrange((index + 1)...)
                    break
                }
            }
        }
        if parameters.minP > 0 {
            let threshold = Double(parameters.minP)
            if ranked.contains(where: { abs($0.weight - threshold) < 1e-5 * threshold }) { borderline = true }
            ranked = [ranked[0]] + ranked.dropFirst().filter { $0.weight >= threshold }
        }
        let ids = ranked.map(\.id)
        return (ordered ? ids : ids.sorted(), borderline)
    }

    /// The reference's draw: one uniform number against the kept weights, in kept order.
    static func reference(_ logits: [Float], _ parameters: SamplingParameters, seed: UInt64) -> Int {
        var generator = RandomGenerator(seed: seed)
        let maximum = logits.max()!
        if parameters.temperature <= 0 { return logits.firstIndex(of: maximum)! }
        let (candidates, kept, _) = referenceSet(logits, parameters)
        let total = candidates[..<kept].reduce(Float(0)) { $0 + $1.weight }
        var target = generator.nextUnitFloat() * total
        for candidate in candidates[..<kept] {
            target -= candidate.weight
            if target < 0 { return candidate.id }
        }
        return candidates[kept - 1].id
    }

    static func sample(_ logits: [Float], _ parameters: SamplingParameters, seed: UInt64, mask: TokenMask? = nil) -> Int {
        var copy = logits
        var sampler = Sampler(parameters: parameters, promptTokens: [])
        return copy.withUnsafeMutableBufferPointer { buffer in
            sampler.sample(logits: buffer.baseAddress!, vocabularySize: buffer.count, mask: mask)
        }
    }

    static let parameterSets: [SamplingParameters] = [
        SamplingParameters(temperature: 0.8, topP: 0.95),
        SamplingParameters(temperature: 0.8, topK: 40),
        SamplingParameters(temperature: 1, topP: 0.9, topK: 40),
        SamplingParameters(temperature: 0.7, minP: 0.05),
        SamplingParameters(temperature: 0.8, topP: 0.95, minP: 0.05),
        SamplingParameters(temperature: 1.3, topP: 0.5),
        SamplingParameters(temperature: 1),
        SamplingParameters(temperature: 0),
    ]

    /// Over a Gemma-sized vocabulary, peaked to flat: the short candidate lists keep exactly the
    /// tokens (in the same order) that a list of every token keeps.
    @Test(arguments: [Float(4), 14, 30])
    func keepsWhatTheFullListKeeps(spread: Float) {
        let logits = Self.logits(case: Int(spread), spread: spread)
        var compared = 0
        for parameters in Self.parameterSets where parameters.temperature > 0 {
            let expected = Self.exactSet(logits, parameters)
            if expected.borderline { continue }
            var candidates: [SamplingCandidate] = []
            let set = logits.withUnsafeBufferPointer {
                Sampler.drawSet($0.baseAddress!, count: $0.count, parameters: parameters, candidates: &candidates)
            }
            guard case .list(let kept) = set else {
                #expect(parameters.topK == 0 && parameters.topP >= 1 && parameters.minP <= 0, "\(parameters)")
                continue
            }
            let ids = candidates[..<kept].map(\.id)
            #expect((parameters.topK > 0 || parameters.topP < 1 ? ids : ids.sorted()) == expected.ids,
                    "\(parameters): \(kept) kept, \(expected.ids.count) expected")
            compared += 1
        }
        #expect(compared >= 3)
    }

    /// A short kept list draws the same token for the same seed (the weights differ from
    /// `expf`'s in their last bits only). Over a long one (a flat distribution, or no filter over
    /// all 262,144 tokens) the running sum's rounding moves the draw between neighbours, which
    /// changes no probability; `drawsFollowTheKeptDistribution` checks the distribution there.
    @Test(arguments: [Float(14), 30])
    func drawsTheTokenTheFullListDraws(spread: Float) {
        let logits = Self.logits(case: Int(spread), spread: spread)
        var compared = 0
        for (index, base) in Self.parameterSets.enumerated() {
            guard base.temperature <= 0 || Self.referenceSet(logits, base).kept <= 2_000 else { continue }
            for seed in UInt64(0)..<40 {
                var parameters = base
                parameters.seed = seed * 7919 + UInt64(index)
                #expect(Self.sample(logits, parameters, seed: parameters.seed!)
                        == Self.reference(logits, parameters, seed: parameters.seed!), "\(parameters)")
                compared += 1
            }
        }
        #expect(compared >= 120)
    }

    /// The same seed draws the same token from a sparse mask's ids as from the masked logits.
    @Test func sparseMaskDrawsAsTheMaskedLogits() {
        let logits = Self.logits(case: 5, spread: 12)
        var mask = TokenMask(count: logits.count)
        for id in stride(from: 17, to: logits.count, by: 997) { mask.allow(id) }
        var masked = logits
        for id in masked.indices where !mask.isAllowed(id) { masked[id] = -.infinity }
        for (index, base) in Self.parameterSets.enumerated() {
            for seed in UInt64(0)..<20 {
                var parameters = base
                parameters.seed = seed + 100 * UInt64(index)
                let token = Self.sample(logits, parameters, seed: parameters.seed!, mask: mask)
                #expect(mask.isAllowed(token))
                #expect(token == Self.reference(masked, parameters, seed: parameters.seed!))
            }
        }
    }

    /// A dense mask goes through the vector passes: draws stay inside it, and the kept set is
    /// the exact one over the masked logits.
    @Test func denseMaskKeepsEveryDrawInside() {
        let logits = Self.logits(case: 6, spread: 10)
        var mask = TokenMask(count: logits.count)
        for id in logits.indices where id % 3 != 0 { mask.allow(id) }
        var masked = logits
        for id in masked.indices where !mask.isAllowed(id) { masked[id] = -.infinity }
        for seed in UInt64(0)..<30 {
            let parameters = SamplingParameters(temperature: 0.8, topP: 0.95, seed: seed)
            #expect(mask.isAllowed(Self.sample(logits, parameters, seed: seed, mask: mask)))
        }
        let parameters = SamplingParameters(temperature: 0.8, topP: 0.95)
        let expected = Self.exactSet(masked, parameters)
        var candidates: [SamplingCandidate] = []
        let set = masked.withUnsafeBufferPointer {
            Sampler.drawSet($0.baseAddress!, count: $0.count, parameters: parameters, candidates: &candidates)
        }
        if case .list(let kept) = set {
            #expect(expected.borderline || candidates[..<kept].map(\.id) == expected.ids)
        } else {
            Issue.record("top-p drew without a list")
        }
    }

    /// Observed frequencies of many seeds' draws against the exact probabilities of the kept
    /// set, on a flat 300-token row (long lists, and the listless plain draw).
    @Test(arguments: [0, 5, 6])
    func drawsFollowTheKeptDistribution(parameterSet: Int) {
        let logits = Self.logits(count: 300, case: 9, spread: 6)
        let parameters = Self.parameterSets[parameterSet]
        let expected = Self.referenceSet(logits, parameters)
        let kept = expected.candidates[..<expected.kept]
        let total = kept.reduce(0.0) { $0 + Double($1.weight) }
        var counts: [Int: Int] = [:]
        let draws = 30_000
        for seed in 0..<draws {
            var seeded = parameters
            seeded.seed = UInt64(seed)
            counts[Self.sample(logits, seeded, seed: UInt64(seed)), default: 0] += 1
        }
        #expect(Set(counts.keys).isSubset(of: Set(kept.map(\.id))))
        var chiSquare = 0.0
        for candidate in kept {
            let mean = Double(draws) * Double(candidate.weight) / total
            let observed = Double(counts[candidate.id] ?? 0)
            chiSquare += (observed - mean) * (observed - mean) / mean
        }
        // Chi-square with k - 1 degrees of freedom: mean k - 1, sd sqrt(2(k - 1)). Six sd is far
        // beyond chance; a distribution off by even a few tokens' weight lands far beyond it.
        let freedom = Double(expected.kept - 1)
        #expect(expected.kept >= 10)
        #expect(chiSquare < freedom + 6 * (2 * freedom).squareRoot(), "chi-square \(chiSquare), \(expected.kept) kept")
    }

    /// The blended mask sets exactly the rejected logits to -inf, whatever mix a word holds
    /// (and a vocabulary that ends inside a word).
    @Test func applyingAMaskRejectsExactlyItsRejectedTokens() {
        for count in [262_144, 1_000, 70] {
            var state: UInt64 = 0x1234_5678 &+ UInt64(count)
            var mask = TokenMask(count: count)
            for id in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                // Runs of all-allowed and all-rejected words as well as mixed ones.
                let region = (id / 512) % 3
                if region == 0 || (region == 1 && state >> 61 != 0) { mask.allow(id) }
            }
            var logits = (0..<count).map { Float($0 % 101) - 50 }
            logits.withUnsafeMutableBufferPointer { Sampler.apply(mask, to: $0.baseAddress!, count: count) }
            for id in 0..<count {
                let expected: Float = mask.isAllowed(id) ? Float(id % 101) - 50 : -.infinity
                if logits[id] != expected {
                    Issue.record("count \(count), token \(id): \(logits[id]) instead of \(expected)")
                    break
                }
            }
        }
    }

    @Test func vectorExpIsWithinTwoUlpOfExpf() {
        var x: Float = -87
        var worst: Float = 0
        while x <= 0 {
            let exact = expf(x)
            worst = max(worst, abs(LogitVector.exp(x) - exact) / exact.ulp)
            x += 0.000_731
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        #expect(LogitVector.exp(0) == 1)
    }

    @Test func argmaxIsTheFirstLargestLogit() {
        var logits = Self.logits(count: 1_003, case: 3, spread: 5)
        logits[500] = 100
        logits[777] = 100
        #expect(Self.sample(logits, .greedy, seed: 0) == 500)
        logits[1_002] = 200
        #expect(Self.sample(logits, .greedy, seed: 0) == 1_002)
        #expect(Self.sample([Float](repeating: -.infinity, count: 20), .greedy, seed: 0) == 0)
    }
}
