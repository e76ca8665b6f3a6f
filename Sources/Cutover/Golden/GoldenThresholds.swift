/// Limits a golden run is gated on. Ratios compare the candidate (last endpoint) with the
/// baseline (first); rates apply to the candidate. Nil limits are not checked.
public struct GoldenThresholds: Sendable, Hashable {
    public var maxTTFTp95Ratio: Double?
    public var maxTotalP95Ratio: Double?
    public var minToolSuccess: Double?
    public var minSchemaSuccess: Double?
    public var minExpectationPass: Double?
    public var maxErrors: Int?

    public init(
        maxTTFTp95Ratio: Double? = nil, maxTotalP95Ratio: Double? = nil, minToolSuccess: Double? = nil,
        minSchemaSuccess: Double? = nil, minExpectationPass: Double? = nil, maxErrors: Int? = nil
    ) {
        self.maxTTFTp95Ratio = maxTTFTp95Ratio
        self.maxTotalP95Ratio = maxTotalP95Ratio
        self.minToolSuccess = minToolSuccess
        self.minSchemaSuccess = minSchemaSuccess
        self.minExpectationPass = minExpectationPass
        self.maxErrors = maxErrors
    }

    /// Evaluates the limits on per-endpoint summaries (baseline first, candidate last).
    public func evaluate(_ summaries: [GoldenSummary]) -> [ThresholdCheck] {
        guard let candidate = summaries.last, let baseline = summaries.first else { return [] }
        var checks: [ThresholdCheck] = []
        func ratio(_ a: Double, _ b: Double) -> Double? { a > 0 ? b / a : nil }
        if let limit = maxTTFTp95Ratio, summaries.count >= 2 {
            checks.append(ThresholdCheck(
                name: "max-ttft-p95-ratio", limit: limit, actual: ratio(baseline.ttft.p95, candidate.ttft.p95), atMost: true,
                detail: "\(candidate.endpoint) TTFT p95 \(format(candidate.ttft.p95)) ms vs \(baseline.endpoint) \(format(baseline.ttft.p95)) ms"))
        }
        if let limit = maxTotalP95Ratio, summaries.count >= 2 {
            checks.append(ThresholdCheck(
                name: "max-latency-p95-ratio", limit: limit, actual: ratio(baseline.total.p95, candidate.total.p95), atMost: true,
                detail: "\(candidate.endpoint) latency p95 \(format(candidate.total.p95)) ms vs \(baseline.endpoint) \(format(baseline.total.p95)) ms"))
        }
        if let limit = minToolSuccess {
            checks.append(ThresholdCheck(name: "min-tool-success", limit: limit, actual: candidate.toolSuccessRate, atMost: false,
                detail: "\(candidate.endpoint) valid tool turns"))
        }
        if let limit = minSchemaSuccess {
            checks.append(ThresholdCheck(name: "min-schema-success", limit: limit, actual: candidate.schemaSuccessRate, atMost: false,
                detail: "\(candidate.endpoint) schema-valid outputs"))
        }
        if let limit = minExpectationPass {
            checks.append(ThresholdCheck(name: "min-expectation-pass", limit: limit, actual: candidate.expectationPassRate, atMost: false,
                detail: "\(candidate.endpoint) cases passing all expectations"))
        }
        if let limit = maxErrors {
            checks.append(ThresholdCheck(name: "max-errors", limit: Double(limit), actual: Double(candidate.errors), atMost: true,
                detail: "\(candidate.endpoint) failed or malformed responses"))
        }
        return checks
    }
}

func format(_ value: Double, digits: Int = 1) -> String {
    guard value.isFinite else { return "–" }
    var text = String(Int((value * pow10(digits)).rounded()))
    guard digits > 0 else { return text }
    let negative = text.hasPrefix("-")
    if negative { text.removeFirst() }
    while text.count <= digits { text = "0" + text }
    let split = text.index(text.endIndex, offsetBy: -digits)
    return (negative ? "-" : "") + text[..<split] + "." + text[split...]
}

private func pow10(_ digits: Int) -> Double {
    var result = 1.0
    for _ in 0..<digits { result *= 10 }
    return result
}
