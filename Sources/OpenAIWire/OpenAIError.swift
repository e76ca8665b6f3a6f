/// An error as OpenAI reports it: an HTTP status and the body
/// `{"error":{"message","type","param","code"}}`. The one error type of this module.
public struct OpenAIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status the error is sent with.
    public var status: Int
    public var message: String
    /// OpenAI's error class: `invalid_request_error`, `authentication_error`, `rate_limit_error`...
    public var type: String
    /// The request field at fault, in the path form OpenAI uses (`messages[0].content[1]`).
    public var param: String?
    /// A stable machine-readable code (`model_not_found`, `context_length_exceeded`...).
    public var code: String?
    /// How long the client should wait before retrying, sent as `retry-after` and
    /// `retry-after-ms` (what the OpenAI SDKs read): set when an upstream asked for it.
    public var retryAfterMilliseconds: Int?

    public init(
        status: Int, message: String, type: String, param: String? = nil, code: String? = nil, retryAfterMilliseconds: Int? = nil
    ) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfterMilliseconds = retryAfterMilliseconds
    }

    public var description: String { message }

    /// The error body, with `param` and `code` present (as `null`) even when absent.
    public var body: JSONValue {
        [
            "error": [
                "message": .string(message),
                "type": .string(type),
                "param": param.map(JSONValue.string) ?? .null,
                "code": code.map(JSONValue.string) ?? .null,
            ]
        ]
    }

    /// A 400 `invalid_request_error`.
    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    /// A 400 naming a field whose value has the wrong type or is out of range.
    public static func invalidValue(_ message: String, param: String) -> OpenAIError {
        invalidRequest(message, param: param, code: "invalid_value")
    }

    public static func invalidAPIKey() -> OpenAIError {
        OpenAIError(
            status: 401, message: "Incorrect API key provided. Send one of the server's keys as 'Authorization: Bearer KEY'.",
            type: "authentication_error", code: "invalid_api_key")
    }

    public static func modelNotFound(_ model: String) -> OpenAIError {
        OpenAIError(
            status: 404, message: "The model '\(model)' does not exist or you do not have access to it.",
            type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    public static func contextLengthExceeded(_ message: String, param: String) -> OpenAIError {
        invalidRequest(message, param: param, code: "context_length_exceeded")
    }

    public static func rateLimited(_ message: String) -> OpenAIError {
        OpenAIError(status: 429, message: message, type: "rate_limit_error", code: "rate_limit_exceeded")
    }

    public static func bodyTooLarge(limit: Int) -> OpenAIError {
        OpenAIError(
            status: 413, message: "The request body is larger than the server's limit of \(limit) bytes.",
            type: "invalid_request_error", code: "request_too_large")
    }

    public static func notFound(_ message: String) -> OpenAIError {
        OpenAIError(status: 404, message: message, type: "invalid_request_error", code: "not_found")
    }

    public static func serverError(_ message: String, status: Int = 500) -> OpenAIError {
        OpenAIError(status: status, message: message, type: "server_error", code: "internal_error")
    }
}
