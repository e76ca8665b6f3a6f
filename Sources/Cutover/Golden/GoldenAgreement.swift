/// How far a candidate endpoint's golden outputs agree with the baseline's, case by case: the
/// check that two servers of the same model file compute the same thing.
///
/// A case is identical when both answered with the same text, the same tool calls and the same
/// completion token count. Where they differ, the reason names the first thing that explains it,
/// in the order a migrating team would look: a failed request, a different prompt (chat template),
/// unpinned sampling, token accounting, stop handling, constrained output, then numerics.
public struct GoldenAgreement: Sendable, Codable, Hashable {
    /// The class of evidence that explains a difference, for reports and for tests that demand
    /// "identical wherever the prompt and the constraints agree".
    public enum Cause: String, Sendable, Codable, Hashable, CaseIterable {
        /// One side's request failed.
        case failed
        /// The prompt token counts differ: the chat template (or the rendering of tools) differs.
        case template
        /// The case does not pin temperature 0: sampled outputs may differ.
        case sampling
        /// Same text and calls, different completion token counts.
        case accounting
        /// The case constrains the output (tools or response_format), which each server
        /// enforces with its own grammar.
        case constraint
        /// One output is a prefix of the other and they end for different reasons.
        case stop
        /// Same prompt, unconstrained, temperature 0, and still different: the computation.
        case numerics
    }

    public struct Difference: Sendable, Codable, Hashable {
        public var id: String
        public var cause: Cause
        public var reason: String
    }

    public var baseline: String
    public var candidate: String
    public var identical: Int
    public var compared: Int
    public var differences: [Difference]

    /// Compares the records at `candidateIndex` with those at 0.
    init(cases: [GoldenCaseResult], baseline: String, candidate: String, candidateIndex: Int) {
        self.baseline = baseline
        self.candidate = candidate
        var identical = 0
        var compared = 0
        var differences: [Difference] = []
        for item in cases where item.records.count > candidateIndex {
            compared += 1
            if let difference = Self.difference(item, item.records[0], item.records[candidateIndex], names: (baseline, candidate)) {
                differences.append(Difference(id: item.id, cause: difference.cause, reason: difference.reason))
            } else {
                identical += 1
            }
        }
        self.identical = identical
        self.compared = compared
        self.differences = differences
    }

    /// "A vs B: 26/26 identical (text, tool calls and completion tokens)".
    public var line: String {
        "\(baseline) vs \(candidate): \(identical)/\(compared) identical (text, tool calls and completion tokens)"
    }

    /// How many differences each cause explains, in `Cause` order (empty causes left out).
    public var causeCounts: [(cause: Cause, count: Int)] {
        Cause.allCases.compactMap { cause in
            let count = differences.filter { $0.cause == cause }.count
            return count == 0 ? nil : (cause, count)
        }
    }

    /// "9 differ: 4 template, 4 constraint, 1 sampling", or nil when all are identical.
    public var causeLine: String? {
        guard !differences.isEmpty else { return nil }
        return "\(differences.count) differ: " + causeCounts.map { "\($0.count) \($0.cause.rawValue)" }.joined(separator: ", ")
    }

    enum CodingKeys: String, CodingKey { case baseline, candidate, identical, compared, differences, causes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        baseline = try container.decode(String.self, forKey: .baseline)
        candidate = try container.decode(String.self, forKey: .candidate)
        identical = try container.decode(Int.self, forKey: .identical)
        compared = try container.decode(Int.self, forKey: .compared)
        differences = try container.decode([Difference].self, forKey: .differences)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(baseline, forKey: .baseline)
        try container.encode(candidate, forKey: .candidate)
        try container.encode(identical, forKey: .identical)
        try container.encode(compared, forKey: .compared)
        try container.encode(differences, forKey: .differences)
        let counts = Dictionary(uniqueKeysWithValues: causeCounts.map { ($0.cause.rawValue, $0.count) })
        try container.encode(counts, forKey: .causes)
    }

    /// Why two records differ (its cause and a sentence with the evidence), or nil when they are identical.
    static func difference(
        _ item: GoldenCaseResult, _ a: GoldenRecord, _ b: GoldenRecord, names: (String, String)
    ) -> (cause: Cause, reason: String)? {
        let textSame = a.output == b.output
        let callsSame = a.toolCalls.map { [$0.name ?? "", $0.arguments] } == b.toolCalls.map { [$0.name ?? "", $0.arguments] }
        if a.error == nil, b.error == nil, textSame, callsSame, a.completionTokens == b.completionTokens {
            return nil
        }
        if let error = a.error { return (.failed, "\(names.0) failed: \(error)") }
        if let error = b.error { return (.failed, "\(names.1) failed: \(error)") }
        let tokens = "\(names.0) \(a.completionTokens.map(String.init) ?? "?"), \(names.1) \(b.completionTokens.map(String.init) ?? "?")"
        if let left = a.promptTokens, let right = b.promptTokens, left != right {
            var reason = "prompt tokens differ (\(names.0) \(left), \(names.1) \(right)): the chat template is applied differently"
            if item.constrained { reason += " (the case sends tools or response_format, which each server may render into the prompt its own way)" }
            return (.template, reason)
        }
        if item.temperature != 0 {
            return (.sampling, "temperature is not pinned to 0 (\(item.temperature.map { format($0, digits: 2) } ?? "server default")): sampled outputs differ")
        }
        if textSame && callsSame {
            return (.accounting, "same text, different completion token counts (\(tokens)): token accounting differs")
        }
        let common = zip(a.output, b.output).prefix { $0 == $1 }.count
        if !callsSame && (a.toolCalls.isEmpty || b.toolCalls.isEmpty || item.constrained) {
            let reason = "tool calls differ (\(names.0): \(Self.calls(a)), \(names.1): \(Self.calls(b)))"
            return (item.constrained ? .constraint : .numerics, reason)
        }
        let stopsEarlier = common == min(a.output.count, b.output.count) && a.finishReason != b.finishReason
        let stopReason = "one output stops earlier (\(names.0) finish_reason \(a.finishReason ?? "nil"), \(names.1) \(b.finishReason ?? "nil"); "
            + "completion tokens \(tokens))"
        if stopsEarlier && !item.constrained { return (.stop, stopReason + ": stop handling differs") }
        var reason = stopsEarlier ? stopReason
            : "same prompt (\(a.promptTokens.map(String.init) ?? "?") tokens), outputs diverge after \(common) characters "
                + "(\(ProbeRunner.firstDifference(a.output, b.output))); completion tokens \(tokens)"
        // Where the case constrains the output, the grammar decides both what comes and when it ends.
        if item.constrained {
            reason += "; the case constrains the output (tools or response_format), which each server enforces with its own grammar"
            return (.constraint, reason)
        }
        return (.numerics, reason)
    }

    private static func calls(_ record: GoldenRecord) -> String {
        record.toolCalls.isEmpty ? "text '\(excerpt(record.output, limit: 40))'"
            : record.toolCalls.map { "\($0.name ?? "?")(\(excerpt($0.arguments, limit: 40)))" }.joined(separator: ", ")
    }
}
