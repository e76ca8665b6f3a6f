/// The result of one expectation check.
public struct ExpectationResult: Sendable, Codable, Hashable {
    /// "contains", "not_contains", "regex", "json_schema", "tool_name".
    public var kind: String
    public var passed: Bool
    public var detail: String

    public init(kind: String, passed: Bool, detail: String) {
        self.kind = kind
        self.passed = passed
        self.detail = detail
    }
}

/// What one endpoint answered to one golden case.
public struct GoldenRecord: Sendable, Codable, Hashable {
    public var output: String
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var ttftMilliseconds: Double?
    /// Mean gap between content chunks.
    public var meanITLMilliseconds: Double?
    public var totalMilliseconds: Double
    public var toolCalls: [ToolCallRecord]
    /// Nil when the case involves no tools; else whether a call came back with arguments that
    /// parse and satisfy the tool's parameter schema (and match `expect.tool_name`).
    public var toolCallValid: Bool?
    /// Nil when the case asks for no schema; else whether the output satisfies it.
    public var schemaValid: Bool?
    public var expectations: [ExpectationResult]
    /// Why the request failed or what was malformed; nil on a clean response.
    public var error: String?

    public init(
        output: String, finishReason: String?, promptTokens: Int?, completionTokens: Int?, ttftMilliseconds: Double?,
        meanITLMilliseconds: Double?, totalMilliseconds: Double, toolCalls: [ToolCallRecord], toolCallValid: Bool?,
        schemaValid: Bool?, expectations: [ExpectationResult], error: String?
    ) {
        self.output = output
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.ttftMilliseconds = ttftMilliseconds
        self.meanITLMilliseconds = meanITLMilliseconds
        self.totalMilliseconds = totalMilliseconds
        self.toolCalls = toolCalls
        self.toolCallValid = toolCallValid
        self.schemaValid = schemaValid
        self.expectations = expectations
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case output, finishReason = "finish_reason", promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens", ttftMilliseconds = "ttft_ms", meanITLMilliseconds = "mean_itl_ms"
        case totalMilliseconds = "total_ms", toolCalls = "tool_calls", toolCallValid = "tool_call_valid"
        case schemaValid = "schema_valid", expectations, error
    }

    /// Whether every expectation passed (true when there were none) and the request succeeded.
    public var passed: Bool { error == nil && expectations.allSatisfy(\.passed) }
}

/// One golden case across the endpoints, in endpoint order.
public struct GoldenCaseResult: Sendable, Codable, Hashable {
    public var id: String
    public var prompt: String
    public var records: [GoldenRecord]
    /// The case's pinned temperature (nil: the server's default).
    public var temperature: Double?
    /// Whether the case constrains the output with tools or a response format.
    public var constrained: Bool

    /// Completion tokens of the last endpoint minus the first, when both are known.
    public var tokenDelta: Int? {
        guard records.count >= 2, let first = records.first?.completionTokens, let last = records.last?.completionTokens else { return nil }
        return last - first
    }

    enum CodingKeys: String, CodingKey { case id, prompt, records, tokenDelta = "token_delta", temperature, constrained }

    public init(id: String, prompt: String, records: [GoldenRecord], temperature: Double? = nil, constrained: Bool = false) {
        self.id = id
        self.prompt = prompt
        self.records = records
        self.temperature = temperature
        self.constrained = constrained
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        prompt = try container.decode(String.self, forKey: .prompt)
        records = try container.decode([GoldenRecord].self, forKey: .records)
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        constrained = try container.decodeIfPresent(Bool.self, forKey: .constrained) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(prompt, forKey: .prompt)
        try container.encode(records, forKey: .records)
        try container.encodeIfPresent(tokenDelta, forKey: .tokenDelta)
        try container.encodeIfPresent(temperature, forKey: .temperature)
        try container.encode(constrained, forKey: .constrained)
    }
}
