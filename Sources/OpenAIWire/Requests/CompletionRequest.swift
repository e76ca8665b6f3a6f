/// A validated `POST /v1/completions` (legacy) body.
public struct CompletionRequest: Sendable, Equatable {
    /// One prompt: text to tokenize, or token ids as sent.
    public enum Prompt: Sendable, Equatable {
        case text(String)
        case tokens([Int])
    }

    public var model: String
    /// The prompts, one completion (times `n`) each.
    public var prompts: [Prompt]
    public var options: GenerationOptions
    public var echo: Bool
    /// `logprobs` (0...5): alternatives reported per token; `nil` reports none.
    public var logprobs: Int?
    public var ignoredFields: [String]

    static let keys: Set<String> = GenerationOptions.keys.union(["model", "prompt", "echo", "logprobs", "suffix", "best_of"])

    public init(body: some Collection<UInt8>) throws(OpenAIError) {
        try self.init(FieldReader.parseBody(body))
    }

    public init(_ object: JSONObject) throws(OpenAIError) {
        let reader = FieldReader(object)
        model = try reader.requiredString("model")
        guard let prompt = reader.value("prompt") else {
            throw OpenAIError.invalidRequest("Missing required parameter: 'prompt'.", param: "prompt", code: "missing_required_parameter")
        }
        prompts = try Self.prompts(prompt)
        options = try GenerationOptions(reading: reader)
        echo = try reader.bool("echo") ?? false
        logprobs = try reader.int("logprobs", in: 0...5)
        if reader.value("suffix") != nil {
            throw OpenAIError.invalidRequest("'suffix' is not supported by this server.", param: "suffix", code: "unsupported_parameter")
        }
        if let bestOf = reader.value("best_of"), bestOf != .int(1) {
            throw OpenAIError.invalidRequest("'best_of' is not supported by this server.", param: "best_of", code: "unsupported_parameter")
        }
        ignoredFields = object.keys.filter { !Self.keys.contains($0) }
    }

    /// A string, a list of strings, a list of token ids or a list of such lists.
    static func prompts(_ value: JSONValue) throws(OpenAIError) -> [Prompt] {
        func invalid() -> OpenAIError {
            OpenAIError.invalidRequest(
                "Invalid type for 'prompt': expected a string, an array of strings, an array of token ids or an array of token id arrays.",
                param: "prompt", code: "invalid_type")
        }
        func tokenIDs(_ values: [JSONValue]) throws(OpenAIError) -> [Int] {
            var ids: [Int] = []
            for value in values {
                guard case .int(let id) = value, id >= 0 else { throw invalid() }
                ids.append(id)
            }
            return ids
        }
        switch value {
        case .string(let text):
            return [.text(text)]
        case .array(let elements):
            guard let first = elements.first else {
                throw OpenAIError.invalidValue("'prompt' must not be empty.", param: "prompt")
            }
            switch first {
            case .string:
                var prompts: [Prompt] = []
                for element in elements {
                    guard let text = element.stringValue else { throw invalid() }
                    prompts.append(.text(text))
                }
                return prompts
            case .int:
                return [.tokens(try tokenIDs(elements))]
            case .array:
                var prompts: [Prompt] = []
                for element in elements {
                    guard let ids = element.arrayValue, !ids.isEmpty else { throw invalid() }
                    prompts.append(.tokens(try tokenIDs(ids)))
                }
                return prompts
            default:
                throw invalid()
            }
        default:
            throw invalid()
        }
    }
}
