/// One token's log-probability as the responses report it, with its most likely alternatives.
public struct TokenLogprobInfo: Sendable, Equatable {
    public var token: String
    public var bytes: [UInt8]
    public var logprob: Double
    /// The alternatives at this position, most likely first (empty for the alternatives themselves).
    public var top: [TokenLogprobInfo]

    public init(token: String, bytes: [UInt8], logprob: Double, top: [TokenLogprobInfo] = []) {
        self.token = token
        self.bytes = bytes
        self.logprob = logprob
        self.top = top
    }

    /// Chat's `logprobs.content[i]` entry.
    public var chatValue: JSONValue {
        var object = alternativeValue.objectValue ?? JSONObject()
        object["top_logprobs"] = .array(top.map(\.alternativeValue))
        return .object(object)
    }

    var alternativeValue: JSONValue {
        ["token": .string(token), "logprob": .double(logprob), "bytes": .array(bytes.map { .int(Int($0)) })]
    }

    /// Chat's `logprobs` object for a run of tokens.
    public static func chatLogprobs(_ tokens: [TokenLogprobInfo]) -> JSONValue {
        ["content": .array(tokens.map(\.chatValue)), "refusal": .null]
    }
}
