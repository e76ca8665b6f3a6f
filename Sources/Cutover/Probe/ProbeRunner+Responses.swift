import OpenAIWire

/// The Responses API features: a plain response, its event stream, a stored chain and
/// `text.format`. Each verdict says what the endpoint did, judged on what came back.
extension ProbeRunner {
    func probeResponses(_ feature: ProbeFeature) async throws(CutoverError) -> ProbeResult {
        switch feature {
        case .responsesStream: return try await responsesStream()
        case .responsesStore: return try await responsesStore()
        case .responsesTextFormat: return try await responsesTextFormat()
        default: return try await responsesPlain()
        }
    }

    private func responsesPlain() async throws(CutoverError) -> ProbeResult {
        let exchange = try await post("/responses", ["input": "Say hello.", "max_output_tokens": 16, "temperature": 0, "store": false])
        if let refusal = Self.refusal(.responses, exchange, path: "POST /v1/responses") { return refusal }
        let response = ResponseObjectReading(exchange)
        return Self.verdict(.responses, exchange, problems: response.problems) {
            response.outputText.isEmpty
                ? (.broken, "200 but the response has no output text (\(response.summary))")
                : (.supported, "reply '\(excerpt(response.outputText, limit: 40))' (\(response.summary))")
        }
    }

    private func responsesStream() async throws(CutoverError) -> ProbeResult {
        let exchange = try await post(
            "/responses", ["input": "Count from 1 to 5.", "max_output_tokens": 16, "temperature": 0, "store": false, "stream": true])
        if let refusal = Self.refusal(.responsesStream, exchange, path: "POST /v1/responses") { return refusal }
        let contentType = exchange.headers["content-type"] ?? ""
        if !contentType.contains("text/event-stream"), let json = exchange.json, json["object"]?.stringValue == "response" {
            return ProbeResult(feature: .responsesStream, status: .ignored,
                               detail: "stream: true answered with one JSON Response, not an event stream", httpStatus: exchange.status)
        }
        let stream = ResponseStreamReading(body: exchange.body)
        var problems = stream.problems
        if !contentType.contains("text/event-stream") { problems.insert("content-type '\(contentType)', not text/event-stream", at: 0) }
        return Self.verdict(.responsesStream, exchange, problems: problems) {
            (.supported, "\(stream.eventCount) events, \(stream.deltaCount) text deltas adding up to "
                + "'\(excerpt(stream.deltaText, limit: 30))', ending \(stream.terminalType ?? "?")")
        }
    }

    /// Creates a stored response, reads it back, continues it with `previous_response_id` and
    /// compares the continuation's prompt size with the same input sent alone.
    private func responsesStore() async throws(CutoverError) -> ProbeResult {
        let feature = ProbeFeature.responsesStore
        let first = try await post(
            "/responses", ["input": "My name is Zorblax. Remember it.", "max_output_tokens": 16, "temperature": 0, "store": true])
        if let refusal = Self.refusal(feature, first, path: "POST /v1/responses") { return refusal }
        let created = ResponseObjectReading(first)
        guard let id = created.id, created.problems.isEmpty else {
            return Self.verdict(feature, first, problems: created.problems) { (.broken, "the created response has no id") }
        }
        let read = try await client.send(endpoint, method: "GET", path: "/responses/\(id)", body: nil)
        if read.status == 404 {
            return ProbeResult(feature: feature, status: .ignored,
                               detail: "created with store: true, but GET /v1/responses/{id} answers 404 (not kept)", httpStatus: 404)
        }
        if let refusal = Self.refusal(feature, read, path: "GET /v1/responses/{id}") { return refusal }
        let stored = ResponseObjectReading(read)
        if stored.id != id || stored.outputText != created.outputText {
            return ProbeResult(feature: feature, status: .broken, detail: "GET /v1/responses/{id} returned another response "
                + "(id \(stored.id ?? "nil"), text '\(excerpt(stored.outputText, limit: 30))')", httpStatus: read.status)
        }
        let question = "What is my name? Answer with the name only."
        let alone = try await post("/responses", ["input": .string(question), "max_output_tokens": 16, "temperature": 0, "store": false])
        let chained = try await post("/responses", [
            "input": .string(question), "previous_response_id": .string(id), "max_output_tokens": 16, "temperature": 0, "store": false,
        ])
        let deleted = try await client.send(endpoint, method: "DELETE", path: "/responses/\(id)", body: nil)
        if let refusal = Self.refusal(feature, chained, path: "POST /v1/responses with previous_response_id") { return refusal }
        let continued = ResponseObjectReading(chained)
        let control = ResponseObjectReading(alone)
        let deletion = deleted.status == 200 && deleted.json?["deleted"]?.boolValue == true
            ? "DELETE removed it" : "DELETE answered \(deleted.status)"
        let mentions = continued.outputText.lowercased().contains("zorblax")
        let reply = "reply '\(excerpt(continued.outputText, limit: 30))'\(mentions ? " names Zorblax" : "")"
        return Self.verdict(feature, chained, problems: continued.problems) {
            if continued.previousResponseID != id {
                return (.ignored, "previous_response_id not echoed (\(continued.previousResponseID ?? "null")); \(reply)")
            }
            guard let withChain = continued.inputTokens, let without = control.inputTokens else {
                return mentions ? (.supported, "GET returned it; \(reply); \(deletion)")
                    : (.ignored, "no usage to compare and the reply does not name Zorblax; \(reply)")
            }
            // The earlier turn (its input and its output) must be in the continued prompt.
            let needed = max(1, created.outputTokens ?? 1)
            if withChain - without < needed {
                return (.ignored, "the earlier turn was not in the prompt: input_tokens \(withChain) with the chain, "
                    + "\(without) without; \(reply)")
            }
            return (.supported, "GET returned it; the chain added \(withChain - without) input tokens "
                + "(\(withChain) vs \(without)); \(reply); \(deletion)")
        }
    }

