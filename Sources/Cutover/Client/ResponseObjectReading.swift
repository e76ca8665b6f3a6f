import OpenAIWire

/// What the kit reads out of a Responses API `Response` object, and how the object departs
/// from OpenAI's shape (the fields an SDK's `output_text`, `usage` and chaining rely on).
struct ResponseObjectReading: Sendable {
    var id: String?
    var status: String?
    var previousResponseID: String?
    /// The concatenated `output_text` parts of the `message` items, as the SDKs' `output_text`.
    var outputText = ""
    var inputTokens: Int?
    var outputTokens: Int?
    var problems: [String] = []

    /// Reads the body of an exchange; a body that is not JSON is the one problem.
    init(_ exchange: HTTPExchange) {
        guard let json = exchange.json else {
            self.init(JSONValue.null)
            problems = ["body is not JSON: '\(excerpt(exchange.body, limit: 60))'"]
            return
        }
        self.init(json)
    }

    init(_ json: JSONValue) {
        guard json.objectValue != nil else {
            problems.append("body is \(json.typeName), not a Response object")
            return
        }
        if json["object"]?.stringValue != "response" {
            problems.append("object is \(json["object"]?.jsonString ?? "missing"), not \"response\"")
        }
        id = json["id"]?.stringValue
        if id == nil { problems.append("no string id") }
        status = json["status"]?.stringValue
        if status == nil { problems.append("no status") }
        previousResponseID = json["previous_response_id"]?.stringValue
        guard let output = json["output"]?.arrayValue else {
            problems.append("no output array")
            return
        }
        for item in output where item["type"]?.stringValue == "message" {
            for part in item["content"]?.arrayValue ?? [] where part["type"]?.stringValue == "output_text" {
                guard let text = part["text"]?.stringValue else {
                    problems.append("an output_text part without a string text")
                    continue
                }
                outputText += text
            }
        }
        if let usage = json["usage"], usage != .null {
            inputTokens = usage["input_tokens"]?.intValue
            outputTokens = usage["output_tokens"]?.intValue
            if inputTokens == nil || outputTokens == nil { problems.append("usage without integer input_tokens/output_tokens") }
        }
    }

    /// "completed, 7 output tokens" for details.
    var summary: String {
        var parts = [status ?? "no status"]
        if let outputTokens { parts.append("\(outputTokens) output tokens") }
        return parts.joined(separator: ", ")
    }
}
