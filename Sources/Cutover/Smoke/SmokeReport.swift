/// The result of one smoke check.
public struct SmokeCheck: Sendable, Codable, Hashable {
    public var name: String
    public var passed: Bool
    /// Why it failed, or what was seen when it passed.
    public var reason: String
    public var latencyMilliseconds: Double
    /// Things worth knowing that do not fail the check (e.g. no `usage`).
    public var notes: [String]
    /// The endpoint does not serve what the check calls (a 404 for `/v1/responses`); not a failure.
    public var skipped = false

    enum CodingKeys: String, CodingKey {
        case name, passed, reason, latencyMilliseconds = "latency_ms", notes, skipped
    }
}

/// The smoke test of one endpoint: completion, streamed completion, tool call, Responses call.
public struct SmokeReport: Sendable, Encodable {
    public var endpoint: Endpoint
    public var checks: [SmokeCheck]
    public var passed: Bool { checks.allSatisfy(\.passed) }

    enum CodingKeys: String, CodingKey { case endpoint, checks, passed }

    public init(endpoint: Endpoint, checks: [SmokeCheck]) {
        self.endpoint = endpoint
        self.checks = checks
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(endpoint, forKey: .endpoint)
        try container.encode(checks, forKey: .checks)
        try container.encode(passed, forKey: .passed)
    }

    /// Human-readable lines.
    public var text: String {
        var lines = ["smoke \(endpoint.name) \(endpoint.baseURL) model=\(endpoint.model)"]
        for check in checks {
            lines.append("  \(check.skipped ? "SKIP" : check.passed ? "PASS" : "FAIL")  \(check.name.padding(16))  \(check.reason)  (\(Int(check.latencyMilliseconds)) ms)")
            for note in check.notes { lines.append("        note: \(note)") }
        }
        lines.append(passed ? "all checks passed" : "\(checks.filter { !$0.passed }.count) check(s) failed")
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Pads with spaces on the right to `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
