import OpenAIWire

/// Translates between the client's view of a model and one upstream's: the model name both
/// ways, and upstream failures into OpenAI errors with the upstream's model name and key scrubbed.
struct UpstreamTranslator: Sendable {
    let publicName: String
    let upstreamModel: String
    let host: String
    private let apiKey: String?

    init(publicName: String, target: UpstreamTarget) {
        self.publicName = publicName
        self.upstreamModel = target.model ?? publicName
        self.host = target.hostDescription
        self.apiKey = target.apiKey
    }

    // MARK: Requests and replies

    /// The body to send: `model` set to the upstream's name, `stream` as asked and, when
    /// streaming, `stream_options.include_usage` forced on (other stream options kept).
    /// The Responses API (`path` "responses") has no `stream_options.include_usage`: its last
    /// event carries the usage.
    func requestBody(_ body: JSONObject, stream: Bool, path: String = "chat/completions") -> JSONObject {
        var body = body
        body["model"] = .string(upstreamModel)
        body["stream"] = .bool(stream)
        if stream, path != "responses" {
            var options = body["stream_options"]?.objectValue ?? JSONObject()
            options["include_usage"] = .bool(true)
            body["stream_options"] = .object(options)
        }
        return body
    }

    /// `requestBody`'s changes made to the client's text in place (the rest goes as sent).
    func requestText(_ text: JSONObjectText, body: JSONObject, stream: Bool, path: String = "chat/completions") -> [UInt8] {
        var text = text
        if body["model"]?.stringValue != upstreamModel { text.set("model", to: .string(upstreamModel)) }
        if body["stream"]?.boolValue != stream { text.set("stream", to: .bool(stream)) }
        if stream, path != "responses", body["stream_options"]?["include_usage"]?.boolValue != true {
            var options = body["stream_options"]?.objectValue ?? JSONObject()
            options["include_usage"] = .bool(true)
            text.set("stream_options", to: .object(options))
        }
        return text.bytes
    }

    /// A reply or chunk with its `model` shown under the public name.
    func reply(_ value: JSONValue) -> JSONValue {
        guard var object = value.objectValue else { return value }
        if object["model"] != nil { object["model"] = .string(publicName) }
        // Responses API events carry the response (and its model) one level down.
        if case .object(var response)? = object["response"], response["model"] != nil {
            response["model"] = .string(publicName)
            object["response"] = .object(response)
        }
        return .object(object)
    }

    /// Text from the upstream made fit for the client: the upstream's model name replaced by the
    /// public one, and the upstream key (should the upstream echo it) removed.
    func scrub(_ text: String) -> String {
        var text = text
        if let apiKey, !apiKey.isEmpty { text = text.replacing(apiKey, with: "[redacted]") }
        if upstreamModel != publicName, !upstreamModel.isEmpty { text = text.replacing(upstreamModel, with: publicName) }
        return text
    }

    /// A short, one-line, scrubbed excerpt of a body for messages.
    func excerpt(_ bytes: some Collection<UInt8>, limit: Int = 200) -> String {
        let text = scrub(String(decoding: bytes.prefix(limit * 4), as: UTF8.self))
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > limit ? String(flat.prefix(limit)) + "…" : flat
    }

    // MARK: Errors

    /// An upstream's error response (status 4xx/5xx), keeping its status, message, type, param
    /// and string code. 401/403 become 502 `upstream_auth_failed`: the server's key is at fault,
    /// not the client's.
    func error(status: Int, body: [UInt8]) -> OpenAIError {
        if status == 401 || status == 403 { return authenticationFailed(status: status) }
        let json = try? JSONValue.parse(body)
        if let mapped = openAIError(in: json, status: status) { return mapped }
        let message =
            body.isEmpty
            ? "The upstream server for model '\(publicName)' answered HTTP \(status)."
            : "The upstream server for model '\(publicName)' answered HTTP \(status): \(excerpt(body))"
        return OpenAIError(status: status, message: message, type: Self.defaultType(status: status))
    }

    /// An error object found in a 2xx body or a stream's `data: {"error": ...}` event.
    /// Its status is the error's numeric `code` when that is an HTTP error status, else 502.
    func error(inEvent json: JSONValue) -> OpenAIError {
        let numeric = json["error"]?["code"]?.intValue ?? json["error"]?["status"]?.intValue
        let status = numeric.flatMap { (400..<600).contains($0) ? $0 : nil } ?? 502
        if status == 401 || status == 403 { return authenticationFailed(status: status) }
        return openAIError(in: json, status: status)
            ?? OpenAIError(
                status: 502, message: "The upstream server for model '\(publicName)' sent an error: \(excerpt(Array(json.jsonString.utf8)))",
                type: "server_error", code: "upstream_error")
    }

    func authenticationFailed(status: Int) -> OpenAIError {
        OpenAIError(
            status: 502,
            message: "The upstream server for model '\(publicName)' (\(host)) refused this server's credentials (HTTP \(status)). The server's configuration needs a valid upstream api key.",
            type: "server_error", code: "upstream_auth_failed")
    }

    /// The stream broke off: dropped, ended without `[DONE]`, or silent too long.
    func disconnected(_ reason: String) -> OpenAIError {
        OpenAIError(
            status: 502, message: "The upstream server for model '\(publicName)' (\(host)) \(scrub(reason)).",
            type: "server_error", code: "upstream_disconnected")
    }

    /// A reply that is not what the protocol promises (a non-JSON body, a malformed event).
    func badResponse(_ reason: String) -> OpenAIError {
        OpenAIError(
            status: 502, message: "The upstream server for model '\(publicName)' (\(host)) \(scrub(reason))",
            type: "server_error", code: "upstream_bad_response")
    }

    /// Reads `{"error": {...}}`, `{"error": "..."}`, `{"detail": ...}` or `{"message": "..."}`.
    private func openAIError(in json: JSONValue?, status: Int) -> OpenAIError? {
        guard let json else { return nil }
        var message: String?
        var type: String?
        var param: String?
        var code: String?
        if let error = json["error"] {
            if let object = error.objectValue {
                message = object["message"]?.stringValue
                type = object["type"]?.stringValue
                param = object["param"]?.stringValue
                code = object["code"]?.stringValue
            } else {
                message = error.stringValue ?? error.jsonString
            }
        } else if let detail = json["detail"] {
            message = detail.stringValue ?? detail.jsonString
        } else if let text = json["message"]?.stringValue {
            message = text
        }
        guard let message, !message.isEmpty else { return nil }
        return OpenAIError(
            status: status, message: scrub(message), type: type ?? Self.defaultType(status: status),
            param: param.map(scrub), code: code)
    }

    private static func defaultType(status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 429: "rate_limit_error"
        case 400..<500: "invalid_request_error"
        default: "server_error"
        }
    }
}
