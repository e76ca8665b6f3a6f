import Engine
import Foundation
import Testing

/// Top-k / top-p / min-p by selection keep exactly the tokens a full sort would keep.
@Suite struct TopCandidatesTests {
    /// Deterministic pseudo-random logits: `spread` sets how peaked the distribution is.
    static func logits(count: Int, case seed: Int, spread: Float) -> [Float] {
        (0..<count).map { index in
            let noise = sin(Float(index) * 12.9898 + Float(seed) * 78.233) * 43758.5453
            let uniform = noise - noise.rounded(.down)
            return spread * uniform * uniform * uniform
        }
    }

    static func candidates(_ logits: [Float], temperature: Float) -> [SamplingCandidate] {
        let maximum = logits.max() ?? 0
        return logits.enumerated().map { SamplingCandidate(id: $0.offset, logit: $0.element, weight: expf(($0.element - maximum) / temperature)) }
    }

    /// The reference: sort everything, then cut as the sampler's definition says (in Double).
    /// Returns the kept ids in rank order and whether the top-p cut was too close to call.
    static func reference(_ all: [SamplingCandidate], topK: Int, topP: Float, minP: Float) -> (ids: [Int], borderline: Bool) {
        var ranked = all.sorted { $0.ranks(before: $1) }
        if topK > 0, ranked.count > topK { ranked.removeSubrange(topK...) }
        var borderline = false
        if topP < 1 {
            let total = ranked.reduce(0.0) { $0 + Double($1.weight) }
            var cumulative = 0.0
            for (index, candidate) in ranked.enumerated() {
                cumulative += Double(candidate.weight)
                if abs(cumulative - Double(topP) * total) < 2e-5 * total { borderline = true }
                if cumulative >= Double(topP) * total {
                    ranked.removeSubrange((index + 1)...)
                    break
                }
            }
        }
        if minP > 0, let cut = ranked.dropFirst().firstIndex(where: { $0.weight < minP }) {
            ranked.removeSubrange(cut...)
        }
        return (ranked.map(\.id), borderline)
    }

    @Test(arguments: [(0, Float(1), Float(0)), (40, 1, 0), (1, 1, 0), (0, 0.95, 0), (0, 0.5, 0), (0, 0.0001, 0),
                      (40, 0.95, 0), (0, 1, 0.05), (0, 0.95, 0.05), (20, 0.9, 0.1), (100_000, 0.99, 0)])
    func keepsWhatAFullSortKeeps(topK: Int, topP: Float, minP: Float) {
        var compared = 0
        for seed in 0..<24 {
            for spread in [Float(2), 12, 40] {
                let all = Self.candidates(Self.logits(count: 3_000, case: seed, spread: spread), temperature: 0.8)
                let expected = Self.reference(all, topK: topK, topP: topP, minP: minP)
                if expected.borderline { continue }
                var candidates = all
                let kept = TopCandidates.keep(&candidates, topK: topK, topP: topP, minP: minP)
                let ids = candidates[..<kept].map(\.id)
                if topK > 0 || topP < 1 {
                    #expect(ids == expected.ids, "seed \(seed) spread \(spread)")
                } else {
                    #expect(Set(ids) == Set(expected.ids) && ids.count == expected.ids.count, "seed \(seed) spread \(spread)")
                }
                #expect(Set(candidates.map(\.id)).count == all.count, "candidates lost or duplicated")
                compared += 1
            }
        }
        #expect(compared >= 40)
    }

    @Test func tiesAreBrokenByTheLowerId() {
        var candidates = (0..<500).map { SamplingCandidate(id: $0, logit: 1, weight: 1) }
        let kept = TopCandidates.keep(&candidates, topK: 3, topP: 1, minP: 0)
        #expect(candidates[..<kept].map(\.id) == [0, 1, 2])
    }

    @Test func aSingleCandidateIsAlwaysKept() {
        var one = [SamplingCandidate(id: 7, logit: 3, weight: 1)]
        #expect(TopCandidates.keep(&one, topK: 5, topP: 0.1, minP: 0.5) == 1)
        var none: [SamplingCandidate] = []
        #expect(TopCandidates.keep(&none, topK: 0, topP: 0.9, minP: 0) == 0)
    }
}
