/// Aggregates of one endpoint over a golden run.
public struct GoldenSummary: Sendable, Codable, Hashable {
    public var endpoint: String
    public var cases: Int
    public var errors: Int
    /// Cases whose expectations all passed, over all cases.
    public var expectationPassRate: Double
    /// Valid tool turns over cases that involve tools; nil when none do.
    public var toolSuccessRate: Double?
    /// Schema-valid outputs over cases that ask for a schema; nil when none do.
    public var schemaSuccessRate: Double?
    public var completionTokens: Int
    public var ttft: LatencySummary
    public var itl: LatencySummary
    public var total: LatencySummary

    enum CodingKeys: String, CodingKey {
        case endpoint, cases, errors, expectationPassRate = "expectation_pass_rate", toolSuccessRate = "tool_success_rate"
        case schemaSuccessRate = "schema_success_rate", completionTokens = "completion_tokens"
        case ttft = "ttft_ms", itl = "mean_itl_ms", total = "total_ms"
    }

    /// Summarizes the records of one endpoint.
    public init(endpoint: String, records: [GoldenRecord]) {
        self.endpoint = endpoint
        cases = records.count
        errors = records.filter { $0.error != nil }.count
        expectationPassRate = records.isEmpty ? 0 : Double(records.filter(\.passed).count) / Double(records.count)
        let toolRecords = records.compactMap(\.toolCallValid)
        toolSuccessRate = toolRecords.isEmpty ? nil : Double(toolRecords.filter { $0 }.count) / Double(toolRecords.count)
        let schemaRecords = records.compactMap(\.schemaValid)
        schemaSuccessRate = schemaRecords.isEmpty ? nil : Double(schemaRecords.filter { $0 }.count) / Double(schemaRecords.count)
        completionTokens = records.reduce(0) { $0 + ($1.completionTokens ?? 0) }
        let good = records.filter { $0.error == nil }
        ttft = LatencySummary(seconds: good.compactMap(\.ttftMilliseconds).map { $0 / 1000 })
        itl = LatencySummary(seconds: good.compactMap(\.meanITLMilliseconds).map { $0 / 1000 })
        total = LatencySummary(seconds: good.map(\.totalMilliseconds).map { $0 / 1000 })
    }
}
