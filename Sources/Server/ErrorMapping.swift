import Engine
import Fleet
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAIWire

/// How each module's errors read as OpenAI errors. Used by the error middleware and by
/// streams that fail after their headers went out.
enum ErrorMapping {
    static func openAIError(for error: any Error, request: Request? = nil) -> OpenAIError {
        switch error {
        case let error as OpenAIError:
            return error
        case let error as FleetError:
            switch error {
            case .modelNotFound(let id): return .modelNotFound(id)
            case .queueFull: return .rateLimited(error.description)
            case .contextLengthExceeded(let message, let param): return .contextLengthExceeded(message, param: param)
            case .invalidRequest(let message, let param, let code): return .invalidRequest(message, param: param, code: code)
            case .wakeTimeout: return OpenAIError(status: 504, message: error.description, type: "timeout_error", code: "wake_timeout")
            case .wakeFailed: return OpenAIError(status: 503, message: error.description, type: "server_error", code: "wake_failed")
            case .rateLimited(let message, _): return .rateLimited(message)
            case .upstream(let upstream): return upstream
            }
        case let error as EngineError:
            switch error {
            case .contextLengthExceeded:
                // Legacy completions name their input `prompt`; streams that failed late pass no request.
                let param = request?.uri.path.hasSuffix("/v1/completions") == true ? "prompt" : "messages"
                return .contextLengthExceeded(error.description, param: param)
            case .invalidRequest(let reason): return .invalidRequest(reason)
            case .invalidSchema(let message, _): return .invalidRequest(message, param: "response_format", code: "invalid_schema")
            case .cancelled: return OpenAIError(status: 499, message: error.description, type: "invalid_request_error", code: "cancelled")
            case .shutDown: return .serverError(error.description, status: 503)
            case .unsupportedModel, .invalidModel: return .serverError(error.description)
            }
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge:
                return OpenAIError(status: 413, message: error.body ?? "The request body is too large.", type: "invalid_request_error", code: "request_too_large")
            case .notFound:
                let route = request.map { "\($0.method) \($0.uri.path)" } ?? "this URL"
                return .notFound("Invalid URL (\(route)).")
            case .methodNotAllowed:
                return OpenAIError(status: 405, message: error.body ?? "Method not allowed.", type: "invalid_request_error", code: "method_not_allowed")
            default:
                return OpenAIError(
                    status: error.status.code, message: error.body ?? error.status.reasonPhrase,
                    type: error.status.code >= 500 ? "server_error" : "invalid_request_error")
            }
        case is CancellationError:
            return OpenAIError(status: 499, message: "The request was cancelled.", type: "invalid_request_error", code: "cancelled")
        default:
            return .serverError("The server had an error while processing your request.")
        }
    }

    static func retryAfter(for error: any Error) -> Int? {
        switch error as? FleetError {
        case .queueFull(let seconds), .rateLimited(_, let seconds): return seconds
        default: return nil
        }
    }

    /// The response for any error a handler throws, logged by severity.
    static func response(for error: any Error, request: Request, logger: Logger) -> Response {
        let mapped = openAIError(for: error, request: request)
        log(mapped, logger: logger)
        return response(for: mapped, retryAfter: retryAfter(for: error))
    }

    static func response(for error: OpenAIError, retryAfter: Int? = nil) -> Response {
        let (status, headers, body) = parts(for: error, retryAfter: retryAfter)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// Logs a failed request by severity (as the error middleware does).
    static func log(_ mapped: OpenAIError, logger: Logger) {
        if mapped.status >= 500 {
            logger.error("request failed", metadata: ["error.message": "\(mapped.message)"])
        } else {
            logger.debug("request refused", metadata: ["error.message": "\(mapped.message)"])
        }
    }

    /// An error response's status, headers and body.
    static func parts(for error: OpenAIError, retryAfter: Int? = nil) -> (HTTPResponse.Status, HTTPFields, ByteBuffer) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let milliseconds = error.retryAfterMilliseconds {
            headers[.retryAfter] = String((milliseconds + 999) / 1000)
            headers[HTTPField.Name("retry-after-ms")!] = String(milliseconds)
        } else if let retryAfter {
            headers[.retryAfter] = String(retryAfter)
        }
        // The SDKs retry 5xx and 429 on their own; a wake that already took the hard cap must not be
        // tried three more times, and neither must a failed wake command.
        if error.code == "wake_timeout" || error.code == "wake_failed" { headers[.shouldRetry] = "false" }
        var buffer = ByteBuffer()
        buffer.writeString(error.body.jsonString)
        let status = HTTPResponse.Status(code: error.status, reasonPhrase: error.status == 499 ? "Client Closed Request" : "")
        return (status, headers, buffer)
    }
}
