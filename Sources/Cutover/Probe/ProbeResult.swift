/// How an endpoint treated one feature.
public enum ProbeStatus: String, Sendable, Codable, Hashable {
    /// The feature works as OpenAI documents it.
    case supported
    /// The request succeeded but the feature had no effect.
    case ignored
    /// The feature works, but the wire format departs from OpenAI's in a way most SDKs tolerate
    /// (a stream's `created` changing between chunks, a missing `[DONE]`).
    case deviates
    /// The server refused the request (4xx) with a message.
    case rejected
    /// The server failed (5xx), or its response broke the wire contract.
    case broken
    /// The probe could not run the feature (e.g. no embedding model to ask for); the detail says why.
    case skipped
}

/// One row of a probe matrix.
public struct ProbeResult: Sendable, Codable, Hashable {
    public var feature: ProbeFeature
    public var status: ProbeStatus
    /// What was observed: the error message, the mismatch, the values seen.
    public var detail: String
    /// The HTTP status of the deciding response, when there was one.
    public var httpStatus: Int?

    public init(feature: ProbeFeature, status: ProbeStatus, detail: String, httpStatus: Int? = nil) {
        self.feature = feature
        self.status = status
        // One line per row in tables: servers put newlines in their error messages.
        self.detail = detail.split(whereSeparator: \.isNewline).joined(separator: " ")
        self.httpStatus = httpStatus
    }

    enum CodingKeys: String, CodingKey {
        case feature, status, detail, httpStatus = "http_status"
    }

    /// "supported", "rejected 400", ... for compact tables.
    public var cell: String {
        if status != .supported && status != .ignored, let httpStatus, httpStatus != 200 { return "\(status.rawValue) \(httpStatus)" }
        return status.rawValue
    }
}
