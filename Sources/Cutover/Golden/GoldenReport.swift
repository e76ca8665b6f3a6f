/// A golden run: every case on every endpoint, per-endpoint summaries and threshold checks.
public struct GoldenReport: Sendable, Encodable {
    public var endpoints: [Endpoint]
    public var cases: [GoldenCaseResult]
    public var summaries: [GoldenSummary]
    /// Each further endpoint's agreement with the first, case by case.
    public var agreements: [GoldenAgreement]
    public var thresholds: [ThresholdCheck] = []

    public init(endpoints: [Endpoint], cases: [GoldenCaseResult]) {
        self.endpoints = endpoints
        self.cases = cases
        summaries = endpoints.enumerated().map { index, endpoint in
            GoldenSummary(endpoint: endpoint.name, records: cases.compactMap { $0.records.count > index ? $0.records[index] : nil })
        }
        agreements = endpoints.indices.dropFirst().map { index in
            GoldenAgreement(cases: cases, baseline: endpoints[0].name, candidate: endpoints[index].name, candidateIndex: index)
        }
    }

    enum CodingKeys: String, CodingKey { case endpoints, cases, summaries, agreements, thresholds, passed }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(endpoints, forKey: .endpoints)
        try container.encode(cases, forKey: .cases)
        try container.encode(summaries, forKey: .summaries)
        try container.encode(agreements, forKey: .agreements)
        try container.encode(thresholds, forKey: .thresholds)
        try container.encode(passed, forKey: .passed)
    }

    /// Applies `limits`, replacing earlier checks.
    public mutating func apply(_ limits: GoldenThresholds) {
        thresholds = limits.evaluate(summaries)
    }

    /// True when every threshold passed.
    public var passed: Bool { thresholds.allSatisfy(\.passed) }
}
