/// A validated `POST /v1/embeddings` body, with OpenAI's rules: `input` is a non-empty string,
/// a list of 1...2048 non-empty strings, a list of token ids, or a list of 1...2048 such lists.
public struct EmbeddingRequest: Sendable, Equatable {
    /// One text to embed, as the client sent it.
    public enum Input: Sendable, Equatable {
        case text(String)
        case tokens([Int])
    }

    public enum EncodingFormat: String, Sendable, Equatable {
        case float
        /// Little-endian float32 bytes, base64-encoded (what the OpenAI SDKs decode).
        case base64
    }

    /// Most inputs in one request (OpenAI's limit).
    public static let maxInputs = 2048

    public var model: String
    public var inputs: [Input]
    public var encodingFormat: EncodingFormat
    /// `dimensions`, which only some upstream models serve; the embedded model refuses it.
    public var dimensions: Int?
    public var user: String?
    /// Fields this server does not read (passed on to upstreams, listed in `x-switchyard-ignored`).
    public var ignoredFields: [String]

    static let keys: Set<String> = ["model", "input", "encoding_format", "dimensions", "user"]

    public init(body: some Collection<UInt8>) throws(OpenAIError) {
        let object = try FieldReader.parseBody(body)
        let reader = FieldReader(object)
        model = try reader.requiredString("model")
        guard let input = reader.value("input") else {
            throw OpenAIError.invalidRequest("Missing required parameter: 'input'.", param: "input", code: "missing_required_parameter")
        }
        inputs = try Self.inputs(input, reader: reader)
        let format = try reader.string("encoding_format") ?? "float"
        guard let encodingFormat = EncodingFormat(rawValue: format) else {
            throw OpenAIError.invalidValue(
                "Invalid value for 'encoding_format': '\(format)'. Supported values are: 'float' and 'base64'.", param: "encoding_format")
        }
        self.encodingFormat = encodingFormat
        dimensions = try reader.int("dimensions", in: 1...Int(Int32.max))
        user = try reader.string("user")
        ignoredFields = object.keys.filter { !Self.keys.contains($0) }.sorted()
    }

    private static func inputs(_ input: JSONValue, reader: FieldReader) throws(OpenAIError) -> [Input] {
        if let text = input.stringValue {
            guard !text.isEmpty else { throw emptyText("input") }
            return [.text(text)]
        }
        guard let items = input.arrayValue else {
            throw reader.typeError("input", "a string, an array of strings, an array of token ids or an array of arrays of token ids", input)
        }
        guard !items.isEmpty else {
            throw OpenAIError.invalidValue("Invalid value for 'input': the list of inputs must not be empty.", param: "input")
        }
        // A flat list of integers is one tokenized input.
        if items[0].isNumber {
            return [.tokens(try tokenIDs(items, param: "input"))]
        }
        guard items.count <= maxInputs else {
            throw OpenAIError.invalidValue(
                "Invalid value for 'input': \(items.count) inputs is more than the \(maxInputs) allowed in one request.", param: "input")
        }
        var inputs: [Input] = []
        inputs.reserveCapacity(items.count)
        let kindOfFirst = items[0].stringValue != nil
        for (index, item) in items.enumerated() {
            let param = "input[\(index)]"
            if kindOfFirst, let text = item.stringValue {
                guard !text.isEmpty else { throw emptyText(param) }
                inputs.append(.text(text))
            } else if !kindOfFirst, let ids = item.arrayValue {
                guard !ids.isEmpty else {
                    throw OpenAIError.invalidValue("Invalid value for '\(param)': a list of token ids must not be empty.", param: param)
                }
                inputs.append(.tokens(try tokenIDs(ids, param: param)))
            } else {
                let expected = kindOfFirst ? "a string (every input of a list must have the same type)" : "an array of token ids (every input of a list must have the same type)"
                throw reader.typeError(param, expected, item)
            }
        }
        return inputs
    }

    private static func tokenIDs(_ values: [JSONValue], param: String) throws(OpenAIError) -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            guard let id = value.intValue, value.isNumber else {
                throw FieldReader(JSONObject()).typeError("\(param)[\(index)]", "a token id (an integer)", value)
            }
            guard id >= 0 else {
                throw OpenAIError.invalidValue("Invalid value for '\(param)[\(index)]': token ids are not negative (got \(id)).", param: "\(param)[\(index)]")
            }
            ids.append(id)
        }
        return ids
    }

    private static func emptyText(_ param: String) -> OpenAIError {
        OpenAIError.invalidValue("Invalid value for '\(param)': the text to embed must not be empty.", param: param)
    }
}

extension JSONValue {
    fileprivate var isNumber: Bool {
        switch self {
        case .int, .double: true
        default: false
        }
    }
}
