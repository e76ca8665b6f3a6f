import Engine
import OpenAIWire

extension TokenLogprobInfo {
    /// The wire form of the engine's log-probability of a chosen token.
    init(_ logprob: TokenLogprob) {
        self.init(
            token: logprob.token, bytes: logprob.bytes, logprob: Double(logprob.logprob),
            top: logprob.top.map { TokenLogprobInfo(token: $0.token, bytes: $0.bytes, logprob: Double($0.logprob)) })
    }
}

extension CompletionLogprobs.Entry {
    /// A legacy-completions entry; `alternatives` is how many the client asked for (0 gives the chosen token alone).
    init(_ logprob: TokenLogprob, alternatives: Int) {
        self.init(
            token: logprob.token, logprob: Double(logprob.logprob),
            top: Array(logprob.top.prefix(alternatives)).map { TokenLogprobInfo(token: $0.token, bytes: $0.bytes, logprob: Double($0.logprob)) })
    }
}
