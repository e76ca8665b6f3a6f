import OpenAIWire

/// One tool call as the client reassembled it.
public struct ToolCallRecord: Sendable, Codable, Hashable {
    public var index: Int
    public var id: String?
    public var name: String?
    public var arguments: String

    public init(index: Int, id: String? = nil, name: String? = nil, arguments: String = "") {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// The arguments parsed as JSON, or nil when they are not a JSON object.
    public var parsedArguments: JSONValue? {
        guard let value = try? JSONValue.parse(arguments), value.objectValue != nil else { return nil }
        return value
    }
}

/// Token counts from the server's `usage` object.
public struct TokenUsage: Sendable, Codable, Hashable {
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var totalTokens: Int?

    public init(promptTokens: Int? = nil, completionTokens: Int? = nil, totalTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
    }

    init?(_ json: JSONValue?) {
        guard let json, json.objectValue != nil else { return nil }
        promptTokens = json["prompt_tokens"]?.intValue
        completionTokens = json["completion_tokens"]?.intValue
        totalTokens = json["total_tokens"]?.intValue
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }
}

/// An error response as the server sent it, with how it departs from OpenAI's shape.
public struct APIErrorInfo: Sendable, Codable, Hashable {
    public var status: Int
    public var message: String?
    public var type: String?
    public var code: String?
    /// How the body departs from `{"error":{"message","type","param","code"}}`.
    public var shapeProblems: [String]
    public var bodyExcerpt: String

    /// Reads an error out of a response body, loosely.
    public init(status: Int, body: String) {
        guard let json = try? JSONValue.parse(body) else {
            self.init(status: status, json: .null, bodyExcerpt: excerpt(body, limit: 300))
            shapeProblems = ["body is not JSON"]
            return
        }
        self.init(status: status, json: json, bodyExcerpt: excerpt(body, limit: 300))
    }

    init(status: Int, json: JSONValue, bodyExcerpt: String) {
        self.status = status
        self.bodyExcerpt = bodyExcerpt
        shapeProblems = []
        guard let error = json["error"] else {
            shapeProblems.append("no top-level \"error\" object")
            message = json["message"]?.stringValue ?? json["detail"]?.stringValue
            return
        }
        if let text = error.stringValue {
            shapeProblems.append("\"error\" is a string, not an object")
            message = text
            return
        }
        guard error.objectValue != nil else {
            shapeProblems.append("\"error\" is \(error.typeName), not an object")
            return
        }
        message = error["message"]?.stringValue
        if message == nil { shapeProblems.append("error.message missing or not a string") }
        type = error["type"]?.stringValue
        if type == nil { shapeProblems.append("error.type missing or not a string") }
        switch error["code"] {
        case .string(let value)?: code = value
        case .null?, nil: break
        case let other?: shapeProblems.append("error.code is \(other.typeName), not a string"); code = other.jsonString
        }
    }

    /// "401 invalid_api_key: Incorrect API key" or the body excerpt.
    public var summary: String {
        var parts = ["\(status)"]
        if let code { parts.append(code) }
        return parts.joined(separator: " ") + ": " + (message ?? bodyExcerpt)
    }
}

/// Everything observed about one chat completion request, streamed or not.
public struct ChatOutcome: Sendable {
    public var status: Int = 0
    /// Response headers, names lowercased.
    public var headers: [String: String] = [:]
    public var streamed = false
    /// Text of each choice, by index.
    public var choiceTexts: [Int: String] = [:]
    public var finishReason: String?
    public var toolCalls: [ToolCallRecord] = []
    public var usage: TokenUsage?
    /// Whether a usage chunk with `choices: []` arrived (streaming).
    public var usageChunkSeen = false
    public var logprobsSeen = false
    /// The most `top_logprobs` alternatives seen for one token.
    public var topLogprobsCount = 0
    /// Streamed chunks that carried generated text or tool-call arguments.
    public var contentChunks = 0
    /// Seconds from sending the request to the first generated text (streaming), or to the
    /// full response (non-streaming).
    public var timeToFirstToken: Double?
    /// Gaps between successive content-bearing chunks, seconds.
    public var interTokenLatencies: [Double] = []
    /// Seconds from sending the request to the end of the response.
    public var totalLatency: Double = 0
    /// Protocol problems that break the response itself: malformed JSON, missing deltas,
    /// tool-call fragments that do not assemble.
    public var problems: [String] = []
    /// Deviations of the stream's envelope from OpenAI's (id/created/model changing between
    /// chunks, no `data: [DONE]`, a usage chunk whose `choices` is not `[]`): SDKs mostly cope, so
    /// they are reported on their own rather than failing the request.
    public var envelopeProblems: [String] = []
    /// Why the request failed below HTTP (the server closed the connection, the stream stalled or
    /// broke off), when it did.
    public var transportFailure: String?
    /// How many times the request was sent again because its pooled connection was found closed.
    public var connectionRetries = 0
    public var error: APIErrorInfo?
    /// The parsed body of a non-streamed response.
    public var body: JSONValue?

    public init() {}

    /// Text of the first choice.
    public var text: String { choiceTexts[0] ?? "" }
    public var choiceCount: Int { choiceTexts.count }
    /// A complete 200 response with no error event and no protocol problems (envelope
    /// deviations aside).
    public var succeeded: Bool { status == 200 && error == nil && transportFailure == nil && problems.isEmpty }

    /// One line saying why the request did not succeed, or nil.
    public var failureReason: String? {
        if let error { return error.summary }
        if let transportFailure { return status == 0 ? transportFailure : "HTTP \(status), then \(transportFailure)" }
        if status != 200 { return "HTTP \(status)" }
        if !problems.isEmpty { return problems.joined(separator: "; ") }
        return nil
    }
}
