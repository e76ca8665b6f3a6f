import Engine
import Foundation
import Testing
import TestSupport

/// The acceptance rule (`SpeculativeDecoding.verify`) with the real sampler on a small fake
/// distribution: the tokens a speculative step emits are distributed as plain sampling's, the
/// draft being accepted exactly as often as the sampler would have chosen it.
@Suite struct SpeculativeAcceptanceTests {
    static let vocabulary = 16
    /// The rows' logits: row 0 after the sequence's last token, row 1 after the draft's first token.
    static let rows: [[Float]] = [
        [2.0, 1.2, 0.3, 2.4, -0.5, 0.9, 1.7, -1.0, 0.1, 1.1, -0.2, 0.6, 1.9, -2.0, 0.4, 0.8],
        [0.2, 2.2, 1.5, -0.3, 1.0, 0.7, -1.2, 2.6, 0.0, 1.3, 0.5, -0.8, 1.8, 0.3, -0.1, 0.9],
    ]
    static let draft = [6, 12]
    static let parameters = SamplingParameters(temperature: 0.8, topK: 10, presencePenalty: 0.4)

    /// The sampler's distribution over `logits` after `emitted` tokens: presence penalty on those,
    /// temperature, then the top k (in Double).
    static func expected(_ logits: [Float], emitted: [Int]) -> [Double] {
        var adjusted = logits.map(Double.init)
        for id in Set(emitted) { adjusted[id] -= Double(parameters.presencePenalty) }
        let kept = Set(adjusted.indices.sorted { adjusted[$0] > adjusted[$1] }.prefix(parameters.topK))
        let maximum = adjusted.max() ?? 0
        let weights = adjusted.indices.map { kept.contains($0) ? exp((adjusted[$0] - maximum) / Double(parameters.temperature)) : 0 }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }

    /// Pearson's statistic of `counts` against `probabilities` (cells with probability 0 must be empty).
    static func chiSquare(_ counts: [Int], _ probabilities: [Double]) -> (statistic: Double, impossible: Int) {
        let total = Double(counts.reduce(0, +))
        var statistic = 0.0, impossible = 0
        for (count, p) in zip(counts, probabilities) {
            if p == 0 {
                impossible += count
                continue
            }
            let e = total * p
            statistic += (Double(count) - e) * (Double(count) - e) / e
        }
        return (statistic, impossible)
    }

    /// 99.9th percentile of the chi-square distribution with 9 degrees of freedom (10 kept tokens).
    static let bound = 27.88

    @Test func emittedTokensFollowThePlainDistribution() throws {
        let trials = 40_000
        var first = [Int](repeating: 0, count: Self.vocabulary)
        var secondAfterAcceptance = [Int](repeating: 0, count: Self.vocabulary)
        var acceptedCounts = [Int](repeating: 0, count: Self.draft.count + 1)
        for trial in 0..<trials {
            var emitted: [Int] = []
            // Seeded per trial: the run is the same every time, so the bound either holds or it does not.
            var sampler = Sampler(parameters: SamplingParameters(
                temperature: Self.parameters.temperature, topK: Self.parameters.topK,
                presencePenalty: Self.parameters.presencePenalty, seed: UInt64(trial) &* 0x9E37_79B9 &+ 1), promptTokens: [])
            let accepted = SpeculativeDecoding.verify(draft: Self.draft) { row in
                guard row < Self.rows.count else { return nil }
                var logits = Self.rows[row]
                let token = logits.withUnsafeMutableBufferPointer { buffer in
                    sampler.sample(logits: buffer.baseAddress!, vocabularySize: Self.vocabulary)
                }
                sampler.record(token)
                emitted.append(token)
                return token
            }
            #expect(emitted.count == min(accepted + 1, Self.rows.count))
            acceptedCounts[accepted] += 1
            first[emitted[0]] += 1
            if emitted.count > 1 { secondAfterAcceptance[emitted[1]] += 1 }
        }
        let p0 = Self.expected(Self.rows[0], emitted: [])
        let firstFit = Self.chiSquare(first, p0)
        #expect(firstFit.impossible == 0)
        #expect(firstFit.statistic < Self.bound, "first tokens: chi-square \(firstFit.statistic)")
        // Accepted as often as plain sampling picks the draft token (within 4 standard deviations).
        let acceptance = Double(trials - acceptedCounts[0]) / Double(trials)
        let deviation = (p0[Self.draft[0]] * (1 - p0[Self.draft[0]]) / Double(trials)).squareRoot()
        #expect(abs(acceptance - p0[Self.draft[0]]) < 4 * deviation, "accepted \(acceptance), p \(p0[Self.draft[0]])")
        // After an accepted draft token, the next is drawn with the penalty on it, as plain sampling draws it.
        let p1 = Self.expected(Self.rows[1], emitted: [Self.draft[0]])
        let secondFit = Self.chiSquare(secondAfterAcceptance, p1)
        #expect(secondFit.impossible == 0)
        #expect(secondFit.statistic < Self.bound, "second tokens: chi-square \(secondFit.statistic)")
        #expect(secondAfterAcceptance.reduce(0, +) == trials - acceptedCounts[0])

        // The test has the power to see a small bias: the same counts against a distribution that
        // moves 2 % of the mass onto the draft token fail the bound.
        var biased = p0.map { $0 * 0.98 }
        biased[Self.draft[0]] += 0.02
        #expect(Self.chiSquare(first, biased).statistic > Self.bound)
    }

    @Test func aMismatchEndsVerificationAndTheLastRowAddsOneToken() {
        var visited: [Int] = []
        let all = SpeculativeDecoding.verify(draft: [5, 6, 7]) { row in
            visited.append(row)
            return [5, 6, 7, 8][row]
        }
        #expect(all == 3)
        #expect(visited == [0, 1, 2, 3])
        visited = []
        let some = SpeculativeDecoding.verify(draft: [5, 6, 7]) { row in
            visited.append(row)
            return [5, 9, 7, 8][row]
        }
        #expect(some == 1)
        #expect(visited == [0, 1])
        visited = []
        // The sequence ends on a token that matches the draft: nothing more is chosen.
        let ended = SpeculativeDecoding.verify(draft: [5, 6, 7]) { row in
            visited.append(row)
            return row == 1 ? nil : [5, 6, 7, 8][row]
        }
        #expect(ended == 1)
        #expect(visited == [0, 1])
    }
}
