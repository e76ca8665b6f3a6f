/// Prompt-lookup drafting (llama.cpp's `--lookup-ngram-min`, vLLM's `ngram` proposer): the
/// tokens that followed the latest earlier occurrence of the sequence's last n tokens, for the
/// longest n in `minimumMatch...maximumMatch` that occurs. Costs one backward scan of the
/// tokens and no model: it pays where the output quotes its context (code edits, extraction,
/// answers that cite their sources) and proposes nothing for text that does not repeat.
public struct PromptLookup: Sendable, Equatable {
    /// The shortest suffix that may propose: one or two tokens repeat by chance in any text.
    public var minimumMatch: Int
    /// Longer suffixes than this are not needed to pick an occurrence.
    public var maximumMatch: Int

    public init(minimumMatch: Int = 3, maximumMatch: Int = 8) {
        self.minimumMatch = max(1, minimumMatch)
        self.maximumMatch = max(self.minimumMatch, maximumMatch)
    }

    /// At most `limit` tokens that may follow `tokens`, or none when no suffix of at least
    /// `minimumMatch` tokens occurred before. Of equally long matches the latest wins (the text
    /// being copied is usually the one copied last).
    public func draft(after tokens: [Int], limit: Int) -> [Int] {
        let count = tokens.count
        guard limit > 0, count > minimumMatch else { return [] }
        return tokens.withUnsafeBufferPointer { tokens in
            var bestLength = 0
            var bestEnd = 0  // the index after the best match's last token
            // `end` is where a candidate occurrence ends; the suffix itself ends at `count`.
            var end = count - 1
            while end >= minimumMatch {
                var length = 0
                while length < maximumMatch, length < end, tokens[end - 1 - length] == tokens[count - 1 - length] {
                    length += 1
                }
                if length > bestLength {
                    bestLength = length
                    bestEnd = end
                    if length == maximumMatch { break }
                }
                end -= 1
            }
            guard bestLength >= minimumMatch else { return [] }
            return Array(tokens[bestEnd..<min(count, bestEnd + limit)])
        }
    }
}
