import ConstrainedDecoding
import Foundation

/// Chooses each next token of one sequence from the model's logits, applying in order:
/// logit bias, repetition/presence/frequency penalties, the constraint mask, then either
/// argmax (temperature 0) or temperature, top-k, top-p, min-p and a seeded draw.
package struct Sampler: Sendable {
    package let parameters: SamplingParameters
    private var generator: RandomGenerator
    /// Tokens seen in prompt or output (for the multiplicative repetition penalty).
    private var seenTokens: Set<Int>
    /// How often each token was generated (for presence and frequency penalties).
    private var outputCounts: [Int: Int] = [:]
    private var candidates: [SamplingCandidate] = []

    package init(parameters: SamplingParameters, promptTokens: [Int]) {
        self.parameters = parameters
        generator = RandomGenerator(seed: parameters.seed ?? UInt64.random(in: .min ... .max))
        seenTokens = parameters.repetitionPenalty != 1 ? Set(promptTokens) : []
    }

    /// Records a generated token for the penalties.
    package mutating func record(_ token: Int) {
        outputCounts[token, default: 0] += 1
        if parameters.repetitionPenalty != 1 { seenTokens.insert(token) }
    }

    /// Picks the next token. `logits` is modified in place. `banned` ids can never be chosen
    /// (end tokens before `min_tokens`); `mask`, when given, rejects every token it does not
    /// allow (grammar constraints). At least one token must stay allowed.
    package mutating func sample(
        logits: UnsafeMutablePointer<Float>, vocabularySize: Int, banned: some Collection<Int> = [Int](),
        mask: TokenMask? = nil
    ) -> Int {
        applyAdjustments(logits)
        let allowedCount = mask?.allowedCount ?? Int.max
        if allowedCount > banned.count {
            for id in banned { logits[id] = -.infinity }
        }
        if let mask, allowedCount <= vocabularySize / Self.sparseMaskDivisor {
            // A grammar that allows a few hundred tokens: look at those alone, not at every logit.
            let allowed = mask.allowedIDs
            return parameters.temperature <= 0 ? argmax(logits, among: allowed) : draw(logits, among: allowed)
        }
        if let mask { Self.apply(mask, to: logits, count: vocabularySize) }
        if parameters.temperature <= 0 {
            return argmax(logits, count: vocabularySize)
        }
        return draw(logits, count: vocabularySize)
    }

    /// A mask allowing at most `1 / sparseMaskDivisor` of the vocabulary is sampled through its
    /// ids; a denser one is written into the logits (-inf) and sampled with the vector passes.
    static let sparseMaskDivisor = 16

    /// Sets every token the mask rejects to -inf, 64 at a time: a word that rejects all is a
    /// plain fill, a mixed one is blended eight lanes per byte of the word (inside a JSON string
    /// most words are mixed, and visiting their rejected bits one by one cost ~0.3 ms a step at
    /// a 262,144-token vocabulary).
    package static func apply(_ mask: TokenMask, to logits: UnsafeMutablePointer<Float>, count: Int) {
        let rejected = SIMD8<UInt32>(repeating: (-Float.infinity).bitPattern)
        mask.words.withUnsafeBufferPointer { words in
            laneMasks.withUnsafeBufferPointer { laneMasks in
                for (wordIndex, word) in words.enumerated() where word != .max {
                    let base = wordIndex * 64
                    guard base < count else { break }
                    if word == 0 {
                        (logits + base).update(repeating: -.infinity, count: min(64, count - base))
                        continue
                    }
                    guard base + 64 <= count else {
                        var rejectedBits = ~word
                        while rejectedBits != 0 {
                            let id = base + rejectedBits.trailingZeroBitCount
                            if id < count { logits[id] = -.infinity }
                            rejectedBits &= rejectedBits - 1
                        }
                        continue
                    }
                    for byteIndex in 0..<8 {
                        let byte = Int(truncatingIfNeeded: word >> UInt64(8 * byteIndex)) & 0xFF
                        guard byte != 0xFF else { continue }
                        let lanes = UnsafeMutableRawPointer(logits + base + 8 * byteIndex)
                        let keep = laneMasks[byte]
                        let blended = (lanes.loadUnaligned(as: SIMD8<UInt32>.self) & keep) | (rejected & ~keep)
                        lanes.storeBytes(of: blended, as: SIMD8<UInt32>.self)
                    }
                }
            }
        }
    }

    /// For each byte of a mask word, the lanes (all bits set) whose token the byte allows: a
    /// blend by integer and/or, which compiles to vector instructions (a lane comparison of
    /// SIMD8<UInt32> compiled to a loop over the lanes).
    private static let laneMasks: [SIMD8<UInt32>] = (0..<256).map { byte in
        var lanes = SIMD8<UInt32>(repeating: 0)
        for lane in 0..<8 where byte & (1 << lane) != 0 { lanes[lane] = .max }
        return lanes
    }

    private func applyAdjustments(_ logits: UnsafeMutablePointer<Float>) {
        for (id, bias) in parameters.logitBias { logits[id] += bias }
        let penalty = parameters.repetitionPenalty
        if penalty != 1 {
            for id in seenTokens {
                logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty
            }
        }
        if parameters.presencePenalty != 0 || parameters.frequencyPenalty != 0 {
            for (id, count) in outputCounts {
                logits[id] -= parameters.presencePenalty + parameters.frequencyPenalty * Float(count)
            }
        }
    }

    /// The first id with the largest logit (0 when all are -inf), as a scalar scan finds it.
    private func argmax(_ logits: UnsafePointer<Float>, count: Int) -> Int {
        let maximum = LogitVector.maximum(logits, count: count)
        guard maximum > -.infinity else { return 0 }
        return LogitVector.firstIndex(of: maximum, in: logits, count: count)
    }

    private func argmax(_ logits: UnsafePointer<Float>, among ids: [Int]) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for id in ids where logits[id] > bestValue {
            bestValue = logits[id]
            best = id
        }
        return best
    }

    /// Temperature, top-k, top-p and min-p over the whole vocabulary.
    private mutating func draw(_ logits: UnsafePointer<Float>, count: Int) -> Int {
        switch Self.drawSet(logits, count: count, parameters: parameters, candidates: &candidates) {
        case .nothing:
            return 0
        case .list(let kept):
            return kept > 0 ? drawKept(kept) : 0
        case .vocabulary(let maximum, let mass):
            let target = generator.nextUnitFloat() * mass
            return LogitVector.token(reaching: target, logits, count: count, maximum: maximum,
                                     scale: 1 / parameters.temperature, cutoff: Self.negligible)
        }
    }

    /// What a draw chooses among.
    package enum DrawSet: Equatable {
        /// Every logit is -inf.
        case nothing
        /// `candidates[..<kept]`, by weight.
        case list(kept: Int)
        /// Every token (nothing filters), by weight `exp((logit - maximum) / T)` of total `mass`.
        case vocabulary(maximum: Float, mass: Float)
    }

    /// The tokens left after top-k, top-p and min-p. The mass of every token (its weight
    /// `exp((logit - max) / T)`) is summed by one vector pass; the candidate list then holds only
    /// the tokens within `cutoff` of the best, enough for top-p when their weight reaches the
    /// share it needs (else the next, wider cutoff is tried). The kept set is exactly the one a
    /// list of every token would give (`TopCandidates.keep(…, totalMass:)`).
    package static func drawSet(
        _ logits: UnsafePointer<Float>, count: Int, parameters: SamplingParameters, candidates: inout [SamplingCandidate]
    ) -> DrawSet {
        let maximum = LogitVector.maximum(logits, count: count)
        guard maximum > -.infinity else { return .nothing }
        let scale = 1 / parameters.temperature
        let whole = LogitVector.mass(logits, count: count, maximum: maximum, scale: scale, cutoff: negligible)
        let topK = parameters.topK, topP = parameters.topP, minP = parameters.minP
        let topKCuts = topK > 0 && topK < whole.count
        let tried: [Float]
        if topKCuts || topP < 1 {
            tried = cutoffs
        } else if minP > 0 {
            // Min-p alone keeps weights >= minP, that is exponents >= ln(minP) (less the exp's
            // error, far below the 0.01 margin).
            tried = [min(negligible, -logf(minP) + 0.01)]
        } else {
            return .vocabulary(maximum: maximum, mass: whole.mass)
        }
        for cutoff in tried {
            candidates.removeAll(keepingCapacity: true)
            LogitVector.gather(logits, count: count, maximum: maximum, scale: scale, cutoff: cutoff, into: &candidates)
            let isWhole = cutoff >= negligible || candidates.count == whole.count
            if topKCuts, !isWhole, candidates.count < topK { continue }
            let totalMass = isWhole || topKCuts || topP >= 1 ? nil : whole.mass
            if let kept = TopCandidates.keep(&candidates, topK: topK, topP: topP, minP: minP, totalMass: totalMass) {
                return .list(kept: kept)
            }
        }
        return .list(kept: candidates.isEmpty ? 0 : candidates.count)
    }

    /// The same draw over the ids a sparse mask allows (ascending), with every candidate listed.
    private mutating func draw(_ logits: UnsafePointer<Float>, among ids: [Int]) -> Int {
        var maximum = -Float.infinity
        for id in ids { maximum = max(maximum, logits[id]) }
        guard maximum > -.infinity else { return 0 }
        let scale = 1 / parameters.temperature
        candidates.removeAll(keepingCapacity: true)
        for id in ids {
            let exponent = (logits[id] - maximum) * scale
            if exponent >= -Self.negligible {
                candidates.append(SamplingCandidate(id: id, logit: logits[id], weight: LogitVector.exp(exponent)))
            }
        }
        let kept = TopCandidates.keep(&candidates, topK: parameters.topK, topP: parameters.topP, minP: parameters.minP)
        return drawKept(kept)
    }

    /// Tokens more than 30 temperature-scaled nats below the best carry < 1e-13 of the mass
    /// each; they are left out of every list and sum (no draw changes measurably).
    static let negligible: Float = 30

    /// The candidate lists tried in turn when top-k or top-p filters: tokens within 4, then 12
    /// scaled nats of the best (weights from 0.018, then 6e-6), then all. Top-p 0.95 at T 0.8
    /// rarely needs the second.
    static let cutoffs: [Float] = [4, 12, negligible]

    /// Draws one of `candidates[..<kept]` in proportion to its weight.
    private mutating func drawKept(_ kept: Int) -> Int {
        var total: Float = 0
        for index in 0..<kept { total += candidates[index].weight }
        var target = generator.nextUnitFloat() * total
        for index in 0..<kept {
            target -= candidates[index].weight
            if target < 0 { return candidates[index].id }
        }
        return candidates[kept - 1].id
    }
}
