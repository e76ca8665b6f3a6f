/// Legacy completions' `logprobs` object: parallel arrays over the tokens of one choice's text.
public struct CompletionLogprobs: Sendable, Equatable {
    /// One position: the token, its log-probability (`nil` for a first prompt token, which has
    /// none) and the alternatives.
    public struct Entry: Sendable, Equatable {
        public var token: String
        public var logprob: Double?
        public var top: [TokenLogprobInfo]?

        public init(token: String, logprob: Double?, top: [TokenLogprobInfo]?) {
            self.token = token
            self.logprob = logprob
            self.top = top
        }
    }

    public var entries: [Entry]
    /// Character offset of the first token in the choice's text (later offsets follow from it).
    public var startOffset: Int

    public init(entries: [Entry] = [], startOffset: Int = 0) {
        self.entries = entries
        self.startOffset = startOffset
    }

    /// `{"tokens","token_logprobs","top_logprobs","text_offset"}`; offsets count Unicode scalars,
    /// as Python's `str` indexes them.
    public var value: JSONValue {
        var offsets: [JSONValue] = []
        var offset = startOffset
        for entry in entries {
            offsets.append(.int(offset))
            offset += entry.token.unicodeScalars.count
        }
        return [
            "tokens": .array(entries.map { .string($0.token) }),
            "token_logprobs": .array(entries.map { $0.logprob.map(JSONValue.double) ?? .null }),
            "top_logprobs": .array(
                entries.map { entry in
                    guard let top = entry.top else { return .null }
                    var object = JSONObject()
                    for alternative in top where object[alternative.token] == nil {
                        object[alternative.token] = .double(alternative.logprob)
                    }
                    return .object(object)
                }),
            "text_offset": .array(offsets),
        ]
    }
}