    private func responsesTextFormat() async throws(CutoverError) -> ProbeResult {
        let schema: JSONValue = [
            "type": "object",
            "properties": ["name": ["type": "string"], "age": ["type": "integer"]],
            "required": ["name", "age"],
            "additionalProperties": false,
        ]
        let exchange = try await post("/responses", [
            "input": "Invent a person; give their name and age.", "max_output_tokens": 64, "temperature": 0, "store": false,
            "text": ["format": ["type": "json_schema", "name": "person", "strict": true, "schema": schema]],
        ])
        if let refusal = Self.refusal(.responsesTextFormat, exchange, path: "POST /v1/responses") { return refusal }
        let response = ResponseObjectReading(exchange)
        return Self.verdict(.responsesTextFormat, exchange, problems: response.problems) {
            guard let value = try? JSONValue.parse(response.outputText) else {
                return (.ignored, "output is not JSON: '\(excerpt(response.outputText, limit: 60))'")
            }
            let problems = JSONSchemaValidator.violations(of: value, against: schema)
            return problems.isEmpty ? (.supported, "output valid against the schema: \(excerpt(response.outputText, limit: 50))")
                : (.ignored, "output violates the schema: \(problems.prefix(3).joined(separator: "; "))")
        }
    }

    /// POSTs `body` with the endpoint's model filled in.
    func post(_ path: String, _ body: KeyValuePairs<String, JSONValue>, model: String? = nil) async throws(CutoverError) -> HTTPExchange {
        var object = JSONObject(["model": .string(model ?? endpoint.model)])
        for (key, value) in body { object[key] = value }
        return try await client.send(endpoint, path: path, body: .object(object))
    }

    /// The verdict for an exchange that did not succeed: a refusal (4xx; an endpoint the server
    /// does not serve says so), a failure (5xx, transport), or a 200 that is not JSON. Nil when
    /// the body is there to judge.
    static func refusal(_ feature: ProbeFeature, _ exchange: HTTPExchange, path: String) -> ProbeResult? {
        if exchange.status == 0 {
            return ProbeResult(feature: feature, status: .broken, detail: exchange.transportFailure ?? "no response")
        }
        if (400..<500).contains(exchange.status) {
            let error = APIErrorInfo(status: exchange.status, body: exchange.body)
            let message = error.message ?? error.bodyExcerpt
            let detail = [404, 405].contains(exchange.status) ? "\(path) not served: \(message)" : message
            return ProbeResult(feature: feature, status: .rejected, detail: detail, httpStatus: exchange.status)
        }
        if exchange.status != 200 {
            let error = APIErrorInfo(status: exchange.status, body: exchange.body)
            return ProbeResult(feature: feature, status: .broken, detail: error.summary, httpStatus: exchange.status)
        }
        if let failure = exchange.transportFailure {
            return ProbeResult(feature: feature, status: .broken, detail: failure, httpStatus: 200)
        }
        return nil
    }

    /// Lets `decide` judge a 200; wire problems turn a success into `broken`.
    static func verdict(
        _ feature: ProbeFeature, _ exchange: HTTPExchange, problems: [String], decide: () -> (ProbeStatus, String)
    ) -> ProbeResult {
        var (status, detail) = decide()
        if !problems.isEmpty {
            let list = problems.prefix(4).joined(separator: "; ")
            if status == .supported || status == .deviates {
                status = .broken
                detail = "\(list) (otherwise: \(detail))"
            } else {
                detail += "; also: \(list)"
            }
        }
        if let ignored = exchange.headers["x-switchyard-ignored"] { detail += "; server says it ignored: \(ignored)" }
        return ProbeResult(feature: feature, status: status, detail: detail, httpStatus: exchange.status)
    }
}
