/// `response_format`: what shape the output must take.
public enum ResponseFormat: Sendable, Equatable {
    case text
    case jsonObject
    /// `json_schema`: the schema and its name.
    case jsonSchema(name: String, schema: JSONValue, strict: Bool)

    init(_ object: JSONObject) throws(OpenAIError) {
        let reader = FieldReader(object, path: "response_format")
        switch try reader.requiredString("type") {
        case "text": self = .text
        case "json_object": self = .jsonObject
        case "json_schema":
            guard let spec = try reader.object("json_schema") else {
                throw OpenAIError.invalidRequest(
                    "Missing required parameter: 'response_format.json_schema'.", param: "response_format.json_schema",
                    code: "missing_required_parameter")
            }
            let specReader = FieldReader(spec, path: "response_format.json_schema")
            let name = try specReader.requiredString("name")
            let schema = try specReader.object("schema").map(JSONValue.object) ?? .object(JSONObject())
            self = .jsonSchema(name: name, schema: schema, strict: try specReader.bool("strict") ?? false)
        case let other:
            throw OpenAIError.invalidValue(
                "Invalid value for 'response_format.type': '\(other)'. Supported values are: 'text', 'json_object' and 'json_schema'.",
                param: "response_format.type")
        }
    }
}
