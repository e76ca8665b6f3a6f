/// A limit a CI run gates on, and how the run measured against it.
public struct ThresholdCheck: Sendable, Codable, Hashable {
    /// The option's name, e.g. "max-ttft-p95-ratio".
    public var name: String
    public var limit: Double
    /// Nil when the run produced nothing to measure (e.g. no tool cases).
    public var actual: Double?
    public var passed: Bool
    public var detail: String

    /// Checks `actual <= limit` (`atMost`) or `actual >= limit`; nothing measured passes.
    public init(name: String, limit: Double, actual: Double?, atMost: Bool, detail: String) {
        self.name = name
        self.limit = limit
        self.actual = actual
        if let actual { passed = atMost ? actual <= limit : actual >= limit } else { passed = true }
        self.detail = detail
    }
}
