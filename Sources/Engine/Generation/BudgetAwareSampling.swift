import ConstrainedDecoding

/// Structured output that always closes: sampling within a grammar such that the output can
/// still be finished in the tokens left, so a `max_tokens` cut never leaves invalid JSON when
/// `max_tokens` is at least the grammar's shortest sentence.
///
/// The sampled token is checked against the budget (each byte still missing counts as one
/// token, which a byte-level vocabulary always has); a token that would leave too little room
/// is excluded and the draw repeated over the rest (the distribution, renormalized, that a
/// full budget mask would give). After a few refusals only one-byte tokens that keep the
/// output finishable are offered: a byte on a shortest completion always is one, so the loop
/// ends. Far from the budget the first draw passes and this costs one distance computation.
enum BudgetAwareSampling {
    /// Draws tried before falling back to one-byte tokens.
    static let maximumRejections = 8

    /// - Parameters:
    ///   - matcher: advanced by the chosen token.
    ///   - budget: tokens left after this one.
    ///   - saved: room for `vocabularySize` floats, where the logits are kept for restoring.
    ///   - draw: samples from `logits` within a mask (it may rewrite the logits; they are restored between draws).
    static func sample(
        matcher: inout GrammarMatcher, mask: TokenMask, budget: Int, logits: UnsafeMutablePointer<Float>, vocabularySize: Int,
        saved: UnsafeMutablePointer<Float>, draw: (UnsafeMutablePointer<Float>, TokenMask) -> Int
    ) -> Int {
        // Without room for the shortest finish from the start, nothing can be promised: sample as before.
        guard budget >= 0, matcher.minimumBytesToComplete <= budget + 1 else {
            let token = draw(logits, mask)
            _ = matcher.accept(token)
            return token
        }
        saved.update(from: logits, count: vocabularySize)
        func restore() { logits.update(from: saved, count: vocabularySize) }
        var allowed = mask
        var token = draw(logits, allowed)
        var rejections = 0
        while !matcher.accept(token, finishingWithin: budget) {
            allowed.disallow(token)
            rejections += 1
            restore()
            if rejections >= maximumRejections || allowed.allowedCount == 0 {
                let finishing = matcher.oneByteTokens(in: allowed, finishingWithin: budget)
                guard !finishing.isEmpty else {
                    // A vocabulary without the needed byte: keep the grammar, give up the budget.
                    token = draw(logits, mask)
                    _ = matcher.accept(token)
                    return token
                }
                var narrow = TokenMask(count: mask.count)
                for id in finishing { narrow.allow(id) }
                token = draw(logits, narrow)
                _ = matcher.accept(token, finishingWithin: budget)
                return token
            }
            token = draw(logits, allowed)
        }
        return token
    }
}
