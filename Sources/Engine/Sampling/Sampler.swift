import ConstrainedDecoding
import Foundation

/// Chooses each next token of one sequence from the model's logits, applying in order:
/// logit bias, repetition/presence/frequency penalties, the constraint mask, then either
/// argmax (temperature 0) or temperature, top-k, top-p, min-p and a seeded draw.
struct Sampler: Sendable {
    let parameters: SamplingParameters
    private var generator: RandomGenerator
    /// Tokens seen in prompt or output (for the multiplicative repetition penalty).
    private var seenTokens: Set<Int>
    /// How often each token was generated (for presence and frequency penalties).
    private var outputCounts: [Int: Int] = [:]
    private var candidates: [SamplingCandidate] = []

    init(parameters: SamplingParameters, promptTokens: [Int]) {
        self.parameters = parameters
        generator = RandomGenerator(seed: parameters.seed ?? UInt64.random(in: .min ... .max))
        seenTokens = parameters.repetitionPenalty != 1 ? Set(promptTokens) : []
    }

    /// Records a generated token for the penalties.
    mutating func record(_ token: Int) {
        outputCounts[token, default: 0] += 1
        if parameters.repetitionPenalty != 1 { seenTokens.insert(token) }
    }

    /// Picks the next token. `logits` is modified in place. `banned` ids can never be chosen
    /// (end tokens before `min_tokens`); `isAllowed`, when given, masks every other token it
    /// rejects (grammar constraints). At least one token must stay allowed.
    mutating func sample(
        logits: UnsafeMutablePointer<Float>, vocabularySize: Int, banned: some Collection<Int> = [Int](),
        mask: TokenMask? = nil
    ) -> Int {
        applyAdjustments(logits)
        if let mask { Self.apply(mask, to: logits, count: vocabularySize) }
        let allowedBefore = mask == nil ? Int.max : mask?.allowedCount ?? 0
        if allowedBefore > banned.count {
            for id in banned { logits[id] = -.infinity }
        }
        if parameters.temperature <= 0 {
            return argmax(logits, count: vocabularySize)
        }
        return draw(logits, count: vocabularySize)
    }

    /// Sets every token the mask rejects to -inf, 64 at a time: a word that rejects all is a
    /// plain fill, any other visits only its rejected bits (a grammar usually allows a few
    /// hundred of a 262,144-token vocabulary, so nearly every word is all-rejecting).
    static func apply(_ mask: TokenMask, to logits: UnsafeMutablePointer<Float>, count: Int) {
        for (wordIndex, word) in mask.words.enumerated() where word != .max {
            let base = wordIndex * 64
            guard base < count else { break }
            if word == 0 {
                (logits + base).update(repeating: -.infinity, count: min(64, count - base))
                continue
            }
            var rejected = ~word
            while rejected != 0 {
                let id = base + rejected.trailingZeroBitCount
                if id < count { logits[id] = -.infinity }
                rejected &= rejected - 1
            }
        }
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

    private func argmax(_ logits: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for id in 0..<count where logits[id] > bestValue {
            bestValue = logits[id]
            best = id
        }
        return best
    }

    private mutating func draw(_ logits: UnsafePointer<Float>, count: Int) -> Int {
        let temperature = parameters.temperature
        var maximum = -Float.infinity
        for id in 0..<count { maximum = max(maximum, logits[id]) }
        guard maximum > -.infinity else { return 0 }
        // Tokens more than 30 temperature-scaled nats below the best carry < 1e-13 of the mass
        // each; dropping them first keeps the candidates few without changing any draw measurably.
        let floor = maximum - 30 * temperature
        let scale = 1 / temperature
        candidates.removeAll(keepingCapacity: true)
        for id in 0..<count where logits[id] >= floor {
            candidates.append(SamplingCandidate(id: id, logit: logits[id], weight: expf((logits[id] - maximum) * scale)))
        }
        let kept = TopCandidates.keep(&candidates, topK: parameters.topK, topP: parameters.topP, minP: parameters.minP)
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
