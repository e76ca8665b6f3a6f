/// Reads typed fields out of a request object, turning every wrong type or range into an
/// `OpenAIError` that names the field. JSON `null` counts as absent, as OpenAI treats it.
struct FieldReader {
    let object: JSONObject
    /// The path of the object itself ("" at the top level), prefixed to field names.
    let path: String

    init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func string(_ key: String) throws(OpenAIError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else { throw typeError(key, "a string", value) }
        return string
    }

    func requiredString(_ key: String) throws(OpenAIError) -> String {
        guard let string = try string(key) else {
            throw OpenAIError.invalidRequest("Missing required parameter: '\(name(key))'.", param: name(key), code: "missing_required_parameter")
        }
        return string
    }

    func bool(_ key: String) throws(OpenAIError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.boolValue else { throw typeError(key, "a boolean", value) }
        return bool
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(OpenAIError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value.intValue else { throw typeError(key, "an integer", value) }
        guard range.contains(int) else {
            throw OpenAIError.invalidValue(
                "Invalid value for '\(name(key))': \(int) is not between \(range.lowerBound) and \(range.upperBound).", param: name(key))
        }
        return int
    }

    func double(_ key: String, in range: ClosedRange<Double>) throws(OpenAIError) -> Double? {
        guard let value = value(key) else { return nil }
        guard let double = value.doubleValue else { throw typeError(key, "a number", value) }
        guard range.contains(double) else {
            throw OpenAIError.invalidValue(
                "Invalid value for '\(name(key))': \(double) is not between \(range.lowerBound) and \(range.upperBound).", param: name(key))
        }
        return double
    }

    func object(_ key: String) throws(OpenAIError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard let object = value.objectValue else { throw typeError(key, "an object", value) }
        return object
    }

    func array(_ key: String) throws(OpenAIError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard let array = value.arrayValue else { throw typeError(key, "an array", value) }
        return array
    }

    func typeError(_ key: String, _ expected: String, _ value: JSONValue) -> OpenAIError {
        let actual: String =
            switch value {
            case .int, .double: "a number"
            case .array: "an array"
            case .object: "an object"
            case .string: "a string"
            case .bool: "a boolean"
            case .null: "null"
            }
        return OpenAIError.invalidRequest(
            "Invalid type for '\(name(key))': expected \(expected), but got \(actual).", param: name(key), code: "invalid_type")
    }

    /// `stop`: a string or a list of at most `limit` strings.
    func stopSequences(_ key: String, limit: Int = 4) throws(OpenAIError) -> [String] {
        guard let value = value(key) else { return [] }
        if let string = value.stringValue { return [string] }
        guard let array = value.arrayValue else { throw typeError(key, "a string or an array of strings", value) }
        guard array.count <= limit else {
            throw OpenAIError.invalidValue("'\(name(key))' accepts at most \(limit) sequences, got \(array.count).", param: name(key))
        }
        var sequences: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.stringValue else { throw typeError("\(key)[\(index)]", "a string", element) }
            sequences.append(string)
        }
        return sequences.filter { !$0.isEmpty }
    }

    /// Parses a whole request body into an object, naming the problem for malformed JSON.
    static func parseBody(_ bytes: some Collection<UInt8>) throws(OpenAIError) -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw OpenAIError.invalidRequest(
                "We could not parse the JSON body of your request (\(error.description)). The body must be a JSON object.",
                code: "invalid_json")
        }
        guard let object = value.objectValue else {
            throw OpenAIError.invalidRequest(
                "The JSON body of your request must be an object, not \(value.typeName).", code: "invalid_json")
        }
        return object
    }
}

extension JSONObject {
    /// A request body parsed once, for the request types and for forwarding alike; the same
    /// `invalid_json` errors as the request types give.
    public init(requestBody bytes: some Collection<UInt8>) throws(OpenAIError) {
        self = try FieldReader.parseBody(bytes)
    }
}
