import Foundation
import Tokenization

/// Log-probabilities from raw logits (the model's full softmax, before any sampling filter),
/// as OpenAI and vLLM report them.
struct LogprobCalculator {
    let tokenizer: Tokenizer

    /// log Σ exp(logits)
    static func logSumExp(_ logits: UnsafePointer<Float>, count: Int) -> Float {
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, logits[i]) }
        var total: Float = 0
        for i in 0..<count { total += expf(logits[i] - maximum) }
        return maximum + logf(total)
    }

    /// The `count` most likely ids, best first (ties by lower id).
    static func topTokens(_ logits: UnsafePointer<Float>, vocabularySize: Int, count: Int) -> [Int] {
        guard count > 0 else { return [] }
        var best: [Int] = []
        best.reserveCapacity(count + 1)
        for id in 0..<vocabularySize {
            if best.count == count, logits[id] <= logits[best[count - 1]] { continue }
            var index = best.count
            while index > 0, logits[best[index - 1]] < logits[id] { index -= 1 }
            best.insert(id, at: index)
            if best.count > count { best.removeLast() }
        }
        return best
    }

    /// The log-probability of `chosen` and the `alternatives` most likely tokens.
    func logprob(for chosen: Int, logits: UnsafePointer<Float>, vocabularySize: Int, alternatives: Int) -> TokenLogprob {
        let normalizer = Self.logSumExp(logits, count: vocabularySize)
        let top = Self.topTokens(logits, vocabularySize: vocabularySize, count: alternatives).map { id in
            TokenAlternative(id: id, token: tokenizer.tokenText(id), bytes: tokenizer.tokenBytes(id),
                             logprob: logits[id] - normalizer)
        }
        return TokenLogprob(id: chosen, token: tokenizer.tokenText(chosen), bytes: tokenizer.tokenBytes(chosen),
                            logprob: logits[chosen] - normalizer, top: top)
    }
}
